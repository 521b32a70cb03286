// The automatic sync's reports as an AsyncStream, read on the main actor.

import Foundation
import ShelfmarkKit

enum AutoSyncReport: Sendable {
    case synced(SyncSummary)
    case failed(category: ErrorCategory, message: String)
}

/// Hands the core's automatic-sync callbacks (on a background thread) to a
/// stream.
final class AutoSyncReports: AutoSyncListener, @unchecked Sendable {
    private let continuation: AsyncStream<AutoSyncReport>.Continuation

    private init(_ continuation: AsyncStream<AutoSyncReport>.Continuation) {
        self.continuation = continuation
    }

    static func make() -> (AsyncStream<AutoSyncReport>, AutoSyncReports) {
        let (stream, continuation) = AsyncStream.makeStream(of: AutoSyncReport.self)
        return (stream, AutoSyncReports(continuation))
    }

    func onSynced(summary: SyncSummary) {
        continuation.yield(.synced(summary))
    }

    func onFailed(category: ErrorCategory, message: String) {
        continuation.yield(.failed(category: category, message: message))
    }
}
