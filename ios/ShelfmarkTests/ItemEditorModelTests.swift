import ShelfmarkKit
import XCTest
@testable import Shelfmark

@MainActor
final class ItemEditorModelTests: XCTestCase {
    func testANewFormHasTheTypesFieldsInOrder() async throws {
        let library = try await temporaryLibrary()
        let editor = ItemEditorModel(library: library, newItemOfType: "book", collection: nil)
        await editor.load()
        let form = try XCTUnwrap(editor.form)
        let book = try XCTUnwrap(itemTypes().first { type in type.name == "book" })
        XCTAssertEqual(form.fields.map { field in field.name }, book.fields.map { field in field.name })
        XCTAssertEqual(form.fields.map { field in field.label }, book.fields.map { field in field.label })
        XCTAssertTrue(form.editable)
        XCTAssertTrue(editor.isNew)
    }

    func testANewItemIsSavedWithFieldsCreatorsAndTags() async throws {
        let library = try await temporaryLibrary()
        let editor = ItemEditorModel(library: library, newItemOfType: "book", collection: nil)
        await editor.load()
        let title = try XCTUnwrap(editor.form?.fields.firstIndex { field in field.name == "title" })
        editor.form?.fields[title].value = "The Sea Around Us"
        if editor.form?.creators.isEmpty ?? true {
            editor.addCreator()
        }
        editor.form?.creators[0].lastName = "Carson"
        editor.form?.creators[0].firstName = "Rachel"
        editor.newTag = "oceans"
        editor.addTag()

        let result = await editor.save()
        let saved = try XCTUnwrap(result)
        XCTAssertNil(editor.errorMessage)
        let stored = try await library.items().get(key: saved.key)
        XCTAssertEqual(stored.title, "The Sea Around Us")
        XCTAssertEqual(stored.itemType, "book")
        XCTAssertEqual(stored.creators.map { creator in creator.lastName }, ["Carson"])
        XCTAssertEqual(stored.tags.map { tag in tag.name }, ["oceans"])
    }

    func testChangingTheTypeKeepsTheSharedFieldsUntilSaved() async throws {
        let library = try await temporaryLibrary()
        let created = try await library.items().create(item: article("Tidal rhythms"))
        let editor = ItemEditorModel(library: library, editingItem: created.key)
        await editor.load()
        editor.changeType(to: "book")
        XCTAssertEqual(editor.form?.itemType, "book")
        XCTAssertEqual(editor.form?.fields.first { field in field.name == "title" }?.value, "Tidal rhythms")
        let unchanged = try await library.items().get(key: created.key)
        XCTAssertEqual(unchanged.itemType, "journalArticle", "nothing is saved before Save")

        let result = await editor.save()
        let saved = try XCTUnwrap(result)
        XCTAssertEqual(saved.itemType, "book")
        XCTAssertEqual(saved.title, "Tidal rhythms")
    }

    func testARefusedValueIsNamedBesideItsFieldAndNothingIsSaved() async throws {
        let library = try await temporaryLibrary()
        let created = try await library.items().create(item: article("Tidal rhythms"))
        let editor = ItemEditorModel(library: library, editingItem: created.key)
        await editor.load()
        let title = try XCTUnwrap(editor.form?.fields.firstIndex { field in field.name == "title" })
        editor.form?.fields[title].value = String(repeating: "x", count: 70_000)

        let saved = await editor.save()
        XCTAssertNil(saved)
        XCTAssertNotNil(editor.problems["title"])
        XCTAssertNotNil(editor.errorMessage)
        let stored = try await library.items().get(key: created.key)
        XCTAssertEqual(stored.title, "Tidal rhythms")
    }
}
