// The edit form: item type, the type's fields in its order (one line,
// several lines, a date or a web address, as the core says), creators
// (add, remove, reorder, role, single-field names) and tags. Problems are
// shown beside their fields; nothing is kept until Save.

import ShelfmarkKit
import SwiftUI

struct ItemEditorView: View {
    @Bindable var model: ItemEditorModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            Group {
                if model.form != nil {
                    form
                } else if let message = model.errorMessage {
                    ContentUnavailableView("Cannot edit this item", systemImage: "exclamationmark.triangle", description: Text(message))
                } else {
                    ProgressView()
                }
            }
            .navigationTitle(model.isNew ? "New Item" : "Edit Item")
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
                    .disabled(model.isSaving || model.form?.editable != true)
                    .accessibilityIdentifier("editor.save")
                }
            }
        }
        .task { await model.load() }
    }

    @ViewBuilder
    private var form: some View {
        Form {
            if let message = model.errorMessage {
                Section {
                    Label(message, systemImage: "exclamationmark.triangle")
                        .foregroundStyle(.red)
                        .accessibilityIdentifier("editor.error")
                }
            }
            if model.form?.editable == false {
                Section {
                    Label("This group library is read only.", systemImage: "lock")
                }
            }
            Section {
                Picker("Item Type", selection: Binding(
                    get: { model.form?.itemType ?? "" },
                    set: { type in model.changeType(to: type) }
                )) {
                    ForEach(model.types, id: \.name) { type in
                        Text(type.label).tag(type.name)
                    }
                }
                problem(for: "itemType")
                if !model.movedToExtra.isEmpty {
                    let moved = model.movedToExtra.map { field in field.label }
                    Text("Moved to Extra: " + moved.joined(separator: ", "))
                        .font(.caption)
                        .foregroundStyle(.orange)
                }
            }
            if let current = Binding($model.form) {
                Section("Fields") {
                    ForEach(current.fields, id: \.name) { $field in
                        VStack(alignment: .leading, spacing: 2) {
                            FieldInput(field: $field)
                                .onSubmit { model.revalidate() }
                            problem(for: field.name)
                        }
                    }
                }
                Section("Creators") {
                    // By position: a creator has no identity of its own while it is typed.
                    ForEach(current.wrappedValue.creators.indices, id: \.self) { index in
                        CreatorEditor(creator: current.creators[index], types: current.wrappedValue.creatorTypes)
                    }
                    .onDelete { model.removeCreators(at: $0) }
                    .onMove { model.moveCreators(from: $0, to: $1) }
                    Button("Add Creator", systemImage: "person.badge.plus") { model.addCreator() }
                    problem(for: "creators")
                }
                Section("Tags") {
                    ForEach(current.wrappedValue.tags, id: \.name) { tag in
                        Text(tag.name)
                    }
                    .onDelete { model.removeTags(at: $0) }
                    TextField("Add Tag", text: $model.newTag)
                        .onSubmit { model.addTag() }
                    problem(for: "tags")
                }
            }
        }
    }

    @ViewBuilder
    private func problem(for field: String) -> some View {
        if let message = model.problems[field] {
            Text(message)
                .font(.caption)
                .foregroundStyle(.red)
                .accessibilityIdentifier("editor.problem.\(field)")
        }
    }
}

/// One field's input, as its kind asks.
private struct FieldInput: View {
    @Binding var field: FormField

    var body: some View {
        switch field.kind {
        case .multiLine:
            TextField(field.label, text: $field.value, axis: .vertical)
                .lineLimit(3...8)
                .accessibilityIdentifier("editor.field.\(field.name)")
        case .url:
            TextField(field.label, text: $field.value)
                .keyboardType(.URL)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
                .accessibilityIdentifier("editor.field.\(field.name)")
        case .date:
            TextField(field.label, text: $field.value, prompt: Text("\(field.label) (2019, May 2019, 2019-05-03)"))
                .keyboardType(.numbersAndPunctuation)
                .accessibilityIdentifier("editor.field.\(field.name)")
        case .singleLine:
            TextField(field.label, text: $field.value)
                .accessibilityIdentifier("editor.field.\(field.name)")
        }
    }
}

private struct CreatorEditor: View {
    @Binding var creator: Creator
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
