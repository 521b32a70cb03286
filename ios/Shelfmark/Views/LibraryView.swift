// The library: on iPad (regular width) three columns — sidebar, item
// list, item — and on iPhone the same screens as a navigation stack.

import ShelfmarkKit
import SwiftUI

struct LibraryView: View {
    let library: LibraryHandle
    @Environment(AppModel.self) private var app
    @Environment(\.horizontalSizeClass) private var sizeClass
    @State private var selection: SidebarSelection?
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
                            ScopedLibrary(libraryId: route.libraryId) { handle in
                                ItemDetailView(library: handle, key: route.key, editable: route.editable)
                            }
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
        .onChange(of: app.sidebar?.firstRowID) { _, first in
            if selection == nil, sizeClass != .compact, let first {
                selection = .row(id: first)
            }
        }
        .onChange(of: selection) {
            selectedItems = []
        }
    }

    private var sidebar: some View {
        SidebarView(selection: $selection, stacked: sizeClass == .compact, showsSettings: $showsSettings)
    }

    /// The sidebar row selected, with whether its library takes edits.
    private var selectedRow: (row: SidebarRow, editable: Bool)? {
        guard case let .row(id)? = selection, let model = app.sidebar, let row = model.row(id: id) else { return nil }
        return (row, model.section(of: row)?.editable ?? false)
    }

    @ViewBuilder
    private func content(for selection: SidebarSelection, stacked: Bool) -> some View {
        switch selection {
        case .syncStatus:
            if let sync = app.sync {
                SyncStatusView(model: sync)
            }
        case let .row(id):
            if let model = app.sidebar, let row = model.row(id: id) {
                if row.kind == .syncConflicts, let sync = app.sync {
                    ConflictsView(model: sync)
                } else {
                    let editable = model.section(of: row)?.editable ?? false
                    ScopedLibrary(libraryId: row.libraryId) { handle in
                        ItemListView(
                            library: handle,
                            filter: row.filter,
                            title: row.title,
                            editable: editable,
                            stacked: stacked,
                            selection: $selectedItems,
                            searchRequested: $searchRequested,
                            onNewItem: { newItem() }
                        )
                    }
                    .id(id)
                }
            }
        }
    }

    @ViewBuilder
    private var detail: some View {
        if let current = selectedRow, selectedItems.count == 1, let key = selectedItems.first {
            NavigationStack {
                ScopedLibrary(libraryId: current.row.libraryId) { handle in
                    ItemDetailView(library: handle, key: key, editable: current.editable)
                }
                .id(key)
            }
        } else if let current = selectedRow, selectedItems.count > 1 {
            ScopedLibrary(libraryId: current.row.libraryId) { handle in
                SelectionSummaryView(library: handle, keys: Array(selectedItems))
            }
        } else {
            ContentUnavailableView("No item selected", systemImage: "doc.text")
        }
    }

    private var deletionConfirmation: Binding<Bool> {
        Binding(
            get: { app.sync?.confirmation != nil },
            set: { shown in if !shown { app.sync?.dismissConfirmation() } }
        )
    }

    /// A new item in the selected library (and collection), if it takes edits.
    private func newItem() {
        guard let current = selectedRow, current.editable else {
            editor = ItemEditorModel(library: library, newItemOfType: "journalArticle", collection: nil)
            return
        }
        Task {
            guard let handle = try? await app.sidebar?.handle(libraryId: current.row.libraryId) else { return }
            editor = ItemEditorModel(library: handle, newItemOfType: "journalArticle", collection: current.row.kind.collectionKey)
        }
    }
}

/// An item pushed on the iPhone's navigation stack.
struct ItemRoute: Hashable {
    let key: String
    let libraryId: Int64
    let editable: Bool
}

/// Shows `content` with the handle of library `libraryId`: the open
/// library's own, or a group library's from the same file.
struct ScopedLibrary<Content: View>: View {
    let libraryId: Int64
    @ViewBuilder let content: (LibraryHandle) -> Content
    @Environment(AppModel.self) private var app
    @State private var handle: LibraryHandle?
    @State private var errorMessage: String?

    var body: some View {
        Group {
            if let handle {
                content(handle)
            } else if let errorMessage {
                ContentUnavailableView("Not available", systemImage: "exclamationmark.triangle", description: Text(errorMessage))
            } else {
                ProgressView()
            }
        }
        .task(id: libraryId) {
            guard let sidebar = app.sidebar else { return }
            do {
                handle = try await sidebar.handle(libraryId: libraryId)
            } catch {
                errorMessage = ErrorText.describe(error)
            }
        }
    }
}

extension ItemEditorModel: Identifiable {
    nonisolated var id: ObjectIdentifier { ObjectIdentifier(self) }
}
