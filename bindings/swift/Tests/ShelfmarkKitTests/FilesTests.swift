import Foundation
import XCTest
@testable import ShelfmarkKit

/// Attachment files as a reader app uses them: attach, download with progress, cancel, evict.
final class FilesTests: XCTestCase {
    private func pdf(_ size: Int) -> Data {
        var data = Data("%PDF-1.5\n".utf8)
        data.append(contentsOf: (0..<(size - data.count)).map { UInt8($0 * 7 % 251) })
        return data
    }

    func testDownloadWithProgressCancelAnotherAndEvict() async throws {
        let folder = try temporaryFolder()
        let server = try TestServer(data: folder.appendingPathComponent("server"))
        let (user, key) = try server.user("reader@example.org")
        func request(_ device: String, _ key: String?) -> SyncRequest {
            SyncRequest(serverUrl: server.baseUrl, userId: user, apiKey: key,
                        keyStorage: .file(path: folder.appendingPathComponent("\(device)-credentials").path),
                        confirmDeletions: false)
        }
        let phoneKeys = KeyStorage.file(path: folder.appendingPathComponent("phone-credentials").path)
        let tablet = try await createLibrary(path: folder.appendingPathComponent("tablet.shelfmark").path, options: LibraryOptions())
        let phone = try await createLibrary(path: folder.appendingPathComponent("phone.shelfmark").path, options: LibraryOptions())
        let book = try await tablet.items().create(item: article("Leviathan"))
        let small = pdf(200_000)
        let big = pdf(6_000_000)
        let smallFile = folder.appendingPathComponent("Leviathan.pdf")
        let bigFile = folder.appendingPathComponent("Atlas.pdf")
        try small.write(to: smallFile)
        try big.write(to: bigFile)
        let first = try await tablet.files().attach(parent: book.key, path: smallFile.path)
        let second = try await tablet.files().attach(parent: book.key, path: bigFile.path)
        _ = try await tablet.sync().syncNow(request: request("tablet", key), listener: nil)
        _ = try await phone.sync().syncNow(request: request("phone", key), listener: nil)
        let before = try await phone.files().state(key: first.key)
        XCTAssertEqual(before.status, .notDownloaded)

        var lastProgress: (UInt64, UInt64)?
        var results: [FileTransferResult] = []
        for try await event in phone.files().downloadEvents(keys: [first.key], request: DownloadRequest(opened: true, keyStorage: phoneKeys)) {
            switch event {
            case let .progress(_, done, total): lastProgress = (done, total)
            case let .finished(done): results = done
            }
        }
        XCTAssertEqual(results.first?.ok, true)
        XCTAssertEqual(lastProgress?.0, UInt64(small.count))
        let path = try await phone.files().open(key: first.key)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), small)

        let cancelled = try phone.files().download(keys: [second.key], request: DownloadRequest(opened: false, keyStorage: phoneKeys), listener: nil)
        cancelled.cancel()
        let outcome = try await cancelled.finished()
        XCTAssertEqual(outcome.first?.errorKind, "cancelled")

        let evicted = try await phone.files().evict(scope: .all)
        XCTAssertEqual(evicted.files, 1)
        let title = try await phone.items().get(key: book.key).title
        XCTAssertEqual(title, "Leviathan")
    }
}
