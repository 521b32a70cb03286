// The item list of a sidebar selection: live rows from the core, sorted
// by creator, title, date or date added; quick or "everything" search;
// new item, add by identifier, import, share and drag out a reference as
// its citation.

import ShelfmarkKit
import SwiftUI
import UniformTypeIdentifiers

struct ItemListView: View {
    @State private var model: ItemListModel
    let title: String
    /// False in a read-only group library: no new, trash or restore.
    let editable: Bool
    let stacked: Bool
    @Binding var selection: Set<String>
    @Binding var searchRequested: Bool
    let onNewItem: () -> Void
    @Environment(AppModel.self) private var app
    @State private var importsFile = false
    @State private var addsByIdentifier = false
    @State private var sharesSelection = false
    @State private var confirmsEmptyTrash = false

    init(
        library: LibraryHandle,
        filter: ItemFilter,
        title: String,
        editable: Bool,
        stacked: Bool,
        selection: Binding<Set<String>>,
        searchRequested: Binding<Bool>,
        onNewItem: @escaping () -> Void
    ) {
        _model = State(initialValue: ItemListModel(library: library, filter: filter))
        self.title = title
        self.editable = editable
        self.stacked = stacked
        _selection = selection
        _searchRequested = searchRequested
        self.onNewItem = onNewItem
    }

    var body: some View {
        List(selection: $selection) {
            ForEach(model.rows, id: \.key) { row in
                rowView(row)
                    .onAppear { model.rowAppeared(row) }
                    .draggable(citation(for: [row.key]))
                    .contextMenu { contextMenu(for: row) }
                    .swipeActions {
                        if !editable {
                            EmptyView()
                        } else if model.filter.trash {
                            Button("Restore") { Task { await model.restore([row.key]) } }
                        } else {
                            Button("Trash", role: .destructive) { Task { await model.trash([row.key]) } }
                        }
                    }
            }
        }
        .overlay {
            if model.rows.isEmpty {
                if model.isSearching {
                    ContentUnavailableView.search(text: model.searchText)
                } else {
                    ContentUnavailableView(title, systemImage: "books.vertical", description: Text("No items"))
                }
            }
        }
        .navigationTitle(title)
        .navigationBarTitleDisplayMode(.inline)
        .searchable(text: $model.searchText, isPresented: $searchRequested, prompt: Text("Title, creator, year"))
        .searchScopes($model.searchMode) {
            Text("Quick").tag(SearchMode.quick)
            Text("Everything").tag(SearchMode.everything)
        }
        .task(id: model.watchedQuery) { await model.watch() }
        .task(id: model.searchKey) { await model.search() }
        .toolbar { toolbar }
        .fileImporter(isPresented: $importsFile, allowedContentTypes: UTType.referenceFiles + [.pdf]) { result in
            if case let .success(url) = result {
                app.importOpenedFile(url)
            }
        }
        .sheet(isPresented: $addsByIdentifier) {
            AddByIdentifierView(library: model.library, collectionKey: model.filter.collection)
        }
        .sheet(isPresented: $sharesSelection) {
            ShareView(model: ShareModel(library: model.library, keys: Array(selection)))
        }
        .confirmationDialog("Empty the trash?", isPresented: $confirmsEmptyTrash, titleVisibility: .visible) {
            Button("Empty Trash", role: .destructive) { Task { await model.emptyTrash() } }
        } message: {
            Text("The items in the trash are deleted for good, here and online.")
        }
        .safeAreaInset(edge: .bottom) {
            if let message = model.errorMessage {
                Text(message)
                    .font(.footnote)
                    .foregroundStyle(.red)
                    .padding(8)
            }
        }
    }

    @ViewBuilder
    private func rowView(_ row: ItemRow) -> some View {
        if stacked {
            NavigationLink(value: ItemRoute(key: row.key, libraryId: model.library.libraryId(), editable: editable)) {
                ItemRowView(row: row)
            }
        } else {
            ItemRowView(row: row)
        }
    }

    @ViewBuilder
    private func contextMenu(for row: ItemRow) -> some View {
        ShareLink(item: citation(for: [row.key]), preview: SharePreview(row.title))
        Button("Cite…", systemImage: "quote.opening") {
            selection = [row.key]
            sharesSelection = true
        }
        if editable && model.filter.trash {
            Button("Restore", systemImage: "arrow.uturn.backward") { Task { await model.restore([row.key]) } }
        } else if editable {
            Button("Move to Trash", systemImage: "trash", role: .destructive) { Task { await model.trash([row.key]) } }
        }
    }

    @ToolbarContentBuilder
    private var toolbar: some ToolbarContent {
        ToolbarItemGroup(placement: .primaryAction) {
            if editable && !model.filter.trash {
                Menu {
                    Button("New Item", systemImage: "square.and.pencil", action: onNewItem)
                        .accessibilityIdentifier("list.newItem")
                    Button("Add by Identifier…", systemImage: "barcode.viewfinder") { addsByIdentifier = true }
                        .accessibilityIdentifier("list.addByIdentifier")
                    Button("Import File…", systemImage: "square.and.arrow.down") { importsFile = true }
                } label: {
                    Label("Add", systemImage: "plus")
                }
                .accessibilityIdentifier("list.add")
            }
            Menu {
                Picker("Sort by", selection: $model.sort) {
                    Text("Creator").tag(SortField.creator)
                    Text("Title").tag(SortField.title)
                    Text("Date").tag(SortField.date)
                    Text("Date Added").tag(SortField.dateAdded)
                }
                Toggle("Descending", isOn: $model.descending)
            } label: {
                Label("Sort", systemImage: "arrow.up.arrow.down")
            }
            Menu {
                Button("Share Selection…", systemImage: "square.and.arrow.up") { sharesSelection = true }
                    .disabled(selection.isEmpty)
                Button("Sync Now", systemImage: "arrow.triangle.2.circlepath") { app.sync?.syncNow() }
                    .disabled(app.account == nil)
                if editable && model.filter.trash {
                    Button("Empty Trash…", systemImage: "trash.slash", role: .destructive) { confirmsEmptyTrash = true }
                }
            } label: {
                Label("More", systemImage: "ellipsis.circle")
            }
        }
        ToolbarItem(placement: .status) {
            Text(model.total == 1 ? "1 item" : "\(model.total) items")
                .font(.caption)
                .foregroundStyle(.secondary)
        }
    }

    /// A row dragged or shared from its menu: its bibliography entry in the
    /// style chosen last.
    private func citation(for keys: [String]) -> SharedReferences {
        SharedReferences(
            sharing: model.library.sharing(),
            keys: keys,
            format: .bibliography(style: ShareModel.rememberedStyle)
        )
    }
}

/// A list row: title, creators and year, type; a count of notes and
/// attachments.
struct ItemRowView: View {
    let row: ItemRow

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(row.title.isEmpty ? "Untitled" : row.title)
                .font(.body)
                .lineLimit(2)
            HStack {
                Text(row.creatorSummary)
                if let year = row.year {
                    Text(String(year))
                }
                Spacer()
                if row.numChildren > 0 {
                    Label("\(row.numChildren)", systemImage: "paperclip")
                        .labelStyle(.titleAndIcon)
                }
            }
            .font(.caption)
            .foregroundStyle(.secondary)
            Text(row.itemTypeLabel)
                .font(.caption2)
                .foregroundStyle(.tertiary)
        }
        .accessibilityElement(children: .combine)
        .accessibilityIdentifier("item.\(row.title)")
    }
}
