// The sidebar: a section per library of the file (My Library, then each
// group) with its rows as the core lists them — All Items, collections
// (nested, collapsible, with item counts), saved searches, Sync Conflicts,
// Trash — and the Sync Status screen.

import ShelfmarkKit
import SwiftUI

struct SidebarView: View {
    @Binding var selection: SidebarSelection?
    let stacked: Bool
    @Binding var showsSettings: Bool
    @Environment(AppModel.self) private var app
    @State private var newCollection: NewCollection?
    @State private var newCollectionName = ""

    /// Where a new collection goes.
    private struct NewCollection {
        let libraryId: Int64
        let parent: String?
    }

    var body: some View {
        List(selection: stacked ? nil : $selection) {
            if let model = app.sidebar {
                ForEach(model.sections, id: \.libraryId) { section in
                    Section {
                        ForEach(model.visibleRows(of: section), id: \.id) { row in
                            rowView(row, in: section, model: model)
                        }
                        if section.editable {
                            Button {
                                newCollection = NewCollection(libraryId: section.libraryId, parent: nil)
                            } label: {
                                Label("New Collection", systemImage: "folder.badge.plus")
                            }
                        }
                    } header: {
                        HStack {
                            Text(section.title)
                            if !section.editable {
                                Image(systemName: "lock").accessibilityLabel("Read only")
                            }
                        }
                    }
                }
                Section {
                    link(.syncStatus) {
                        Label("Sync Status", systemImage: "arrow.triangle.2.circlepath")
                    }
                    .accessibilityIdentifier("sidebar.syncStatus")
                }
                if let message = model.errorMessage {
                    Text(message).foregroundStyle(.red)
                }
            }
        }
        .navigationTitle("Shelfmark")
        .toolbar {
            ToolbarItem(placement: .topBarTrailing) {
                Button {
                    showsSettings = true
                } label: {
                    Label("Settings", systemImage: "gear")
                }
                .accessibilityIdentifier("sidebar.settings")
            }
        }
        .alert("New Collection", isPresented: Binding(
            get: { newCollection != nil },
            set: { shown in if !shown { newCollection = nil } }
        )) {
            TextField("Name", text: $newCollectionName)
            Button("Create") {
                let name = newCollectionName
                let target = newCollection
                newCollectionName = ""
                if let target {
                    Task { await app.sidebar?.createCollection(named: name, in: target.parent, libraryId: target.libraryId) }
                }
            }
            Button("Cancel", role: .cancel) { newCollectionName = "" }
        }
        .refreshable { await app.sidebar?.refresh() }
    }

    private func rowView(_ row: SidebarRow, in section: SidebarSection, model: SidebarModel) -> some View {
        HStack(spacing: 4) {
            if row.childCount > 0 {
                Button {
                    model.toggle(row)
                } label: {
                    Image(systemName: model.collapsed.contains(row.id) ? "chevron.right" : "chevron.down")
                        .font(.caption)
                }
                .buttonStyle(.borderless)
            }
            link(.row(id: row.id)) {
                Label(row.title, systemImage: row.kind.systemImage)
                    .badge(Int(row.itemCount ?? 0))
            }
        }
        .padding(.leading, CGFloat(row.depth) * 14)
        .accessibilityIdentifier(isMyLibraryAllItems(row) ? "sidebar.library" : "sidebar.\(row.id)")
        .contextMenu {
            if let key = row.kind.collectionKey, section.editable {
                Button("New Subcollection", systemImage: "folder.badge.plus") {
                    newCollection = NewCollection(libraryId: row.libraryId, parent: key)
                }
                if row.libraryId == app.library?.libraryId() {
                    let offline = app.files?.offlineCollections.contains(key) ?? false
                    Button(offline ? "Stop Keeping Files Offline" : "Keep Files Offline", systemImage: "arrow.down.circle") {
                        Task { await app.files?.setOffline(!offline, collection: key) }
                    }
                }
                Button("Move to Trash", systemImage: "trash", role: .destructive) {
                    Task { await model.trashCollection(key, libraryId: row.libraryId) }
                }
            }
        }
    }

    private func isMyLibraryAllItems(_ row: SidebarRow) -> Bool {
        row.kind == .allItems && row.libraryId == app.library?.libraryId()
    }

    /// A row that selects (iPad) or pushes (iPhone) `target`.
    @ViewBuilder
    private func link<Content: View>(_ target: SidebarSelection, @ViewBuilder label: () -> Content) -> some View {
        if stacked {
            NavigationLink(value: target, label: label)
        } else {
            label().tag(target as SidebarSelection?)
        }
    }
}
