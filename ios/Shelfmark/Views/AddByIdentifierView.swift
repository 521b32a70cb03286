// "Add by Identifier": DOIs, ISBNs, PubMed ids and arXiv ids typed,
// pasted as a list or scanned from a book's barcode; each is looked up
// and shown (found, already in the library, or why not) before the user
// picks which to add.

import ShelfmarkKit
import SwiftUI

struct AddByIdentifierView: View {
    @State private var model: LookupModel
    @State private var scans = false
    @Environment(\.dismiss) private var dismiss

    init(library: LibraryHandle, collectionKey: String?) {
        _model = State(initialValue: LookupModel(library: library, collectionKey: collectionKey))
    }

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField("DOI, ISBN, PMID or arXiv id", text: $model.text, axis: .vertical)
                        .lineLimit(3...10)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .font(.body.monospaced())
                        .accessibilityIdentifier("lookup.text")
                    Button("Look Up", systemImage: "magnifyingglass") {
                        Task { await model.lookUp() }
                    }
                    .disabled(!model.canLookUp)
                    .accessibilityIdentifier("lookup.lookUp")
                    if BarcodeScannerView.isAvailable {
                        Button("Scan a Book's Barcode", systemImage: "barcode.viewfinder") { scans = true }
                    }
                } footer: {
                    Text("One or more identifiers, one a line or a whole pasted reference list.")
                }
                if model.isLookingUp {
                    Section { ProgressView("Looking up…") }
                }
                if let message = model.errorMessage {
                    Section {
                        Label(message, systemImage: "exclamationmark.triangle").foregroundStyle(.red)
                    }
                }
                if !model.results.isEmpty {
                    Section("Results") {
                        ForEach(model.results.indices, id: \.self) { index in
                            resultRow(index)
                        }
                    }
                    if model.selectionHasDuplicates {
                        Section("Already in the library") {
                            Picker("Picked duplicates", selection: $model.onDuplicate) {
                                Text("Keep the library's item").tag(LookupDuplicateAction.useExisting)
                                Text("Fill it in with what was found").tag(LookupDuplicateAction.merge)
                                Text("Add a second item").tag(LookupDuplicateAction.addAnyway)
                            }
                            .pickerStyle(.inline)
                            .labelsHidden()
                        }
                    }
                }
                if let added = model.added {
                    Section("Added") {
                        LabeledContent("New items", value: "\(model.createdCount)")
                            .accessibilityIdentifier("lookup.created")
                        ForEach(added, id: \.self) { entry in
                            addedRow(entry)
                        }
                    }
                }
            }
            .navigationTitle("Add by Identifier")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button(model.added == nil ? "Cancel" : "Done") { dismiss() }
                        .disabled(model.isAdding)
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Add") { Task { await model.add() } }
                        .disabled(!model.canAdd)
                        .accessibilityIdentifier("lookup.add")
                }
            }
            .sheet(isPresented: $scans) {
                BarcodeScannerSheet { payload in
                    scans = false
                    Task { await model.addScanned(payload) }
                }
            }
        }
    }

    @ViewBuilder
    private func resultRow(_ index: Int) -> some View {
        let result: LookupResult = model.results[index]
        if model.canSelect(index) {
            Button {
                model.toggle(index)
            } label: {
                HStack(alignment: .top) {
                    Image(systemName: model.isSelected(index) ? "checkmark.circle.fill" : "circle")
                        .foregroundStyle(Color.accentColor)
                    resultText(result)
                }
                .contentShape(Rectangle())
            }
            .buttonStyle(.plain)
            .accessibilityAddTraits(model.isSelected(index) ? .isSelected : [])
        } else {
            HStack(alignment: .top) {
                Image(systemName: "circle.slash").foregroundStyle(.secondary)
                resultText(result)
            }
        }
    }

    private func resultText(_ result: LookupResult) -> some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(result.identifierKind.map { kind in "\(kind) \(result.identifier ?? result.input)" } ?? result.input)
                .font(.caption.monospaced())
                .foregroundStyle(.secondary)
            resultDetail(result)
        }
    }

    @ViewBuilder
    private func resultDetail(_ result: LookupResult) -> some View {
        switch result.status {
        case .found:
            if let item = result.preview {
                previewText(item, source: result.source)
            }
        case .alreadyInLibrary:
            if let item = result.preview {
                previewText(item, source: result.source)
            }
            let existing = result.existingKey.flatMap { key in model.existingTitles[key] } ?? "an item"
            Label("In the library as “\(existing)”", systemImage: "books.vertical")
                .font(.caption)
                .foregroundStyle(.orange)
            if let reason = result.duplicateReason {
                Text(reason).font(.caption2).foregroundStyle(.secondary)
            }
        case .malformed, .notFound, .unreachable, .rateLimited, .badAnswer:
            Label(result.message ?? "Not found", systemImage: "xmark.octagon")
                .font(.callout)
                .foregroundStyle(.red)
        }
    }

    private func previewText(_ item: ItemDetail, source: LookupService?) -> some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(item.title.isEmpty ? "Untitled" : item.title).lineLimit(3)
            HStack {
                Text(LookupModel.creatorSummary(item))
                if let year = LookupModel.year(item) {
                    Text(year)
                }
            }
            .font(.caption)
            .foregroundStyle(.secondary)
            HStack {
                Text(item.itemTypeLabel)
                if let source {
                    Text("from \(LookupModel.serviceName(source))")
                }
            }
            .font(.caption2)
            .foregroundStyle(.tertiary)
        }
    }

    private func addedRow(_ entry: LookupAdded) -> some View {
        let outcome: String
        switch entry.status {
        case .created: outcome = "Added"
        case .existing: outcome = "Already in the library"
        case .merged: outcome = "Filled in the library's item"
        case .skipped: outcome = "Not added"
        }
        return LabeledContent(entry.input, value: outcome)
    }
}
