// The sidebar's contents: the collection tree (flattened depth first by
// the core, with item counts), saved searches, the other libraries of the
// account and how many sync conflicts wait; refreshed after every change.

import Foundation
import Observation
import ShelfmarkKit

/// What the sidebar selects, and so what the item list shows.
enum SidebarSelection: Hashable {
    case library
    case collection(key: String)
    case savedSearch(key: String)
    case conflicts
    case trash
    case groupLibrary(id: Int64)
    case syncStatus
}

@MainActor
@Observable
final class SidebarModel {
    private(set) var collections: [CollectionTreeRow] = []
    private(set) var savedSearches: [SavedSearch] = []
    /// Libraries other than the user's own (groups), with whether they can
    /// be edited here.
    private(set) var groupLibraries: [LibrarySyncStatus] = []
    private(set) var conflictCount: UInt64 = 0
    private(set) var errorMessage: String?
    /// Collections whose children are hidden.
    var collapsed: Set<String> = []

    let library: LibraryHandle

    init(library: LibraryHandle) {
        self.library = library
    }

    /// The collection rows to show: those not under a collapsed collection.
    var visibleCollections: [CollectionTreeRow] {
        var hiddenBelowDepth: UInt32?
        var rows: [CollectionTreeRow] = []
        for row in collections {
            if let depth = hiddenBelowDepth {
                if row.depth > depth { continue }
                hiddenBelowDepth = nil
            }
            rows.append(row)
            if collapsed.contains(row.key) {
                hiddenBelowDepth = row.depth
            }
        }
        return rows
    }

    func toggle(_ row: CollectionTreeRow) {
        if collapsed.contains(row.key) {
            collapsed.remove(row.key)
        } else {
            collapsed.insert(row.key)
        }
    }

    func refresh() async {
        do {
            collections = try await library.collections().tree()
            savedSearches = try await library.savedSearches().list()
            let statuses = try await library.sync().status()
            groupLibraries = statuses.filter { status in status.kind == "group" }
            conflictCount = statuses.reduce(0) { total, status in total + status.conflicts }
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Keeps the sidebar current until the calling task is cancelled.
    func follow() async {
        await refresh()
        guard let changes = try? library.changes() else { return }
        for await change in changes {
            let items = change.items
            let touchesTree = !change.collections.created.isEmpty || !change.collections.updated.isEmpty
                || !change.collections.removed.isEmpty || !change.savedSearches.created.isEmpty
                || !change.savedSearches.updated.isEmpty || !change.savedSearches.removed.isEmpty
            // Item counts change with items too.
            if touchesTree || !items.created.isEmpty || !items.removed.isEmpty || !items.updated.isEmpty {
                await refresh()
            }
        }
    }

    func createCollection(named name: String, in parent: String?) async {
        do {
            _ = try await library.collections().create(name: name, parent: parent)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func trashCollection(_ key: String) async {
        do {
            try await library.collections().delete(key: key)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }
}
