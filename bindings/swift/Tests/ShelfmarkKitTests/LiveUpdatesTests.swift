import XCTest
@testable import ShelfmarkKit

/// Change notifications and live lists, as a list screen uses them.
final class LiveUpdatesTests: XCTestCase {
    func testAStreamHearsWhatEachChangeDid() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let stream = try library.changes()
        let item = try await library.items().create(item: article("Aardvarks"))

        var iterator = stream.makeAsyncIterator()
        let created = await iterator.next()
        XCTAssertEqual(created?.items.created, [item.key])
        XCTAssertEqual(created?.libraryId, 1)

        try await library.items().trash(keys: [item.key])
        let trashed = await iterator.next()
        XCTAssertEqual(trashed?.items.updated, [item.key])
    }

    func testAWatchedPageReceivesTheEditsAListViewApplies() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let items = library.items()
        let stream = try items.watchList(query: query(limit: 3))
        var updates = stream.makeAsyncIterator()

        let first = try XCTUnwrap(await updates.next())
        var shown = [ItemRow]().applying(first)
        XCTAssertEqual(first.total, 5)
        XCTAssertEqual(shown.count, 3)

        let aardvarks = try await items.create(item: article("Aardvarks"))
        let inserted = try XCTUnwrap(await updates.next())
        XCTAssertEqual(inserted.total, 6)
        shown = shown.applying(inserted)
        XCTAssertEqual(shown.first?.key, aardvarks.key)
        let page = try await items.list(query: query(limit: 3))
        XCTAssertEqual(shown, page.rows)

        try await items.trash(keys: [aardvarks.key])
        shown = shown.applying(try XCTUnwrap(await updates.next()))
        let after = try await items.list(query: query(limit: 3))
        XCTAssertEqual(shown, after.rows)
    }
}
