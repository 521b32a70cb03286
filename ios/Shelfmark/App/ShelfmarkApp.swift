// The app's entry: one window whose content follows the library's phase,
// the background refresh that syncs while the app is not on screen, and
// files opened with the app (RIS, BibTeX, EndNote) going to the import.

import ShelfmarkKit
import SwiftUI

@main
struct ShelfmarkApp: App {
    @State private var app = AppModel()
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environment(app)
                .task { await app.open() }
                .onOpenURL { url in app.importOpenedFile(url) }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .active:
                app.sceneBecameActive()
            case .background:
                app.sceneMovedToBackground()
            default:
                break
            }
        }
        .backgroundTask(.appRefresh(AppModel.backgroundSyncIdentifier)) {
            await app.backgroundRefresh()
        }
        .commands {
            LibraryCommands()
        }
    }
}
