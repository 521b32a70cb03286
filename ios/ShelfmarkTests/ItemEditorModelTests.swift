import ShelfmarkKit
import XCTest
@testable import Shelfmark

@MainActor
final class ItemEditorModelTests: XCTestCase {
    func testTheFormHasTheTypesFieldsInOrder() async throws {
        let library = try await temporaryLibrary()
        let editor = ItemEditorModel(library: library, itemType: "book")
        let book = try XCTUnwrap(itemTypes().first { type in type.name == "book" })
        XCTAssertEqual(editor.fields.map(\.name), book.fields.map(\.name))
        XCTAssertEqual(editor.fields.map(\.label), book.fields.map(\.label))
        XCTAssertFalse(editor.creatorTypes.isEmpty)
    }

    func testANewItemIsSavedWithFieldsCreatorsAndTags() async throws {
        let library = try await temporaryLibrary()
        let editor = ItemEditorModel(library: library, itemType: "book")
        let title = try XCTUnwrap(editor.fields.firstIndex { field in field.name == "title" })
        editor.fields[title].value = "The Sea Around Us"
        editor.addCreator()
        editor.creators[0].lastName = "Carson"
        editor.creators[0].firstName = "Rachel"
        editor.newTag = "oceans"
        editor.addTag()

        let result = await editor.save()
        let saved = try XCTUnwrap(result)
        XCTAssertNil(editor.errorMessage)
        let stored = try await library.items().get(key: saved.key)
        XCTAssertEqual(stored.title, "The Sea Around Us")
        XCTAssertEqual(stored.itemType, "book")
        XCTAssertEqual(stored.creators.map(\.lastName), ["Carson"])
        XCTAssertEqual(stored.tags.map(\.name), ["oceans"])
    }

    func testChangingTheTypeKeepsTheSharedFields() async throws {
        let library = try await temporaryLibrary()
        let created = try await library.items().create(item: article("Tidal rhythms"))
        let editor = ItemEditorModel(library: library, editing: created)
        editor.changeType(to: "book")
        XCTAssertEqual(editor.fields.first { field in field.name == "title" }?.value, "Tidal rhythms")
        XCTAssertNil(editor.fields.first { field in field.name == "publicationTitle" })

        let result = await editor.save()
        let saved = try XCTUnwrap(result)
        XCTAssertEqual(saved.itemType, "book")
        XCTAssertEqual(saved.title, "Tidal rhythms")
    }

    func testARefusedSaveKeepsTheFormAndStoresNothing() async throws {
        let library = try await temporaryLibrary()
        let editor = ItemEditorModel(library: library, itemType: "book")
        editor.changeType(to: "noSuchType")
        let saved = await editor.save()
        XCTAssertNil(saved)
        XCTAssertNotNil(editor.errorMessage)
        let page = try await library.items().list(query: ItemListQuery(sort: .title))
        XCTAssertEqual(page.total, 0)
    }
}
