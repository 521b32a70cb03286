// Signing in: the server's address and an e-mail and password (the core
// asks the server for a key for this device) or an API key; the first sync
// binds the library file to the account, keeps the key in the Keychain and
// brings the library down. The library is shown as soon as its items are
// in, while the core still indexes their full text.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class SignInModel {
    enum Method: String, CaseIterable, Identifiable {
        case password = "E-mail and password"
        case apiKey = "API key"

        var id: Self { self }
    }

    var serverURL = ""
    var method: Method = .password
    var email = ""
    var password = ""
    var apiKey = ""
    private(set) var progress: SyncProgressEvent?
    private(set) var errorMessage: String?
    private(set) var isSigningIn = false

    let methods: [Method] = Method.allCases
    /// The key's name on the server's "Devices and keys" page.
    let deviceName: String

    private let library: LibraryHandle
    private let onLibraryReady: @MainActor () -> Void
    private let onFinished: @MainActor () async -> Void
    private var run: Task<Void, Never>?

    init(
        library: LibraryHandle,
        deviceName: String,
        onLibraryReady: @escaping @MainActor () -> Void,
        onFinished: @escaping @MainActor () async -> Void
    ) {
        self.library = library
        self.deviceName = deviceName
        self.onLibraryReady = onLibraryReady
        self.onFinished = onFinished
    }

    var canSubmit: Bool {
        guard !isSigningIn, !trimmed(serverURL).isEmpty else { return false }
        switch method {
        case .apiKey: return !trimmed(apiKey).isEmpty
        case .password: return !trimmed(email).isEmpty && !password.isEmpty
        }
    }

    func submit() {
        guard canSubmit else { return }
        errorMessage = nil
        progress = nil
        let address = trimmed(serverURL)
        switch method {
        case .password:
            // The core checks the address and names what is wrong with it.
            isSigningIn = true
            let account = trimmed(self.email)
            let secret = self.password
            run = Task { await signInWithPassword(address, email: account, password: secret) }
        case .apiKey:
            guard Self.looksLikeServerAddress(address) else {
                errorMessage = Self.malformedAddressMessage(address)
                return
            }
            isSigningIn = true
            let request = SyncRequest(serverUrl: address, apiKey: trimmed(apiKey), keyStorage: .keychain)
            run = Task { await firstSync(request) }
        }
    }

    /// Asks the server for a key for this device, then syncs with it.
    func signInWithPassword(_ address: String, email: String, password: String) async {
        do {
            let account = try await signIn(serverUrl: address, email: email, password: password, deviceName: deviceName)
            let request = SyncRequest(
                serverUrl: account.serverUrl,
                userId: account.userId,
                apiKey: account.apiKey,
                keyStorage: .keychain
            )
            await firstSync(request)
        } catch {
            errorMessage = Self.message(for: error, method: .password)
            isSigningIn = false
        }
    }

    func cancel() {
        _ = library.sync().cancel()
        run?.cancel()
    }

    /// Runs the first sync; awaited directly by tests.
    func firstSync(_ request: SyncRequest) async {
        var libraryShown = false
        defer { isSigningIn = false }
        do {
            for try await event in library.sync().syncEvents(request: request) {
                switch event {
                case let .progress(step):
                    progress = step
                    // Indexing comes after the items are stored and listed.
                    if step.stage == .indexing, !libraryShown {
                        libraryShown = true
                        onLibraryReady()
                    }
                case .conflicts:
                    break
                case .finished:
                    if !libraryShown {
                        libraryShown = true
                        onLibraryReady()
                    }
                }
            }
            await onFinished()
        } catch {
            errorMessage = Self.message(for: error, method: method)
            if libraryShown {
                await onFinished()
            }
        }
    }

    /// Whether the address can be a server's: http or https with a host.
    /// Anything else is refused before going online, with a message
    /// saying what a server address looks like.
    static func looksLikeServerAddress(_ address: String) -> Bool {
        guard let components = URLComponents(string: address),
              let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http",
              let host = components.host, !host.isEmpty else { return false }
        return true
    }

    static func malformedAddressMessage(_ address: String) -> String {
        "“\(address)” is not a server address. It looks like https://shelfmark.example.org."
    }

    /// A message for each kind of failure: what the user should check.
    static func message(for error: Error, method: Method) -> String {
        guard let failure = error as? ShelfmarkError else {
            return error.localizedDescription
        }
        switch failure.category {
        case .auth:
            switch method {
            case .password: return "Wrong e-mail or password."
            case .apiKey: return "The server did not accept this API key. \(failure.message)"
            }
        case .network:
            return "The server cannot be reached. Check the address and your connection. \(failure.message)"
        case .invalidInput:
            return "Check the server address. \(failure.message)"
        case .cancelled:
            return "Sign-in stopped."
        case .quota, .conflict, .notFound, .storage, .internal:
            return failure.message
        }
    }

    private func trimmed(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
