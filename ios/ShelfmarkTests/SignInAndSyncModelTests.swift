import ShelfmarkKit
import XCTest
@testable import Shelfmark

@MainActor
final class SignInModelTests: XCTestCase {
    func testAMalformedAddressIsRefusedBeforeGoingOnline() async throws {
        let library = try await temporaryLibrary()
        var shown = false
        let model = SignInModel(library: library, deviceName: "Test iPad", onLibraryReady: { shown = true }, onFinished: {})
        model.method = .apiKey
        model.serverURL = "shelfmark example org"
        model.apiKey = "0123456789abcdefghijklmn"
        XCTAssertTrue(model.canSubmit)
        model.submit()
        XCTAssertFalse(model.isSigningIn)
        XCTAssertEqual(model.errorMessage, SignInModel.malformedAddressMessage("shelfmark example org"))
        XCTAssertFalse(shown)
        let account = try await library.sync().account()
        XCTAssertNil(account)
    }

    func testEachFailureKindHasItsMessage() {
        let wrongPassword = SignInModel.message(for: ShelfmarkError.Auth(message: "forbidden"), method: .password)
        XCTAssertEqual(wrongPassword, "Wrong e-mail or password.")
        let wrongKey = SignInModel.message(for: ShelfmarkError.Auth(message: "invalid key"), method: .apiKey)
        XCTAssertTrue(wrongKey.hasPrefix("The server did not accept this API key."))
        let unreachable = SignInModel.message(for: ShelfmarkError.Network(message: "connection refused"), method: .apiKey)
        XCTAssertTrue(unreachable.hasPrefix("The server cannot be reached."))
        XCTAssertTrue(unreachable.hasSuffix("connection refused"))
    }

    func testAMalformedAddressWithAPasswordIsNamedByTheCore() async throws {
        let library = try await temporaryLibrary()
        let model = SignInModel(library: library, deviceName: "Test iPad", onLibraryReady: {}, onFinished: {})
        XCTAssertEqual(model.method, .password)
        await model.signInWithPassword("shelfmark example org", email: "ada@example.org", password: "secret")
        XCTAssertFalse(model.isSigningIn)
        XCTAssertTrue(model.errorMessage?.hasPrefix("Check the server address.") ?? false, model.errorMessage ?? "")
    }

    func testSubmittingNeedsAnAddressAndAKey() async throws {
        let library = try await temporaryLibrary()
        let model = SignInModel(library: library, deviceName: "Test iPad", onLibraryReady: {}, onFinished: {})
        model.method = .apiKey
        XCTAssertFalse(model.canSubmit)
        model.serverURL = "https://shelfmark.example.org"
        XCTAssertFalse(model.canSubmit)
        model.apiKey = "  "
        XCTAssertFalse(model.canSubmit)
        model.apiKey = "0123456789abcdefghijklmn"
        XCTAssertTrue(model.canSubmit)
    }
}

@MainActor
final class SyncModelTests: XCTestCase {
    func testAnUnboundLibraryReportsItsStatusAndNoConflicts() async throws {
        let library = try await temporaryLibrary()
        let model = SyncModel(library: library)
        await model.refresh()
        XCTAssertNil(model.errorMessage)
        XCTAssertTrue(model.conflicts.isEmpty)
        XCTAssertNil(model.confirmation)
        XCTAssertEqual(model.statusText?.condition, .notSignedIn)
        XCTAssertEqual(Set(model.resetChoices.map { choice in choice.mode }), [.upload, .download, .merge])
    }

    func testSyncingWithoutAnAccountFailsWithAMessage() async throws {
        let library = try await temporaryLibrary()
        let model = SyncModel(library: library)
        await model.run(SyncRequest(keyStorage: .nowhere))
        XCTAssertFalse(model.isSyncing)
        XCTAssertNotNil(model.errorMessage)
        XCTAssertNil(model.lastSummary)
    }
}
