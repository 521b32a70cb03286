// Attachment files on this device: which files sync downloads (on demand,
// all, or those of the collections kept offline), whether it waits for
// Wi-Fi, the cache budget, and freeing space.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class FilesModel {
    private(set) var settings: FileSettings?
    private(set) var files: [FileInfo] = []
    private(set) var errorMessage: String?
    private(set) var lastEviction: EvictSummary?

    let library: LibraryHandle

    init(library: LibraryHandle) {
        self.library = library
    }

    /// Collections whose files are kept on the device.
    var offlineCollections: Set<String> {
        if case let .collections(keys)? = settings?.download {
            return Set(keys)
        }
        return []
    }

    /// Bytes of attachment files stored here.
    var storedBytes: UInt64 {
        files.reduce(0) { total, file in total + (file.localSize ?? 0) }
    }

    func load() async {
        do {
            settings = try await library.files().settings()
            files = try await library.files().states(scope: .all)
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func setPolicy(_ policy: FileDownloadPolicy) async {
        await perform { try await self.library.files().setDownloadPolicy(policy: policy) }
    }

    /// Keeps a collection's files offline or stops doing so.
    func setOffline(_ offline: Bool, collection key: String) async {
        var keys = offlineCollections
        if offline {
            keys.insert(key)
        } else {
            keys.remove(key)
        }
        await setPolicy(keys.isEmpty ? .onDemand : .collections(keys: keys.sorted()))
    }

    func setWaitsForWiFi(_ waits: Bool) async {
        await perform { try await self.library.files().setUnmeteredOnly(unmeteredOnly: waits) }
    }

    /// Sets the most space downloaded files may take (nil: no limit); the
    /// core removes the least recently opened files above it.
    func setCacheBudget(megabytes: UInt64?) async {
        await perform {
            self.lastEviction = try await self.library.files().setCacheBudget(bytes: megabytes.map { value in value * 1_000_000 })
        }
    }

    /// Removes downloaded copies (files changed here and not uploaded stay).
    func evictAll() async {
        await perform { self.lastEviction = try await self.library.files().evict(scope: .all) }
    }

    func evict(collection key: String) async {
        await perform { self.lastEviction = try await self.library.files().evict(scope: .collection(key: key)) }
    }

    func retryUploads() async {
        await perform { _ = try await self.library.files().retryUploads() }
    }

    private func perform(_ change: () async throws -> Void) async {
        do {
            try await change()
            await load()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }
}
