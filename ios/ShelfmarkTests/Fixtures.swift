// A fresh library in a temporary folder for each test, and waiting for
// what a live model shows.

import Foundation
import ShelfmarkKit
import XCTest
@testable import Shelfmark

@MainActor
func temporaryLibrary() async throws -> LibraryHandle {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return try await createLibrary(path: folder.appendingPathComponent("test.shelfmark").path, options: LibraryOptions())
}

func article(_ title: String, year: String = "2021") -> NewItem {
    NewItem(
        itemType: "journalArticle",
        fields: ["title": title, "date": year],
        creators: [Creator(creatorType: "author", firstName: "Ada", lastName: "Lovelace")]
    )
}

/// Waits (up to `seconds`) until `condition` holds, letting the main actor
/// run the models' tasks meanwhile.
@MainActor
func eventually(
    _ seconds: Double = 5,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ condition: () -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline {
            XCTFail("condition not met within \(seconds) s", file: file, line: line)
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
