import ShelfmarkKit
import XCTest
@testable import Shelfmark

@MainActor
final class ItemListModelTests: XCTestCase {
    func testTheListFollowsChangesLive() async throws {
        let library = try await temporaryLibrary()
        let model = ItemListModel(library: library, filter: ItemFilter())
        let watching = Task { await model.watch() }
        defer { watching.cancel() }

        _ = try await library.items().create(item: article("Tidal rhythms"))
        try await eventually { model.rows.map(\.title) == ["Tidal rhythms"] }
        XCTAssertEqual(model.total, 1)

        let second = try await library.items().create(item: article("Estuaries"))
        try await eventually { model.rows.count == 2 }
        try await library.items().trash(keys: [second.key])
        try await eventually { model.rows.map(\.title) == ["Tidal rhythms"] }
    }

    func testThePageGrowsAsRowsAppear() async throws {
        let library = try await temporaryLibrary()
        _ = try await library.items().createMany(items: (0..<250).map { index in article("Paper \(index)") })
        let model = ItemListModel(library: library, filter: ItemFilter())
        model.sort = .title
        var watching = Task { await model.watch() }
        try await eventually { model.rows.count == Int(ItemListModel.pageSize) }
        XCTAssertEqual(model.total, 250)

        let before = model.watchedQuery
        model.rowAppeared(try XCTUnwrap(model.rows.last))
        XCTAssertNotEqual(model.watchedQuery, before, "reaching the end asks for a larger page")
        watching.cancel()
        watching = Task { await model.watch() }
        defer { watching.cancel() }
        try await eventually { model.rows.count == 250 }
    }

    func testQuickSearchFindsByTitleWord() async throws {
        let library = try await temporaryLibrary()
        _ = try await library.items().create(item: article("Tidal rhythms"))
        _ = try await library.items().create(item: article("Mountain glaciers"))
        let model = ItemListModel(library: library, filter: ItemFilter())
        model.searchText = "tidal"
        await model.search()
        XCTAssertTrue(model.isSearching)
        XCTAssertEqual(model.rows.map(\.title), ["Tidal rhythms"])

        model.clearSearch()
        XCTAssertFalse(model.isSearching)
    }

    func testTrashAndRestore() async throws {
        let library = try await temporaryLibrary()
        let item = try await library.items().create(item: article("Tidal rhythms"))
        let list = ItemListModel(library: library, filter: ItemFilter())
        await list.trash([item.key])
        let trash = ItemListModel(library: library, filter: ItemFilter(trash: true))
        let watching = Task { await trash.watch() }
        defer { watching.cancel() }
        try await eventually { trash.rows.map(\.key) == [item.key] }
        await trash.restore([item.key])
        try await eventually { trash.rows.isEmpty }
    }
}
