// The library: on iPad (regular width) three columns — sidebar, item
// list, item — and on iPhone the same screens as a navigation stack.

import ShelfmarkKit
import SwiftUI

struct LibraryView: View {
    let library: LibraryHandle
    @Environment(AppModel.self) private var app
    @Environment(\.horizontalSizeClass) private var sizeClass
    @State private var selection: SidebarSelection? = .library
    @State private var selectedItems: Set<String> = []
    @State private var stackPath = NavigationPath()
    @State private var editor: ItemEditorModel?
    @State private var searchRequested = false
    @State private var showsSettings = false

    var body: some View {
        Group {
            if sizeClass == .compact {
                NavigationStack(path: $stackPath) {
                    sidebar
                        .navigationDestination(for: SidebarSelection.self) { destination in
                            content(for: destination, stacked: true)
                        }
                        .navigationDestination(for: ItemRoute.self) { route in
                            ItemDetailView(library: library, key: route.key)
                        }
                }
            } else {
                NavigationSplitView {
                    sidebar
                } content: {
                    if let selection {
                        content(for: selection, stacked: false)
                    } else {
                        ContentUnavailableView("Nothing selected", systemImage: "sidebar.left")
                    }
                } detail: {
                    detail
                }
            }
        }
        .sheet(item: $editor) { model in
            ItemEditorView(model: model)
        }
        .sheet(isPresented: $showsSettings) {
            SettingsView()
        }
        .sheet(isPresented: deletionConfirmation) {
            if let sync = app.sync {
                DeletionConfirmationView(model: sync)
            }
        }
        .focusedSceneValue(\.libraryActions, LibraryActions(
            newItem: { newItem() },
            search: { searchRequested = true },
            syncNow: { app.sync?.syncNow() }
        ))
        .task {
            if let sidebarModel = app.sidebar {
                await sidebarModel.follow()
            }
        }
    }

    private var sidebar: some View {
        SidebarView(selection: $selection, stacked: sizeClass == .compact, showsSettings: $showsSettings)
    }

    @ViewBuilder
    private func content(for selection: SidebarSelection, stacked: Bool) -> some View {
        if let filter = ItemFilter.forSelection(selection) {
            ItemListView(
                library: library,
                filter: filter,
                title: title(of: selection),
                stacked: stacked,
                selection: $selectedItems,
                searchRequested: $searchRequested,
                onNewItem: { newItem() }
            )
            .id(selection)
        } else {
            switch selection {
            case .conflicts:
                if let sync = app.sync {
                    ConflictsView(model: sync)
                }
            case let .groupLibrary(id):
                GroupLibraryView(libraryId: id)
            default:
                if let sync = app.sync {
                    SyncStatusView(model: sync)
                }
            }
        }
    }

    @ViewBuilder
    private var detail: some View {
        if selectedItems.count == 1, let key = selectedItems.first {
            NavigationStack {
                ItemDetailView(library: library, key: key)
                    .id(key)
            }
        } else if selectedItems.count > 1 {
            SelectionSummaryView(library: library, keys: Array(selectedItems))
        } else {
            ContentUnavailableView("No item selected", systemImage: "doc.text")
        }
    }

    private var deletionConfirmation: Binding<Bool> {
        Binding(
            get: { app.sync?.confirmsDeletions ?? false },
            set: { shown in app.sync?.confirmsDeletions = shown }
        )
    }

    private func newItem() {
        var collection: String?
        if case let .collection(key)? = selection {
            collection = key
        }
        editor = ItemEditorModel(library: library, collection: collection)
    }

    private func title(of selection: SidebarSelection) -> String {
        switch selection {
        case .library: return "My Library"
        case .trash: return "Trash"
        case let .collection(key):
            return app.sidebar?.collections.first { row in row.key == key }?.name ?? "Collection"
        case let .savedSearch(key):
            return app.sidebar?.savedSearches.first { search in search.key == key }?.name ?? "Saved Search"
        case .conflicts: return "Sync Conflicts"
        case .syncStatus: return "Sync Status"
        case .groupLibrary: return "Group"
        }
    }
}

/// An item pushed on the iPhone's navigation stack.
struct ItemRoute: Hashable {
    let key: String
}

extension ItemEditorModel: Identifiable {
    nonisolated var id: ObjectIdentifier { ObjectIdentifier(self) }
}
