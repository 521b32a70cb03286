// The result of importing a file: what was created (by type), what was
// kept in Extra, skipped, or found already in the library; for a PDF, the
// reference it was filed under.

import ShelfmarkKit
import SwiftUI

struct ImportReportView: View {
    let model: ImportModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            List {
                if model.isRunning {
                    Section {
                        if let fraction = model.fraction {
                            ProgressView("Importing \(model.fileName)…", value: fraction)
                        } else {
                            ProgressView("Importing \(model.fileName)…")
                        }
                    }
                }
                if let message = model.errorMessage {
                    Section {
                        Label(message, systemImage: "exclamationmark.triangle").foregroundStyle(.red)
                    }
                }
                if let filed = model.filedPdf {
                    Section("Imported") {
                        if let identifier = filed.identifier, filed.parentKey != nil {
                            LabeledContent(filed.parentCreated ? "Added the reference" : "Filed under the library's reference", value: identifier)
                                .accessibilityIdentifier("import.pdfParent")
                        } else {
                            Text("No DOI or arXiv id could be looked up; the PDF is a standalone attachment.")
                                .accessibilityIdentifier("import.pdfStandalone")
                        }
                    }
                    if !filed.failures.isEmpty {
                        Section("Not found") {
                            ForEach(filed.failures, id: \.self) { failure in
                                Text(failure)
                            }
                        }
                    }
                }
                if let report = model.report {
                    Section("Imported") {
                        LabeledContent("New items", value: "\(report.created.count)")
                            .accessibilityIdentifier("import.created")
                        ForEach(model.createdByType, id: \.type) { entry in
                            LabeledContent(entry.type, value: "\(entry.count)")
                        }
                        if report.collectionsCreated > 0 {
                            LabeledContent("New collections", value: "\(report.collectionsCreated)")
                        }
                    }
                    if !report.duplicates.isEmpty {
                        Section("Already in the library") {
                            ForEach(report.duplicates, id: \.self) { duplicate in
                                Text("Record \(duplicate.record): \(duplicate.reason)")
                            }
                        }
                    }
                    if !report.keptInExtra.isEmpty {
                        Section("Kept in Extra") {
                            ForEach(report.keptInExtra, id: \.self) { note in
                                Text("Record \(note.record): \(note.message)")
                            }
                        }
                    }
                    if !report.skipped.isEmpty {
                        Section("Skipped") {
                            ForEach(report.skipped, id: \.self) { note in
                                Text("Record \(note.record): \(note.message)")
                            }
                        }
                    }
                }
            }
            .navigationTitle(model.fileName)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }.disabled(model.isRunning)
                }
            }
        }
    }
}
