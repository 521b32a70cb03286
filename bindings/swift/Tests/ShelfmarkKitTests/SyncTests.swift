import Foundation
import XCTest
@testable import ShelfmarkKit

/// A real `shelfmark-server` process on loopback with its own data folder;
/// `SHELFMARK_SERVER_BIN` names the binary (the mobile workflow builds it).
final class TestServer {
    let binary: String
    let data: URL
    let process = Process()
    private(set) var baseUrl = ""

    init(data: URL) throws {
        guard let binary = ProcessInfo.processInfo.environment["SHELFMARK_SERVER_BIN"] else {
            throw XCTSkip("set SHELFMARK_SERVER_BIN to the shelfmark-server binary")
        }
        self.binary = binary
        self.data = data
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--data-dir", data.path, "--listen", "127.0.0.1:0"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        let prefix = "shelfmark-server listening on "
        while baseUrl.isEmpty {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw XCTSkip("the server stopped before listening") }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                baseUrl = String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            }
        }
    }

    deinit { process.terminate() }

    private func admin(_ args: [String]) throws -> String {
        let admin = Process()
        let output = Pipe()
        admin.executableURL = URL(fileURLWithPath: binary)
        admin.arguments = ["--data-dir", data.path] + args
        admin.standardOutput = output
        try admin.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        admin.waitUntilExit()
        XCTAssertEqual(admin.terminationStatus, 0, "admin \(args)")
        return String(decoding: out, as: UTF8.self)
    }

    /// A new user and a full-access API key.
    func user(_ email: String) throws -> (UInt64, String) {
        let words = try admin(["user", "add", "--email", email, "--password", "secret pass"]).split(separator: " ")
        let id = try XCTUnwrap(UInt64(words[1]))
        let key = try admin(["key", "create", "--user", String(id)]).trimmingCharacters(in: .whitespacesAndNewlines)
        return (id, key)
    }
}

/// Signing in, syncing two libraries and resolving a conflict, as an app does.
final class SyncTests: XCTestCase {
    private func request(_ server: TestServer, _ folder: URL, _ device: String, _ user: UInt64, _ key: String?) -> SyncRequest {
        SyncRequest(
            serverUrl: server.baseUrl,
            userId: user,
            apiKey: key,
            keyStorage: .file(path: folder.appendingPathComponent("\(device)-credentials").path),
            confirmDeletions: false
        )
    }

    func testTwoDevicesSyncConflictAndResolve() async throws {
        let folder = try temporaryFolder()
        let server = try TestServer(data: folder.appendingPathComponent("server"))
        let (user, key) = try server.user("reader@example.org")
        let tablet = try await createLibrary(path: folder.appendingPathComponent("tablet.shelfmark").path, options: LibraryOptions())
        let phone = try await createLibrary(path: folder.appendingPathComponent("phone.shelfmark").path, options: LibraryOptions())
        let created = try await tablet.items().create(item: article("Tidal rhythms"))

        _ = try await tablet.sync().syncNow(request: request(server, folder, "tablet", user, key), listener: nil)
        var stages: [SyncStage] = []
        var summary: SyncSummary?
        for try await event in phone.sync().syncEvents(request: request(server, folder, "phone", user, key)) {
            switch event {
            case let .progress(progress): stages.append(progress.stage)
            case .conflicts: XCTFail("no conflict on a first sync")
            case let .finished(done): summary = done
            }
        }
        XCTAssertEqual(stages.first, .connecting)
        XCTAssertEqual(summary?.libraries.first?.downloaded.items, 1)
        let title = try await phone.items().get(key: created.key).title
        XCTAssertEqual(title, "Tidal rhythms")

        _ = try await tablet.items().setFields(key: created.key, fields: [FieldValue(name: "title", value: "Tidal rhythms in estuaries")])
        _ = try await phone.items().setFields(key: created.key, fields: [FieldValue(name: "title", value: "Tidal rhythms (review)")])
        _ = try await tablet.sync().syncNow(request: request(server, folder, "tablet", user, nil), listener: nil)
        let second = try await phone.sync().syncNow(request: request(server, folder, "phone", user, nil), listener: nil)
        XCTAssertEqual(second.libraries.first?.result, .conflicts)

        let conflicts = try await phone.sync().conflicts()
        let conflict = try XCTUnwrap(conflicts.first)
        let field = try XCTUnwrap(conflict.fields.first { $0.field == "title" })
        XCTAssertEqual(field.local, "Tidal rhythms (review)")
        XCTAssertEqual(field.remote, "Tidal rhythms in estuaries")
        try await phone.sync().resolve(libraryId: conflict.libraryId, key: conflict.key, choice: .keepRemote)
        let remaining = try await phone.sync().conflicts()
        XCTAssertTrue(remaining.isEmpty)
        let history = try await phone.sync().conflictHistory()
        XCTAssertEqual(history.first?.chosen, "remote")
        XCTAssertTrue(history.first?.localJson.contains("Tidal rhythms (review)") ?? false)
    }

    func testAWrongKeyFailsAsAnAuthError() async throws {
        let folder = try temporaryFolder()
        let server = try TestServer(data: folder.appendingPathComponent("server"))
        let (user, _) = try server.user("reader@example.org")
        let phone = try await createLibrary(path: folder.appendingPathComponent("phone.shelfmark").path, options: LibraryOptions())
        do {
            _ = try await phone.sync().syncNow(request: request(server, folder, "phone", user, "0123456789abcdefghijklmn"), listener: nil)
            XCTFail("a wrong key is refused")
        } catch let error as ShelfmarkError {
            XCTAssertEqual(error.category, .auth)
        }
        let account = try await phone.sync().account()
        XCTAssertNil(account)
    }
}
