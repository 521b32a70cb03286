// Network changes from NWPathMonitor, as a stream of "is this network
// metered" (cellular, a personal hotspot, Low Data Mode).

import Foundation
import Network

enum NetworkPath {
    static func meteredChanges() -> AsyncStream<Bool> {
        AsyncStream { continuation in
            let monitor = NWPathMonitor()
            monitor.pathUpdateHandler = { path in
                continuation.yield(path.isExpensive || path.isConstrained)
            }
            continuation.onTermination = { _ in monitor.cancel() }
            monitor.start(queue: DispatchQueue(label: "org.shelfmark.network-path"))
        }
    }
}
