// Sharing references: a citation or bibliography entry in the chosen
// style (as rich text and plain text), or a RIS or BibTeX file.

import ShelfmarkKit
import SwiftUI

struct ShareView: View {
    @State private var model: ShareModel
    @Environment(\.dismiss) private var dismiss

    init(model: ShareModel) {
        _model = State(initialValue: model)
    }

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Picker("Style", selection: $model.styleID) {
                        ForEach(model.styles, id: \.id) { style in
                            Text(style.title).tag(style.id)
                        }
                    }
                    Picker("Form", selection: $model.bibliography) {
                        Text("Bibliography entry").tag(true)
                        Text("Citation").tag(false)
                    }
                    .pickerStyle(.segmented)
                }
                Section("Preview") {
                    Text(model.preview?.text ?? "")
                        .textSelection(.enabled)
                        .accessibilityIdentifier("share.preview")
                    ShareLink(item: model.citation, preview: SharePreview(model.preview?.subject ?? "Citation")) {
                        Label("Share Citation", systemImage: "quote.opening")
                    }
                }
                Section("Files") {
                    ShareLink(item: model.file(.ris), preview: SharePreview(model.preview?.subject ?? "References")) {
                        Label("RIS File", systemImage: "doc.text")
                    }
                    ShareLink(item: model.file(.bibtex), preview: SharePreview(model.preview?.subject ?? "References")) {
                        Label("BibTeX File", systemImage: "doc.text")
                    }
                }
                if let message = model.errorMessage {
                    Text(message).foregroundStyle(.red)
                }
            }
            .navigationTitle(model.keys.count == 1 ? "Share Reference" : "Share \(model.keys.count) References")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
            .task { await model.load() }
            .onChange(of: model.styleID) { Task { await model.updatePreview() } }
            .onChange(of: model.bibliography) { Task { await model.updatePreview() } }
        }
    }
}

/// The detail column when several items are selected: share them.
struct SelectionSummaryView: View {
    let library: LibraryHandle
    let keys: [String]
    @State private var shares = false

    var body: some View {
        ContentUnavailableView {
            Label("\(keys.count) items selected", systemImage: "doc.on.doc")
        } actions: {
            Button("Share or Cite…") { shares = true }
        }
        .sheet(isPresented: $shares) {
            ShareView(model: ShareModel(library: library, keys: keys))
        }
    }
}
