// The sidebar as the core lays it out: one section per library of the file
// (My Library, then each group), each with All Items, the collection tree
// (groups and group sets), saved searches (smart and combination groups),
// Sync Conflicts while there are any, and Trash; refreshed after changes.

import Foundation
import Observation
import ShelfmarkKit

/// What the sidebar selects: a row of a library's section (by its stable
/// id) or the Sync Status screen.
enum SidebarSelection: Hashable {
    case row(id: String)
    case syncStatus
}

@MainActor
@Observable
final class SidebarModel {
    private(set) var sections: [SidebarSection] = []
    private(set) var errorMessage: String?
    /// Rows whose nested rows are hidden, by row id.
    var collapsed: Set<String> = []

    let library: LibraryHandle

    init(library: LibraryHandle) {
        self.library = library
    }

    /// The row with this id, in whichever section holds it.
    func row(id: String) -> SidebarRow? {
        for section in sections {
            if let row = section.rows.first(where: { row in row.id == id }) {
                return row
            }
        }
        return nil
    }

    func section(of row: SidebarRow) -> SidebarSection? {
        sections.first { section in section.libraryId == row.libraryId }
    }

    /// The first row of My Library (All Items), selected at launch.
    var firstRowID: String? {
        sections.first?.rows.first?.id
    }

    /// The section's rows to show: those not nested under a collapsed row.
    func visibleRows(of section: SidebarSection) -> [SidebarRow] {
        var hiddenBelowDepth: UInt32?
        var rows: [SidebarRow] = []
        for row in section.rows {
            if let depth = hiddenBelowDepth {
                if row.depth > depth { continue }
                hiddenBelowDepth = nil
            }
            rows.append(row)
            if collapsed.contains(row.id) {
                hiddenBelowDepth = row.depth
            }
        }
        return rows
    }

    func toggle(_ row: SidebarRow) {
        if collapsed.contains(row.id) {
            collapsed.remove(row.id)
        } else {
            collapsed.insert(row.id)
        }
    }

    func refresh() async {
        do {
            sections = try await library.sidebar()
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Keeps the sidebar current (item counts included) until the calling
    /// task is cancelled.
    func follow() async {
        await refresh()
        guard let changes = try? library.changes() else { return }
        for await _ in changes {
            await refresh()
        }
    }

    /// The handle that lists a row's items: this one for My Library, the
    /// group's for a group library.
    func handle(libraryId: Int64) async throws -> LibraryHandle {
        if libraryId == library.libraryId() {
            return library
        }
        return try await library.forLibrary(libraryId: libraryId)
    }

    func createCollection(named name: String, in parent: String?, libraryId: Int64) async {
        do {
            let target = try await handle(libraryId: libraryId)
            _ = try await target.collections().create(name: name, parent: parent)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func trashCollection(_ key: String, libraryId: Int64) async {
        do {
            let target = try await handle(libraryId: libraryId)
            try await target.collections().delete(key: key)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }
}

extension SidebarRowKind {
    /// The collection key of a collection row.
    var collectionKey: String? {
        if case let .collection(key, _) = self {
            return key
        }
        return nil
    }

    var systemImage: String {
        switch self {
        case .allItems: return "books.vertical"
        case let .collection(_, isGroupSet): return isGroupSet ? "folder.fill" : "folder"
        case let .savedSearch(_, isCombination): return isCombination ? "square.stack.3d.up" : "magnifyingglass.circle"
        case .syncConflicts: return "arrow.triangle.branch"
        case .trash: return "trash"
        }
    }
}
