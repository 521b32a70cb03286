import XCTest
@testable import ShelfmarkKit

/// The calls that keep the app thin: sidebar, item form, share sheet, status texts.
final class AppSupportTests: XCTestCase {
    func testTheSidebarListsRowsWithTheirFiltersAndFollowsChanges() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let sections = try await library.sidebar()
        XCTAssertEqual(sections.map(\.title), ["My Library"])
        let rows = try XCTUnwrap(sections.first).rows
        XCTAssertEqual(rows.map(\.title), ["All Items", "Trash"])
        XCTAssertEqual(rows.first?.itemCount, 5)
        XCTAssertEqual(rows.first?.id, "1/all")

        var updates = try library.sidebarUpdates().makeAsyncIterator()
        let first = await updates.next()
        XCTAssertEqual(first, sections)
        let shelf = try await library.collections().create(name: "Shelf", parent: nil)
        let next = await updates.next()
        let shelfRow = try XCTUnwrap(next?.first?.rows.first { $0.title == "Shelf" })
        XCTAssertEqual(shelfRow.kind, .collection(key: shelf.key, isGroupSet: false))
        XCTAssertEqual(shelfRow.filter.collection, shelf.key)
    }

    func testTheItemFormSavesEditsAndRefusesABadValue() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let forms = library.itemForms()
        let page = try await library.items().list(query: query(limit: 1))
        let key = try XCTUnwrap(page.rows.first).key
        var form = try await forms.forItem(key: key)
        let title = try XCTUnwrap(form.fields.firstIndex { $0.name == "title" })
        form.fields[title].value = "A new title"
        let saved = try await forms.save(form: form)
        XCTAssertEqual(saved.title, "A new title")

        var bad = try await forms.forItem(key: key)
        bad.fields[title].value = String(repeating: "x", count: 70_000)
        XCTAssertEqual(forms.validate(form: bad).map(\.field), ["title"])
        do {
            _ = try await forms.save(form: bad)
            XCTFail("a title that long is refused")
        } catch let error as ShelfmarkError {
            XCTAssertEqual(error.category, .invalidInput)
        }
    }

    func testSharePayloadsAndStatusTexts() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let page = try await library.items().list(query: query())
        let keys = page.rows.map(\.key)
        let ris = try await library.sharing().payload(keys: Array(keys.prefix(2)), format: .file(format: .ris))
        XCTAssertEqual(ris.subject, "2 references")
        XCTAssertEqual(ris.file?.fileName, "references.ris")
        let status = try await library.syncStatusText(nowEpochSeconds: nil)
        XCTAssertEqual(status.condition, .notSignedIn)
        XCTAssertEqual(timeAgoText(timestamp: "2026-12-07T09:57:00Z", nowEpochSeconds: 1_796_637_600), "3 minutes ago")
        XCTAssertEqual(syncResetChoices().map(\.mode), [.upload, .download, .merge])
    }
}
