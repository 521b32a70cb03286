// Listeners as AsyncStreams: `for await` over library changes and live
// item lists; ending the loop (or cancelling its task) unsubscribes.

import Foundation

extension LibraryHandle {
    /// Every committed change to the library, in commit order.
    ///
    ///     for await changes in try library.changes() { … }
    public func changes() throws -> AsyncStream<LibraryChanges> {
        let (stream, continuation) = AsyncStream.makeStream(of: LibraryChanges.self)
        let handle = try subscribe(listener: ChangesForwarder(continuation))
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }
}

extension LibraryHandle {
    /// The sidebar kept current: the sidebar at once, then the whole sidebar
    /// again after each change that alters it (only the newest is kept when
    /// the loop falls behind).
    ///
    ///     for await sections in try library.sidebarUpdates() { self.sections = sections }
    public func sidebarUpdates() throws -> AsyncStream<[SidebarSection]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [SidebarSection].self, bufferingPolicy: .bufferingNewest(1))
        let handle = try watchSidebar(listener: SidebarForwarder(continuation))
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }
}

extension Items {
    /// One page of a list kept current: first a reset holding the page, then
    /// the edits each change makes to it (apply them with `applying(_:)`).
    public func watchList(query: ItemListQuery) throws -> AsyncStream<ItemListUpdate> {
        let (stream, continuation) = AsyncStream.makeStream(of: ItemListUpdate.self)
        let handle = try watch(query: query, listener: ListForwarder(continuation))
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }
}

extension Array where Element == ItemRow {
    /// The rows after applying a watched page's edits, in order.
    public func applying(_ update: ItemListUpdate) -> [ItemRow] {
        var rows = self
        for diff in update.diffs {
            switch diff {
            case let .reset(newRows):
                rows = newRows
            case let .insert(index, row):
                rows.insert(row, at: Int(index))
            case let .remove(index):
                rows.remove(at: Int(index))
            case let .set(index, row):
                rows[Int(index)] = row
            }
        }
        return rows
    }
}

/// Hands library changes to a stream.
final class ChangesForwarder: LibraryListener, @unchecked Sendable {
    private let continuation: AsyncStream<LibraryChanges>.Continuation

    init(_ continuation: AsyncStream<LibraryChanges>.Continuation) {
        self.continuation = continuation
    }

    func onChange(changes: LibraryChanges) {
        continuation.yield(changes)
    }
}

/// Hands sidebars to a stream.
final class SidebarForwarder: SidebarListener, @unchecked Sendable {
    private let continuation: AsyncStream<[SidebarSection]>.Continuation

    init(_ continuation: AsyncStream<[SidebarSection]>.Continuation) {
        self.continuation = continuation
    }

    func onSidebar(sections: [SidebarSection]) {
        continuation.yield(sections)
    }
}

/// Hands list updates to a stream.
final class ListForwarder: ItemListListener, @unchecked Sendable {
    private let continuation: AsyncStream<ItemListUpdate>.Continuation

    init(_ continuation: AsyncStream<ItemListUpdate>.Continuation) {
        self.continuation = continuation
    }

    func onUpdate(update: ItemListUpdate) {
        continuation.yield(update)
    }
}

/// What a sync reports while it runs, ending with its summary.
public enum SyncEvent: Sendable {
    case progress(SyncProgressEvent)
    case conflicts(UInt64)
    case finished(SyncSummary)
}

extension SyncManager {
    /// Runs a sync and streams its progress; the last event is `.finished`
    /// with the summary, and a failure ends the stream with the error.
    ///
    ///     for try await event in library.sync().syncEvents(request: request) { … }
    public func syncEvents(request: SyncRequest) -> AsyncThrowingStream<SyncEvent, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SyncEvent.self)
        let forwarder = SyncForwarder(continuation)
        let task = Task {
            do {
                let summary = try await syncNow(request: request, listener: forwarder)
                continuation.yield(.finished(summary))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// Hands sync progress to a stream.
final class SyncForwarder: SyncListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<SyncEvent, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<SyncEvent, Error>.Continuation) {
        self.continuation = continuation
    }

    func onProgress(event: SyncProgressEvent) {
        continuation.yield(.progress(event))
    }

    func onConflicts(count: UInt64) {
        continuation.yield(.conflicts(count))
    }
}

/// What a download reports while it runs, ending with each file's result.
public enum DownloadEvent: Sendable {
    case progress(key: String, done: UInt64, total: UInt64)
    case finished([FileTransferResult])
}

extension Files {
    /// Downloads the files of these attachments and streams their progress;
    /// ending the loop (or cancelling its task) cancels the download, and
    /// received bytes are kept for the next attempt.
    ///
    ///     for try await event in library.files().downloadEvents(keys: [key], request: request) { … }
    public func downloadEvents(keys: [String], request: DownloadRequest) -> AsyncThrowingStream<DownloadEvent, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: DownloadEvent.self)
        let forwarder = DownloadForwarder(continuation)
        let download: Download
        do {
            download = try self.download(keys: keys, request: request, listener: forwarder)
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        let task = Task {
            do {
                continuation.yield(.finished(try await download.finished()))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                download.cancel()
                task.cancel()
            }
        }
        return stream
    }
}

/// Hands download progress to a stream.
final class DownloadForwarder: DownloadListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<DownloadEvent, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<DownloadEvent, Error>.Continuation) {
        self.continuation = continuation
    }

    func onProgress(key: String, done: UInt64, total: UInt64) {
        continuation.yield(.progress(key: key, done: done, total: total))
    }
}
