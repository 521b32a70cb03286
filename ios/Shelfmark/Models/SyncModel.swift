// Sync as the user sees it: "sync now" with progress, the status in the
// core's words and each library's state and recent runs, the conflicts
// (each field here and online; keep either or type a value) and their
// history with restore, deletions held back for confirmation (the core's
// dialog), and resetting the sync.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class SyncModel {
    private(set) var isSyncing = false
    private(set) var progress: SyncProgressEvent?
    private(set) var lastSummary: SyncSummary?
    private(set) var errorMessage: String?
    private(set) var statuses: [LibrarySyncStatus] = []
    private(set) var runs: [SyncLogEntry] = []
    private(set) var conflicts: [SyncConflict] = []
    private(set) var history: [ConflictHistoryEntry] = []
    /// The file's sync status in a few words ("Synced 3 minutes ago").
    private(set) var statusText: SyncStatusText?
    /// Deletions a sync held back, as the dialog to confirm them; nil when
    /// none wait or the user put it off.
    private(set) var confirmation: DeletionConfirmation?
    private(set) var lastReset: SyncResetReport?
    /// The ways to reset sync, with their words.
    let resetChoices: [SyncResetChoice] = ShelfmarkKit.syncResetChoices()

    let library: LibraryHandle
    private var running: Task<Void, Never>?

    init(library: LibraryHandle) {
        self.library = library
    }

    func syncNow() {
        guard running == nil else { return }
        running = Task {
            await run(SyncRequest(keyStorage: .keychain))
            running = nil
        }
    }

    /// Stops the running sync at its next batch; the next one continues.
    func cancel() {
        _ = library.sync().cancel()
    }

    /// Runs one sync to its end; awaited directly by tests.
    func run(_ request: SyncRequest) async {
        isSyncing = true
        errorMessage = nil
        defer {
            isSyncing = false
            progress = nil
        }
        do {
            for try await event in library.sync().syncEvents(request: request) {
                switch event {
                case let .progress(step):
                    progress = step
                case .conflicts:
                    break
                case let .finished(summary):
                    lastSummary = summary
                }
            }
        } catch {
            errorMessage = ErrorText.describe(error)
        }
        await refresh()
        await loadConfirmation()
    }

    func autoSyncReported(_ report: AutoSyncReport) async {
        switch report {
        case let .synced(summary):
            lastSummary = summary
            errorMessage = nil
        case let .failed(category, message):
            errorMessage = category == .cancelled ? nil : message
        }
        await refresh()
        await loadConfirmation()
    }

    func report(_ error: Error) {
        errorMessage = ErrorText.describe(error)
    }

    func refresh() async {
        let manager = library.sync()
        do {
            statuses = try await manager.status()
            runs = try await manager.log(limit: 50)
            conflicts = try await manager.conflicts()
            history = try await manager.conflictHistory()
            statusText = try await library.syncStatusText(nowEpochSeconds: nil)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    // MARK: Conflicts

    func keepLocal(_ conflict: SyncConflict) async {
        await resolve(conflict, choice: .keepLocal)
    }

    func keepRemote(_ conflict: SyncConflict) async {
        await resolve(conflict, choice: .keepRemote)
    }

    /// Resolves with values the user typed or picked, field by field.
    func keep(_ values: [String: String], for conflict: SyncConflict) async {
        await resolve(conflict, choice: .values(values: values))
    }

    func keepAll(local: Bool) async {
        do {
            _ = try await library.sync().resolveAll(choice: local ? .keepLocal : .keepRemote)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
        await refresh()
    }

    func restore(_ entry: ConflictHistoryEntry) async {
        do {
            try await library.sync().restoreFromHistory(libraryId: entry.libraryId, id: entry.id)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
        await refresh()
    }

    private func resolve(_ conflict: SyncConflict, choice: ConflictChoice) async {
        do {
            try await library.sync().resolve(libraryId: conflict.libraryId, key: conflict.key, choice: choice)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
        await refresh()
    }

    // MARK: Held deletions

    private func loadConfirmation() async {
        do {
            confirmation = try await library.deletionConfirmation()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Puts the dialog off; the deletions wait until the next sync asks.
    func dismissConfirmation() {
        confirmation = nil
    }

    /// The user saw the list and agreed: the deletions go ahead with a sync.
    func confirmHeldDeletions() async {
        confirmation = nil
        do {
            _ = try await library.sync().confirmDeletions()
        } catch {
            errorMessage = ErrorText.describe(error)
            return
        }
        await run(SyncRequest(keyStorage: .keychain, confirmDeletions: true))
    }

    // MARK: Reset

    /// Resets the sync after writing a backup beside the library.
    func reset(_ mode: SyncResetMode) async {
        isSyncing = true
        defer { isSyncing = false }
        do {
            lastReset = try await library.sync().resetSync(mode: mode, request: SyncRequest(keyStorage: .keychain), listener: nil)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
        await refresh()
    }
}

extension SyncStage {
    var title: String {
        switch self {
        case .connecting: return "Connecting"
        case .checking: return "Checking for changes"
        case .downloading: return "Downloading"
        case .applyingDeletions: return "Applying deletions"
        case .uploading: return "Uploading"
        case .uploadingDeletions: return "Uploading deletions"
        case .indexing: return "Indexing full text"
        case .done: return "Done"
        }
    }
}
