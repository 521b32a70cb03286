// One item: its fields labelled in the type's order, creators, tags,
// collections, notes and attachments with their file state. Edit, share,
// trash or restore; read-only libraries show no edit controls.

import ShelfmarkKit
import SwiftUI
import UniformTypeIdentifiers

struct ItemDetailView: View {
    @State private var model: ItemDetailModel
    @State private var editor: ItemEditorModel?
    @State private var newTag = ""
    @State private var editsNote: NoteDraft?
    @State private var reader: AttachmentRoute?
    @State private var attachesFile = false
    @State private var shares = false

    init(library: LibraryHandle, key: String, editable: Bool = true) {
        _model = State(initialValue: ItemDetailModel(library: library, key: key, editable: editable))
    }

    var body: some View {
        Group {
            if let detail = model.detail {
                content(detail)
            } else if let message = model.errorMessage {
                ContentUnavailableView("Not available", systemImage: "exclamationmark.triangle", description: Text(message))
            } else {
                ProgressView()
            }
        }
        .task { await model.follow() }
        .sheet(item: $editor) { form in
            ItemEditorView(model: form)
        }
        .sheet(item: $editsNote) { draft in
            NoteEditorView(draft: draft) { html in
                if let key = draft.key {
                    await model.updateNote(key: key, html: html)
                } else {
                    await model.addNote(html: html)
                }
            }
        }
        .sheet(isPresented: $shares) {
            ShareView(model: ShareModel(library: model.library, keys: [model.key]))
        }
        .fullScreenCover(item: $reader) { route in
            PDFReaderView(library: model.library, attachmentKey: route.key, title: route.title, editable: model.editable)
        }
        .fileImporter(isPresented: $attachesFile, allowedContentTypes: [.item]) { result in
            if case let .success(url) = result {
                Task { await model.attach(fileAt: url) }
            }
        }
    }

    private func content(_ detail: ItemDetail) -> some View {
        Form {
            Section {
                Text(detail.title.isEmpty ? "Untitled" : detail.title)
                    .font(.title3.weight(.semibold))
                    .accessibilityIdentifier("detail.title")
                LabeledContent("Item Type", value: detail.itemTypeLabel)
                ForEach(detail.creators, id: \.self) { creator in
                    LabeledContent(creator.label, value: creator.singleName
                        ? creator.lastName
                        : "\(creator.lastName), \(creator.firstName)")
                }
                ForEach(detail.fields.filter { field in !field.value.isEmpty && field.name != "title" }, id: \.name) { field in
                    LabeledContent(field.label) {
                        Text(field.value).textSelection(.enabled)
                    }
                }
            }

            Section("Tags") {
                ForEach(detail.tags, id: \.name) { tag in
                    Text(tag.name)
                        .swipeActions {
                            if model.editable {
                                Button("Remove", role: .destructive) { Task { await model.removeTag(tag.name) } }
                            }
                        }
                }
                if model.editable {
                    TextField("Add Tag", text: $newTag)
                        .onSubmit {
                            let tag = newTag
                            newTag = ""
                            Task { await model.addTag(tag) }
                        }
                }
            }

            if !detail.collections.isEmpty || model.editable {
                Section("Collections") {
                    ForEach(detail.collections, id: \.self) { key in
                        Text(model.collectionNames[key] ?? key)
                            .swipeActions {
                                if model.editable {
                                    Button("Remove", role: .destructive) { Task { await model.remove(fromCollection: key) } }
                                }
                            }
                    }
                    if model.editable {
                        Menu("Add to Collection") {
                            ForEach(model.allCollections.filter { collection in !detail.collections.contains(collection.key) }, id: \.key) { collection in
                                Button(collection.name) { Task { await model.add(toCollection: collection.key) } }
                            }
                        }
                    }
                }
            }

            Section("Notes") {
                ForEach(model.notes, id: \.key) { note in
                    Button {
                        editsNote = NoteDraft(key: note.key, html: note.note ?? "")
                    } label: {
                        Text(note.title.isEmpty ? "Note" : note.title).lineLimit(3)
                    }
                    .disabled(!model.editable)
                }
                if model.editable {
                    Button("Add Note", systemImage: "note.text.badge.plus") {
                        editsNote = NoteDraft(key: nil, html: "")
                    }
                }
            }

            Section("Attachments") {
                ForEach(model.attachments, id: \.key) { attachment in
                    attachmentRow(attachment)
                }
                if model.editable {
                    Button("Attach File…", systemImage: "paperclip") { attachesFile = true }
                }
            }

            if let message = model.errorMessage {
                Section {
                    Text(message).foregroundStyle(.red)
                }
            }
        }
        .navigationTitle(detail.itemTypeLabel)
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItemGroup(placement: .primaryAction) {
                Button("Share", systemImage: "square.and.arrow.up") { shares = true }
                if model.editable {
                    if detail.inTrash {
                        Button("Restore", systemImage: "arrow.uturn.backward") { Task { await model.restore() } }
                    } else {
                        Button("Edit") { editor = ItemEditorModel(library: model.library, editingItem: detail.key) }
                            .accessibilityIdentifier("detail.edit")
                        Button("Move to Trash", systemImage: "trash") { Task { await model.trash() } }
                    }
                }
            }
        }
    }

    private func attachmentRow(_ attachment: ItemDetail) -> some View {
        let state = model.fileStates[attachment.key]
        let isPDF = state?.contentType == "application/pdf"
        return Button {
            if isPDF {
                reader = AttachmentRoute(key: attachment.key, title: attachment.title)
            }
        } label: {
            HStack {
                Image(systemName: isPDF ? "doc.richtext" : "doc")
                VStack(alignment: .leading) {
                    Text(attachment.title.isEmpty ? (state?.filename ?? "Attachment") : attachment.title)
                    if let status = state?.status {
                        Label(status.summary, systemImage: status.systemImage)
                            .font(.caption)
                            .foregroundStyle(.secondary)
                    }
                    if let marks = model.annotations[attachment.key], !marks.isEmpty {
                        Text(marks.count == 1 ? "1 annotation" : "\(marks.count) annotations")
                            .font(.caption)
                            .foregroundStyle(.secondary)
                    }
                }
            }
        }
        .disabled(!isPDF)
    }
}

/// An attachment opened in the reader.
struct AttachmentRoute: Identifiable, Hashable {
    let key: String
    let title: String

    var id: String { key }
}
