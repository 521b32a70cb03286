// The open library and what runs beside it for the app's lifetime:
// signing in, automatic sync while the app is in the foreground, the
// background refresh, network changes and files opened with the app.

import BackgroundTasks
import Foundation
import Observation
import ShelfmarkKit
import UIKit

@MainActor
@Observable
final class AppModel {
    enum Phase: Equatable {
        case opening
        case signIn
        case ready
        case failed(String)
    }

    /// Listed under BGTaskSchedulerPermittedIdentifiers in Info.plist.
    static let backgroundSyncIdentifier = "org.shelfmark.app.sync"
    private static let localOnlyDefaultsKey = "usesLibraryWithoutAccount"

    private(set) var phase: Phase = .opening
    private(set) var library: LibraryHandle?
    private(set) var account: SyncAccount?
    private(set) var signIn: SignInModel?
    private(set) var sync: SyncModel?
    private(set) var files: FilesModel?
    private(set) var sidebar: SidebarModel?
    /// The import of a file opened with the app, shown as a sheet.
    var importing: ImportModel?

    private let launch: LaunchOptions
    private var autoSync: AutoSync?
    private var autoSyncReports: Task<Void, Never>?
    private var networkWatch: Task<Void, Never>?
    private var pendingOpenedFiles: [URL] = []

    init(launch: LaunchOptions = LaunchOptions.current) {
        self.launch = launch
    }

    /// Opens the library file (creating it on the first launch) and decides
    /// whether the sign-in comes first.
    func open() async {
        guard library == nil else { return }
        do {
            let url = try launch.libraryURL()
            let library: LibraryHandle
            if FileManager.default.fileExists(atPath: url.path) {
                library = try await openLibrary(path: url.path, options: LibraryOptions())
            } else {
                library = try await createLibrary(path: url.path, options: LibraryOptions())
            }
            self.library = library
            sync = SyncModel(library: library)
            files = FilesModel(library: library)
            sidebar = SidebarModel(library: library)
            account = try await library.sync().account()
            watchNetwork(library.files())
            let localOnly = launch.isUITesting ? launch.skipsSignIn : UserDefaults.standard.bool(forKey: Self.localOnlyDefaultsKey)
            if account != nil || localOnly {
                phase = .ready
                sceneBecameActive()
            } else {
                showSignIn(library)
            }
            for url in pendingOpenedFiles {
                importOpenedFile(url)
            }
            pendingOpenedFiles = []
        } catch {
            phase = .failed(ErrorText.describe(error))
        }
    }

    /// Uses the library on this device only; signing in stays possible
    /// from the settings.
    func continueWithoutAccount() {
        UserDefaults.standard.set(true, forKey: Self.localOnlyDefaultsKey)
        signIn = nil
        phase = .ready
    }

    /// Shows the sign-in again (from the settings, or after signing out).
    func startSignIn() {
        guard let library else { return }
        showSignIn(library)
    }

    func signOut() async {
        guard let library else { return }
        stopAutoSync()
        do {
            try await library.sync().signOut(keyStorage: .keychain)
            account = nil
            UserDefaults.standard.set(false, forKey: Self.localOnlyDefaultsKey)
            showSignIn(library)
        } catch {
            sync?.report(error)
        }
    }

    private func showSignIn(_ library: LibraryHandle) {
        signIn = SignInModel(
            library: library,
            deviceName: UIDevice.current.name,
            onLibraryReady: { [weak self] in self?.phase = .ready },
            onFinished: { [weak self] in await self?.firstSyncFinished() }
        )
        phase = .signIn
    }

    private func firstSyncFinished() async {
        guard let library else { return }
        account = try? await library.sync().account()
        signIn = nil
        phase = .ready
        await sync?.refresh()
        await sidebar?.refresh()
        sceneBecameActive()
    }

    // MARK: Automatic sync

    /// In the foreground the core syncs by itself: at once, every 15
    /// minutes and a few seconds after local edits.
    func sceneBecameActive() {
        guard phase == .ready, account != nil, autoSync == nil, let library, let sync else { return }
        let (reports, listener) = AutoSyncReports.make()
        do {
            autoSync = try library.sync().startAutoSync(
                request: SyncRequest(keyStorage: .keychain),
                settings: AutoSyncSettings(),
                listener: listener
            )
        } catch {
            sync.report(error)
            return
        }
        autoSyncReports = Task {
            for await report in reports {
                await sync.autoSyncReported(report)
            }
        }
    }

    /// Leaving the foreground: one last sync of what was edited, with the
    /// time the system grants a closing app, and the next background
    /// refresh asked for.
    func sceneMovedToBackground() {
        scheduleBackgroundRefresh()
        guard let closing = autoSync else { return }
        autoSync = nil
        autoSyncReports?.cancel()
        autoSyncReports = nil
        let application = UIApplication.shared
        let grant = application.beginBackgroundTask(withName: "Sync before closing") {
            closing.stop()
        }
        Task {
            _ = try? await closing.appClosing()
            closing.stop()
            application.endBackgroundTask(grant)
        }
    }

    private func stopAutoSync() {
        autoSync?.stop()
        autoSync = nil
        autoSyncReports?.cancel()
        autoSyncReports = nil
    }

    func scheduleBackgroundRefresh() {
        guard account != nil else { return }
        let request = BGAppRefreshTaskRequest(identifier: Self.backgroundSyncIdentifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// The system's background refresh: one sync, stopped at the core's
    /// next batch if the system takes the time back.
    func backgroundRefresh() async {
        await open()
        guard account != nil, let library else { return }
        scheduleBackgroundRefresh()
        let manager = library.sync()
        await withTaskCancellationHandler {
            _ = try? await manager.syncNow(request: SyncRequest(keyStorage: .keychain), listener: nil)
        } onCancel: {
            _ = manager.cancel()
        }
    }

    // MARK: Network

    /// Tells the core whether the network costs money, so that sync-time
    /// downloads can wait for Wi-Fi when the user asked for that.
    private func watchNetwork(_ files: Files) {
        networkWatch?.cancel()
        networkWatch = Task {
            for await metered in NetworkPath.meteredChanges() {
                try? await files.setNetwork(metered: metered)
            }
        }
    }

    // MARK: Files opened with the app

    func importOpenedFile(_ url: URL) {
        guard let library else {
            pendingOpenedFiles.append(url)
            return
        }
        let model = ImportModel(library: library)
        importing = model
        Task { await model.importFile(at: url) }
    }
}
