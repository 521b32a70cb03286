// The window's content: the sign-in until the library is ready, then the
// library (three columns on iPad, a navigation stack on iPhone).

import ShelfmarkKit
import SwiftUI

struct RootView: View {
    @Environment(AppModel.self) private var app

    var body: some View {
        Group {
            switch app.phase {
            case .opening:
                ProgressView("Opening the library…")
            case .signIn:
                if let signIn = app.signIn {
                    SignInView(model: signIn)
                }
            case .ready:
                if let library = app.library {
                    LibraryView(library: library)
                }
            case let .failed(message):
                ContentUnavailableView(
                    "The library could not be opened",
                    systemImage: "exclamationmark.triangle",
                    description: Text(message)
                )
            }
        }
        .sheet(item: Binding(get: { app.importing }, set: { app.importing = $0 })) { model in
            ImportReportView(model: model)
        }
    }
}

extension ImportModel: Identifiable {
    nonisolated var id: ObjectIdentifier { ObjectIdentifier(self) }
}
