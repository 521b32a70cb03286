// The sidebar: My Library, the collection tree, saved searches, Sync
// Conflicts, Trash, the group libraries and the sync status.

import ShelfmarkKit
import SwiftUI

struct SidebarView: View {
    @Binding var selection: SidebarSelection?
    let stacked: Bool
    @Binding var showsSettings: Bool
    @Environment(AppModel.self) private var app
    @State private var newCollectionParent: String?
    @State private var newCollectionName = ""
    @State private var asksCollectionName = false

    var body: some View {
        List(selection: stacked ? nil : $selection) {
            if let model = app.sidebar {
                Section {
                    row(.library, "My Library", systemImage: "books.vertical")
                        .accessibilityIdentifier("sidebar.library")
                }
                Section("Collections") {
                    ForEach(model.visibleCollections, id: \.key) { collection in
                        collectionRow(collection, model: model)
                    }
                    Button {
                        newCollectionParent = nil
                        asksCollectionName = true
                    } label: {
                        Label("New Collection", systemImage: "folder.badge.plus")
                    }
                }
                if !model.savedSearches.isEmpty {
                    Section("Saved Searches") {
                        ForEach(model.savedSearches, id: \.key) { search in
                            row(.savedSearch(key: search.key), search.name, systemImage: "magnifyingglass.circle")
                        }
                    }
                }
                Section {
                    row(.conflicts, "Sync Conflicts", systemImage: "arrow.triangle.branch", badge: Int(model.conflictCount))
                    row(.trash, "Trash", systemImage: "trash")
                    row(.syncStatus, "Sync Status", systemImage: "arrow.triangle.2.circlepath")
                        .accessibilityIdentifier("sidebar.syncStatus")
                }
                if !model.groupLibraries.isEmpty {
                    Section("Groups") {
                        ForEach(model.groupLibraries, id: \.libraryId) { group in
                            row(.groupLibrary(id: group.libraryId), group.name, systemImage: group.editable ? "person.3" : "lock")
                        }
                    }
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
        .alert("New Collection", isPresented: $asksCollectionName) {
            TextField("Name", text: $newCollectionName)
            Button("Create") {
                let name = newCollectionName
                let parent = newCollectionParent
                newCollectionName = ""
                Task { await app.sidebar?.createCollection(named: name, in: parent) }
            }
            Button("Cancel", role: .cancel) { newCollectionName = "" }
        }
        .refreshable { await app.sidebar?.refresh() }
    }

    @ViewBuilder
    private func row(_ target: SidebarSelection, _ title: String, systemImage: String, badge: Int = 0) -> some View {
        if stacked {
            NavigationLink(value: target) {
                Label(title, systemImage: systemImage).badge(badge)
            }
        } else {
            Label(title, systemImage: systemImage)
                .badge(badge)
                .tag(target as SidebarSelection?)
        }
    }

    private func collectionRow(_ collection: CollectionTreeRow, model: SidebarModel) -> some View {
        HStack(spacing: 4) {
            if collection.childCount > 0 {
                Button {
                    model.toggle(collection)
                } label: {
                    Image(systemName: model.collapsed.contains(collection.key) ? "chevron.right" : "chevron.down")
                        .font(.caption)
                }
                .buttonStyle(.borderless)
            }
            row(
                .collection(key: collection.key),
                collection.name,
                systemImage: "folder",
                badge: Int(collection.itemCount)
            )
        }
        .padding(.leading, CGFloat(collection.depth) * 14)
        .contextMenu {
            Button("New Subcollection", systemImage: "folder.badge.plus") {
                newCollectionParent = collection.key
                asksCollectionName = true
            }
            Button("Keep Files Offline", systemImage: "arrow.down.circle") {
                let offline = !(app.files?.offlineCollections.contains(collection.key) ?? false)
                Task { await app.files?.setOffline(offline, collection: collection.key) }
            }
            Button("Move to Trash", systemImage: "trash", role: .destructive) {
                Task { await model.trashCollection(collection.key) }
            }
        }
    }
}
