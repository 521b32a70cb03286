// Add by Identifier against a fresh library. No test reaches the internet:
// a malformed identifier is refused before any service is asked, and DOIs
// are answered by a local stand-in for the DOI resolver.

import Foundation
import Network
import ShelfmarkKit
import XCTest
@testable import Shelfmark

@MainActor
final class LookupModelTests: XCTestCase {
    /// ISBN-13 of a real book with its last digit changed: the check digit
    /// is wrong, so the core refuses it without asking a service.
    private let badISBN = "978-0-262-03384-9"
    private let doi = "10.5555/tides.2021"
    private let tidesCSL = """
    {"type": "article-journal", "DOI": "10.5555/tides.2021", "title": "Tidal rhythms of estuaries",
     "author": [{"family": "Lovelace", "given": "Ada"}, {"family": "Somerville", "given": "Mary"}],
     "issued": {"date-parts": [[2021, 3]]}, "container-title": "Journal of Tides"}
    """

    func testAMalformedIdentifierSaysWhyAndCannotBeAdded() async throws {
        let library = try await temporaryLibrary()
        let model = LookupModel(library: library)
        XCTAssertFalse(model.canLookUp)
        model.text = badISBN
        await model.lookUp()
        XCTAssertNil(model.errorMessage)
        let result = try XCTUnwrap(model.results.first)
        XCTAssertEqual(model.results.count, 1)
        XCTAssertEqual(result.status, .malformed)
        XCTAssertFalse((result.message ?? "").isEmpty)
        XCTAssertFalse(model.canSelect(0))
        model.toggle(0)
        XCTAssertFalse(model.isSelected(0))
        XCTAssertFalse(model.canAdd)
    }

    func testAScannedBarcodeJoinsTheTextOnceAndIsLookedUp() async throws {
        let library = try await temporaryLibrary()
        let model = LookupModel(library: library)
        // Both with wrong check digits, so no service is asked.
        model.text = "0-306-40615-3"
        await model.addScanned(" 9780262033849\n")
        XCTAssertEqual(model.text, "0-306-40615-3\n9780262033849")
        XCTAssertEqual(model.results.count, 2)
        XCTAssertTrue(model.results.contains { (result: LookupResult) in result.input.contains("9780262033849") })
        XCTAssertTrue(model.results.allSatisfy { (result: LookupResult) in result.status == .malformed })
        // Scanning the same book again changes nothing.
        await model.addScanned("9780262033849")
        XCTAssertEqual(model.text, "0-306-40615-3\n9780262033849")
    }

    func testAFoundReferenceIsPickedAddedAndThenOfferedAsTheLibrarysItem() async throws {
        let server = try LocalCSLServer(body: tidesCSL)
        let baseURL = try await server.start()
        defer { server.stop() }
        let settings = LookupSettings(serviceUrls: [
            LookupServiceUrl(service: .doiResolver, baseUrl: baseURL),
            LookupServiceUrl(service: .crossref, baseUrl: baseURL),
            LookupServiceUrl(service: .dataCite, baseUrl: baseURL),
        ])
        let library = try await temporaryLibrary()
        let model = LookupModel(library: library, settings: settings)

        model.text = "https://doi.org/\(doi)\n\(badISBN)"
        await model.lookUp()
        XCTAssertNil(model.errorMessage)
        XCTAssertEqual(model.results.map { (result: LookupResult) in result.status }, [.found, .malformed])
        let preview = try XCTUnwrap(model.results[0].preview)
        XCTAssertEqual(preview.title, "Tidal rhythms of estuaries")
        XCTAssertEqual(LookupModel.creatorSummary(preview), "Lovelace, Somerville")
        XCTAssertEqual(LookupModel.year(preview), "2021")
        XCTAssertTrue(model.isSelected(0))
        XCTAssertFalse(model.isSelected(1))
        XCTAssertFalse(model.selectionHasDuplicates)

        await model.add()
        XCTAssertNil(model.errorMessage)
        XCTAssertEqual(model.createdCount, 1)
        let added = try XCTUnwrap(model.added?.first)
        XCTAssertEqual(added.status, .created)
        let key = try XCTUnwrap(added.key)
        let item = try await library.items().get(key: key)
        XCTAssertEqual(item.title, "Tidal rhythms of estuaries")

        // The same DOI again: the library's item is offered, not picked.
        model.clear()
        model.text = doi
        await model.lookUp()
        let again = try XCTUnwrap(model.results.first)
        XCTAssertEqual(again.status, .alreadyInLibrary)
        XCTAssertEqual(again.existingKey, key)
        XCTAssertEqual(model.existingTitles[key], "Tidal rhythms of estuaries")
        XCTAssertFalse(model.isSelected(0))
        XCTAssertFalse(model.canAdd)

        model.toggle(0)
        XCTAssertTrue(model.selectionHasDuplicates)
        model.onDuplicate = .useExisting
        await model.add()
        XCTAssertEqual(model.added?.first?.status, .existing)
        XCTAssertEqual(model.added?.first?.key, key)
        XCTAssertEqual(model.createdCount, 0)
    }
}

/// A local stand-in for the DOI resolver: every request is answered with
/// `body` as CSL-JSON.
final class LocalCSLServer: @unchecked Sendable {
    private let listener: NWListener
    private let queue = DispatchQueue(label: "org.shelfmark.tests.csl-server")
    private let response: Data

    init(body: String) throws {
        let json = Data(body.utf8)
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.citationstyles.csl+json\r\n"
            + "Content-Length: \(json.count)\r\nConnection: close\r\n\r\n"
        response = Data(head.utf8) + json
        listener = try NWListener(using: .tcp, on: .any)
    }

    /// Starts listening on a free port; returns the base URL.
    func start() async throws -> String {
        let response = response
        let queue = queue
        listener.newConnectionHandler = { connection in
            connection.start(queue: queue)
            LocalCSLServer.answer(connection, response: response, received: Data())
        }
        return try await withCheckedThrowingContinuation { continuation in
            let listener = listener
            listener.stateUpdateHandler = { state in
                switch state {
                case .ready:
                    listener.stateUpdateHandler = nil
                    continuation.resume(returning: "http://127.0.0.1:\(listener.port?.rawValue ?? 0)")
                case let .failed(error):
                    listener.stateUpdateHandler = nil
                    continuation.resume(throwing: error)
                default:
                    break
                }
            }
            listener.start(queue: queue)
        }
    }

    func stop() {
        listener.cancel()
    }

    /// Reads the request up to its blank line, then answers and closes.
    private static func answer(_ connection: NWConnection, response: Data, received: Data) {
        connection.receive(minimumIncompleteLength: 1, maximumLength: 65536) { chunk, _, isComplete, error in
            var request = received
            if let chunk {
                request.append(chunk)
            }
            if request.range(of: Data("\r\n\r\n".utf8)) == nil && !isComplete && error == nil {
                answer(connection, response: response, received: request)
                return
            }
            connection.send(content: response, completion: .contentProcessed { _ in connection.cancel() })
        }
    }
}
