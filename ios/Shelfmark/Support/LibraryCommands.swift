// Keyboard shortcuts: ⌘N new item, ⌘F search, ⌘R sync now. They act on
// the focused window's library (shown in the ⌘ overlay on iPad).

import SwiftUI

struct LibraryActions {
    var newItem: () -> Void
    var search: () -> Void
    var syncNow: () -> Void
}

private struct LibraryActionsKey: FocusedValueKey {
    typealias Value = LibraryActions
}

extension FocusedValues {
    var libraryActions: LibraryActions? {
        get { self[LibraryActionsKey.self] }
        set { self[LibraryActionsKey.self] = newValue }
    }
}

struct LibraryCommands: Commands {
    @FocusedValue(\.libraryActions) private var actions

    var body: some Commands {
        CommandGroup(replacing: .newItem) {
            Button("New Item") { actions?.newItem() }
                .keyboardShortcut("n", modifiers: .command)
                .disabled(actions == nil)
        }
        CommandMenu("Library") {
            Button("Search") { actions?.search() }
                .keyboardShortcut("f", modifiers: .command)
                .disabled(actions == nil)
            Button("Sync Now") { actions?.syncNow() }
                .keyboardShortcut("r", modifiers: .command)
                .disabled(actions == nil)
        }
    }
}
