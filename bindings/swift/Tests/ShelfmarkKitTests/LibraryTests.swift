import XCTest
@testable import ShelfmarkKit

/// Opening, importing, listing, searching and editing, as an app does.
final class LibraryTests: XCTestCase {
    func testImportsARISFileAndReportsWhatItCreated() async throws {
        let folder = try temporaryFolder()
        let library = try await createLibrary(path: folder.appendingPathComponent("papers.shelfmark").path, options: LibraryOptions())
        let report = try await library.transfer().importFile(
            path: try readingListFile().path,
            options: ImportOptions(format: nil, collection: nil, onDuplicate: .skip),
            progress: nil
        )
        XCTAssertEqual(report.format, .ris)
        XCTAssertEqual(report.created.count, 5)
        XCTAssertEqual(report.createdByType["journalArticle"], 3)
        XCTAssertEqual(report.createdByType["book"], 2)

        let reopened = try await openLibrary(path: library.path(), options: LibraryOptions())
        let total = try await reopened.items().list(query: query()).total
        XCTAssertEqual(total, 5)
    }

    func testPagesThroughAListSortedByDate() async throws {
        let items = try await readingList(in: try temporaryFolder()).items()
        var years: [Int32?] = []
        var offset: UInt32 = 0
        while true {
            let page = try await items.list(query: query(sort: .date, limit: 2, offset: offset))
            XCTAssertEqual(page.total, 5)
            XCTAssertLessThanOrEqual(page.rows.count, 2)
            years += page.rows.map(\.year)
            offset += UInt32(page.rows.count)
            if offset >= page.total { break }
        }
        XCTAssertEqual(years, [1843, 1859, 1935, 1937, 1962])

        let newestFirst = try await items.list(query: query(sort: .date, descending: true, limit: 1))
        XCTAssertEqual(newestFirst.rows.first?.title, "The Structure of Scientific Revolutions")
        XCTAssertEqual(newestFirst.rows.first?.creatorSummary, "Kuhn")
        XCTAssertEqual(newestFirst.rows.first?.itemTypeLabel, "Book")
    }

    func testSearchesByWordPrefixIgnoringAccents() async throws {
        let items = try await readingList(in: try temporaryFolder()).items()
        let found = try await items.search(query: quick("schrod"))
        XCTAssertEqual(found.rows.map(\.title), ["Die gegenwärtige Situation in der Quantenmechanik"])

        let everything = try await items.search(query: ItemSearchQuery(text: "computing", mode: .everything, filter: ItemFilter(), limit: 50, offset: 0))
        XCTAssertEqual(Set(everything.rows.map(\.creatorSummary)), ["Lovelace", "Turing"])
    }

    func testEditsAnItemAndReadsItBackWithLabels() async throws {
        let items = try await readingList(in: try temporaryFolder()).items()
        let key = try await items.search(query: quick("origin")).rows[0].key

        _ = try await items.setFields(key: key, fields: [FieldValue(name: "edition", value: "1st"), FieldValue(name: "place", value: "")])
        _ = try await items.addTags(key: key, tags: ["classic"])
        let detail = try await items.get(key: key)
        XCTAssertEqual(detail.kind, .regular)
        XCTAssertEqual(detail.itemTypeLabel, "Book")
        XCTAssertEqual(detail.fields.first { $0.name == "edition" }?.label, "Edition")
        XCTAssertFalse(detail.fields.contains { $0.name == "place" })
        XCTAssertEqual(detail.creators.first?.label, "Author")
        XCTAssertTrue(detail.tags.contains { $0.name == "classic" })

        let note = try await items.addNote(parent: key, html: "<p>Read chapter 4 again</p>")
        XCTAssertEqual(note.title, "Read chapter 4 again")
        let children = try await items.children(key: key)
        XCTAssertEqual(children.map(\.key), [note.key])
    }

    func testTrashAndRestore() async throws {
        let items = try await readingList(in: try temporaryFolder()).items()
        let key = try await items.search(query: quick("kuhn")).rows[0].key
        try await items.trash(keys: [key])
        let afterTrash = try await items.list(query: query()).total
        XCTAssertEqual(afterTrash, 4)
        let trash = try await items.list(query: query(filter: ItemFilter(trash: true)))
        XCTAssertEqual(trash.rows.map(\.key), [key])

        try await items.restore(keys: [key])
        let afterRestore = try await items.list(query: query()).total
        XCTAssertEqual(afterRestore, 5)
    }

    func testCollectionsAndSavedSearchesFilterLists() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let items = library.items()
        let collections = library.collections()
        let science = try await collections.create(name: "History of Science", parent: nil)
        let computing = try await collections.create(name: "Computing", parent: science.key)
        let keys = try await items.search(query: ItemSearchQuery(text: "computing", mode: .everything, filter: ItemFilter(), limit: 50, offset: 0)).rows.map(\.key)
        try await collections.addItems(collection: computing.key, items: keys)

        let tree = try await collections.tree()
        XCTAssertEqual(tree.map(\.name), ["History of Science", "Computing"])
        XCTAssertEqual(tree.map(\.depth), [0, 1])
        let recursive = try await items.list(query: query(filter: ItemFilter(collection: science.key, includeSubcollections: true)))
        XCTAssertEqual(recursive.total, 2)

        let searches = library.savedSearches()
        let before1900 = try await searches.create(name: "Before 1900", conditions: [SearchCondition(condition: "date", operator: "isBefore", value: "1900-01-01")], matchAny: false)
        let found = try await searches.items(key: before1900.key, query: query(sort: .date))
        XCTAssertEqual(found.rows.map(\.title), ["Sketch of the Analytical Engine", "On the Origin of Species"])
    }

    func testAttachmentsAndAnnotations() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let items = library.items()
        let key = try await items.search(query: quick("turing")).rows[0].key
        let pdf = try await items.addAttachment(parent: key, attachment: NewAttachment(linkMode: .importedFile, contentType: "application/pdf", filename: "turing.pdf"))
        XCTAssertEqual(pdf.kind, .attachment)

        let annotations = library.annotations()
        let highlight = try await annotations.add(attachmentKey: pdf.key, annotation: NewAnnotation(annotationType: "highlight", text: "a number is computable", pageLabel: "230"))
        XCTAssertEqual(highlight.color, "#ffd400")
        _ = try await annotations.update(key: highlight.key, edit: AnnotationEdit(comment: "key definition", color: "#FF6666"))
        let listed = try await annotations.list(attachmentKey: pdf.key)
        XCTAssertEqual(listed.first?.comment, "key definition")
        XCTAssertEqual(listed.first?.color, "#ff6666")
        try await annotations.delete(key: highlight.key)
        let remaining = try await annotations.list(attachmentKey: pdf.key)
        XCTAssertTrue(remaining.isEmpty)
    }

    func testExportsBacksUpAndRestores() async throws {
        let folder = try temporaryFolder()
        let library = try await readingList(in: folder)
        let ris = try await library.transfer().export(format: .ris, scope: .library)
        XCTAssertEqual(ris.components(separatedBy: "TY  - ").count - 1, 5)

        let archive = folder.appendingPathComponent("papers.shelfmark-backup").path
        let report = try await library.transfer().backup(archive: archive)
        XCTAssertGreaterThan(report.bytes, 0)
        let restored = try await restoreLibrary(archive: archive, path: folder.appendingPathComponent("restored.shelfmark").path, options: LibraryOptions())
        let total = try await restored.items().list(query: query()).total
        XCTAssertEqual(total, 5)
    }
}
