// The item list of one sidebar selection: kept current by the core through
// `watchList` (a page of rows and the edits to it after each change), with
// the page growing as the user scrolls, so that a large library scrolls
// without loading every row. A search asks the core's quick or
// "everything" search instead.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class ItemListModel {
    /// What the watched page depends on; a change restarts the watch.
    struct WatchedQuery: Hashable {
        var filter: ItemFilter
        var sort: SortField
        var descending: Bool
        var limit: UInt32
        var searching: Bool
    }

    static let pageSize: UInt32 = 200

    private(set) var rows: [ItemRow] = []
    private(set) var total: UInt64 = 0
    private(set) var errorMessage: String?
    private(set) var isSearching = false
    var sort: SortField = .creator
    var descending = false
    var searchText = ""
    var searchMode: SearchMode = .quick
    var selection: Set<String> = []

    let library: LibraryHandle
    let filter: ItemFilter
    private var limit: UInt32 = ItemListModel.pageSize

    init(library: LibraryHandle, filter: ItemFilter) {
        self.library = library
        self.filter = filter
    }

    var watchedQuery: WatchedQuery {
        WatchedQuery(filter: filter, sort: sort, descending: descending, limit: limit, searching: !trimmedSearch.isEmpty)
    }

    /// What the search depends on; a change runs it again.
    var searchKey: String {
        "\(searchMode)|\(searchText)"
    }

    /// Follows the list until the calling task is cancelled (the view's
    /// `.task(id:)` restarts it when the query changes).
    func watch() async {
        guard trimmedSearch.isEmpty else { return }
        let query = ItemListQuery(filter: filter, sort: sort, descending: descending, limit: limit)
        do {
            let updates = try library.items().watchList(query: query)
            for await update in updates {
                rows = rows.applying(update)
                total = update.total
            }
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Called as rows appear: near the end of the page, the page grows.
    func rowAppeared(_ row: ItemRow) {
        guard trimmedSearch.isEmpty, UInt64(rows.count) < total else { return }
        let threshold = max(rows.count - 20, 0)
        if let index = rows.firstIndex(where: { shown in shown.key == row.key }), index >= threshold {
            limit = UInt32(rows.count) + Self.pageSize
        }
    }

    /// Runs the search for the current text (after a short pause while
    /// typing: the view's task is cancelled by the next keystroke).
    func search() async {
        let text = trimmedSearch
        guard !text.isEmpty else {
            isSearching = false
            return
        }
        isSearching = true
        do {
            try await Task.sleep(for: .milliseconds(250))
            let page = try await library.items().search(
                query: ItemSearchQuery(text: text, mode: searchMode, filter: filter, limit: 500)
            )
            rows = page.rows
            total = page.total
            errorMessage = nil
        } catch is CancellationError {
            return
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func clearSearch() {
        searchText = ""
        isSearching = false
        rows = []
    }

    func trash(_ keys: Set<String>) async {
        do {
            try await library.items().trash(keys: Array(keys))
            selection.subtract(keys)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func restore(_ keys: Set<String>) async {
        do {
            try await library.items().restore(keys: Array(keys))
            selection.subtract(keys)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func emptyTrash() async {
        do {
            _ = try await library.items().emptyTrash()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    private var trimmedSearch: String {
        searchText.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
