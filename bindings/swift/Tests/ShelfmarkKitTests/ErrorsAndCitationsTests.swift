import XCTest
@testable import ShelfmarkKit

/// Failures arrive as ShelfmarkError with a category; citations format items.
final class ErrorsAndCitationsTests: XCTestCase {
    func testErrorsCarryTheirCategoryAndAMessage() async throws {
        let folder = try temporaryFolder()
        do {
            _ = try await openLibrary(path: folder.appendingPathComponent("nowhere.shelfmark").path, options: LibraryOptions())
            XCTFail("opening a missing file fails")
        } catch let error as ShelfmarkError {
            XCTAssertEqual(error.category, .notFound)
            XCTAssertTrue(error.message.contains("nowhere.shelfmark"))
        }

        let items = try await readingList(in: folder).items()
        do {
            _ = try await items.get(key: "ZZZZZZZZ")
            XCTFail("an unknown key fails")
        } catch let error as ShelfmarkError {
            XCTAssertEqual(error.category, .notFound)
            XCTAssertEqual(error.message, "item ZZZZZZZZ not found")
        }
        do {
            _ = try await items.get(key: "not a key")
            XCTFail("a malformed key fails")
        } catch let error as ShelfmarkError {
            XCTAssertEqual(error.category, .invalidInput)
        }
    }

    func testCitesInTheStylesPeopleKnow() async throws {
        let library = try await readingList(in: try temporaryFolder())
        let items = library.items()
        let darwin = try await items.search(query: quick("darwin")).rows[0].key
        let lovelace = try await items.search(query: quick("lovelace")).rows[0].key
        let citations = library.citations()

        let styles = try await citations.styles()
        XCTAssertEqual(styles.first?.id, "apa")
        let apa = try await citations.cite(keys: [darwin, lovelace], style: "apa", format: .text, bibliography: false)
        XCTAssertEqual(apa, "(Darwin, 1859; Lovelace, 1843)")
        let ieee = try await citations.cite(keys: [darwin, lovelace], style: "ieee", format: .text, bibliography: true)
        XCTAssertTrue(ieee.contains("[1]"))
    }
}
