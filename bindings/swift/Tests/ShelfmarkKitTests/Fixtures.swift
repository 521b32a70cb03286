import Foundation
import XCTest
@testable import ShelfmarkKit

/// A fresh folder for one test's files.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("shelfmark-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The bundled reading list (five references in RIS).
func readingListFile() throws -> URL {
    guard let url = Bundle.module.url(forResource: "reading-list", withExtension: "ris", subdirectory: "Resources") else {
        throw XCTSkip("reading-list.ris is missing from the test bundle")
    }
    return url
}

/// A new library in `folder` holding the reading list.
func readingList(in folder: URL) async throws -> LibraryHandle {
    let library = try await createLibrary(path: folder.appendingPathComponent("papers.shelfmark").path, options: LibraryOptions())
    _ = try await library.transfer().importFile(
        path: try readingListFile().path,
        options: ImportOptions(format: .ris, collection: nil, onDuplicate: .skip),
        progress: nil
    )
    return library
}

/// A list query with the usual defaults.
func query(sort: SortField = .title, descending: Bool = false, limit: UInt32 = 50, offset: UInt32 = 0, filter: ItemFilter = ItemFilter()) -> ItemListQuery {
    ItemListQuery(filter: filter, sort: sort, descending: descending, limit: limit, offset: offset)
}

/// A quick search for `text`.
func quick(_ text: String) -> ItemSearchQuery {
    ItemSearchQuery(text: text, mode: .quick, filter: ItemFilter(), limit: 50, offset: 0)
}

/// An article with only a title.
func article(_ title: String) -> NewItem {
    NewItem(itemType: "journalArticle", fields: ["title": title], creators: [], tags: [], collections: [])
}
