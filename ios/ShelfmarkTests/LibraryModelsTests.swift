import ShelfmarkKit
import XCTest
@testable import Shelfmark

@MainActor
final class SidebarModelTests: XCTestCase {
    func testMyLibraryWithNestedCollectionsThatCollapse() async throws {
        let library = try await temporaryLibrary()
        let oceans = try await library.collections().create(name: "Oceans", parent: nil)
        _ = try await library.collections().create(name: "Tides", parent: oceans.key)
        let model = SidebarModel(library: library)
        await model.refresh()
        let mine = try XCTUnwrap(model.sections.first)
        XCTAssertFalse(mine.isGroup)
        XCTAssertTrue(mine.editable)
        XCTAssertEqual(mine.rows.first?.kind, .allItems)
        XCTAssertEqual(model.firstRowID, mine.rows.first?.id)

        let titles = model.visibleRows(of: mine).map { row in row.title }
        XCTAssertTrue(titles.contains("Oceans") && titles.contains("Tides"))
        let oceansRow = try XCTUnwrap(mine.rows.first { row in row.kind.collectionKey == oceans.key })
        XCTAssertEqual(model.row(id: oceansRow.id)?.title, "Oceans")
        model.toggle(oceansRow)
        XCTAssertFalse(model.visibleRows(of: mine).map { row in row.title }.contains("Tides"))
        let handle = try await model.handle(libraryId: oceansRow.libraryId)
        XCTAssertEqual(handle.libraryId(), library.libraryId())
    }
}

@MainActor
final class ItemDetailModelTests: XCTestCase {
    func testTagsNotesAndCollections() async throws {
        let library = try await temporaryLibrary()
        let item = try await library.items().create(item: article("Tidal rhythms"))
        let collection = try await library.collections().create(name: "Oceans", parent: nil)
        let model = ItemDetailModel(library: library, key: item.key)
        await model.load()
        XCTAssertEqual(model.detail?.title, "Tidal rhythms")

        await model.addTag("  estuaries ")
        XCTAssertEqual(model.detail?.tags.map(\.name), ["estuaries"])
        await model.addNote(html: "<p>Read again</p>")
        XCTAssertEqual(model.notes.count, 1)
        await model.add(toCollection: collection.key)
        XCTAssertEqual(model.detail?.collections, [collection.key])
        XCTAssertEqual(model.collectionNames[collection.key], "Oceans")
        XCTAssertNil(model.errorMessage)
    }
}

@MainActor
final class ImportModelTests: XCTestCase {
    func testAnOpenedRISFileIsImportedWithItsReport() async throws {
        let library = try await temporaryLibrary()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).ris")
        try """
        TY  - JOUR
        TI  - Tidal rhythms in estuaries
        AU  - Lovelace, Ada
        PY  - 2021
        ER  -

        """.write(to: file, atomically: true, encoding: .utf8)
        let model = ImportModel(library: library)
        await model.importFile(at: file)
        XCTAssertNil(model.errorMessage)
        XCTAssertEqual(model.report?.created.count, 1)
        XCTAssertEqual(model.report?.format, .ris)
        XCTAssertFalse(model.isRunning)
    }
}

@MainActor
final class FilesModelTests: XCTestCase {
    func testOfflineCollectionsAndTheCacheBudget() async throws {
        let library = try await temporaryLibrary()
        let collection = try await library.collections().create(name: "Field trip", parent: nil)
        let model = FilesModel(library: library)
        await model.load()
        XCTAssertEqual(model.settings?.download, .onDemand)

        await model.setOffline(true, collection: collection.key)
        XCTAssertEqual(model.offlineCollections, [collection.key])
        await model.setOffline(false, collection: collection.key)
        XCTAssertEqual(model.settings?.download, .onDemand)

        await model.setCacheBudget(megabytes: 500)
        XCTAssertEqual(model.settings?.cacheBudget, 500_000_000)
        await model.setCacheBudget(megabytes: nil)
        XCTAssertNil(model.settings?.cacheBudget)
    }
}

final class PageMarkTests: XCTestCase {
    func testAPositionRoundTripsAndTheSortIndexHasItsThreeParts() throws {
        let mark = PageMark(
            kind: .highlight,
            pageIndex: 3,
            pageLabel: "iv",
            rects: [CGRect(x: 72, y: 600, width: 200, height: 12)],
            pageHeight: 792,
            characterOffset: 1234
        )
        XCTAssertEqual(mark.sortIndex, "00003|001234|00180")
        let decoded = try XCTUnwrap(PageMark.rects(fromPosition: mark.positionJSON))
        XCTAssertEqual(decoded.page, 3)
        XCTAssertEqual(decoded.rects, [CGRect(x: 72, y: 600, width: 200, height: 12)])
    }
}

@MainActor
final class ShareModelTests: XCTestCase {
    func testThePreviewIsTheCoresBibliographyEntry() async throws {
        let library = try await temporaryLibrary()
        let item = try await library.items().create(item: article("Tidal rhythms"))
        let model = ShareModel(library: library, keys: [item.key])
        await model.load()
        XCTAssertNil(model.errorMessage)
        XCTAssertFalse(model.styles.isEmpty)
        let preview = try XCTUnwrap(model.preview)
        XCTAssertTrue(preview.text.contains("Tidal rhythms"), preview.text)
        XCTAssertNil(preview.file)

        model.bibliography = false
        await model.updatePreview()
        XCTAssertTrue(model.preview?.text.contains("Lovelace") ?? false, model.preview?.text ?? "")
    }
}
