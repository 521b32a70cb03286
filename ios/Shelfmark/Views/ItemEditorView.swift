// The edit form: item type, the type's fields in its order, creators
// (add, remove, reorder, change their role) and tags. Nothing is kept
// until Save; a refused value is named in the message and the form stays.

import ShelfmarkKit
import SwiftUI

struct ItemEditorView: View {
    @Bindable var model: ItemEditorModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            Form {
                if let message = model.errorMessage {
                    Section {
                        Label(message, systemImage: "exclamationmark.triangle")
                            .foregroundStyle(.red)
                            .accessibilityIdentifier("editor.error")
                    }
                }
                Section {
                    Picker("Item Type", selection: Binding(get: { model.itemType }, set: { model.changeType(to: $0) })) {
                        ForEach(model.types, id: \.name) { type in
                            Text(type.label).tag(type.name)
                        }
                    }
                }
                Section("Fields") {
                    ForEach($model.fields) { $field in
                        TextField(field.label, text: $field.value, axis: .vertical)
                            .accessibilityIdentifier("editor.field.\(field.name)")
                    }
                }
                Section("Creators") {
                    ForEach($model.creators) { $creator in
                        CreatorEditor(creator: $creator, types: model.creatorTypes)
                    }
                    .onDelete { model.removeCreators(at: $0) }
                    .onMove { model.moveCreators(from: $0, to: $1) }
                    Button("Add Creator", systemImage: "person.badge.plus") { model.addCreator() }
                }
                Section("Tags") {
                    ForEach(model.tags, id: \.self) { tag in
                        Text(tag)
                    }
                    .onDelete { model.removeTags(at: $0) }
                    TextField("Add Tag", text: $model.newTag)
                        .onSubmit { model.addTag() }
                }
            }
            .navigationTitle(model.key == nil ? "New Item" : "Edit Item")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Cancel") { dismiss() }
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Save") {
                        Task {
                            if await model.save() != nil {
                                dismiss()
                            }
                        }
                    }
                    .disabled(model.isSaving)
                    .accessibilityIdentifier("editor.save")
                }
            }
        }
    }
}

private struct CreatorEditor: View {
    @Binding var creator: ItemEditorModel.CreatorEntry
    let types: [CreatorTypeInfo]

    var body: some View {
        VStack(alignment: .leading) {
            Picker("Role", selection: $creator.creatorType) {
                ForEach(types, id: \.name) { type in
                    Text(type.label).tag(type.name)
                }
            }
            if creator.singleName {
                TextField("Name", text: $creator.lastName)
            } else {
                TextField("Last name", text: $creator.lastName)
                TextField("First name", text: $creator.firstName)
            }
            Toggle("Single field (organisation)", isOn: $creator.singleName)
                .font(.caption)
        }
    }
}
