// Sync Status (the status in the core's words, each library's state, the
// recent runs and their errors by kind), Sync Conflicts with their
// history, and the held-deletions confirmation.

import ShelfmarkKit
import SwiftUI

struct SyncStatusView: View {
    let model: SyncModel
    @Environment(AppModel.self) private var app

    var body: some View {
        List {
            if let status = model.statusText {
                Section {
                    Label {
                        VStack(alignment: .leading, spacing: 2) {
                            Text(status.headline).font(.headline)
                                .accessibilityIdentifier("sync.headline")
                            if let detail = status.detail {
                                Text(detail).font(.subheadline).foregroundStyle(.secondary)
                            }
                            if let message = status.errorMessage {
                                Text(message).font(.caption).foregroundStyle(.red)
                            }
                        }
                    } icon: {
                        Image(systemName: status.condition.systemImage)
                            .foregroundStyle(status.condition.tint)
                    }
                }
            }
            Section {
                if model.isSyncing {
                    SyncProgressRow(progress: model.progress)
                    Button("Stop", role: .cancel) { model.cancel() }
                } else {
                    Button("Sync Now", systemImage: "arrow.triangle.2.circlepath") { model.syncNow() }
                        .disabled(app.account == nil)
                        .accessibilityIdentifier("sync.now")
                }
                if app.account == nil {
                    Text("Sign in from Settings to sync this library.")
                        .foregroundStyle(.secondary)
                        .accessibilityIdentifier("sync.signedOut")
                }
                if let message = model.errorMessage {
                    Label(message, systemImage: "exclamationmark.triangle").foregroundStyle(.red)
                }
            }
            if let summary = model.lastSummary {
                Section("Last Sync") {
                    ForEach(summary.libraries, id: \.libraryId) { report in
                        VStack(alignment: .leading, spacing: 2) {
                            Text(report.name).font(.headline)
                            Text("Down \(report.downloaded.items) · up \(report.uploaded.items) items")
                                .font(.caption)
                            if report.conflicts > 0 {
                                Text("\(report.conflicts) conflicts").font(.caption).foregroundStyle(.orange)
                            }
                            ForEach(report.notices, id: \.self) { notice in
                                Text(notice).font(.caption).foregroundStyle(.secondary)
                            }
                            ForEach(report.problems, id: \.self) { problem in
                                Text(problem).font(.caption).foregroundStyle(.red)
                            }
                            if let error = report.error {
                                Text("\(report.errorKind ?? "error"): \(error)").font(.caption).foregroundStyle(.red)
                            }
                        }
                    }
                }
            }
            Section("Libraries") {
                ForEach(model.statuses, id: \.libraryId) { status in
                    LibraryStatusRow(status: status)
                }
            }
            Section("Recent Runs") {
                ForEach(model.runs, id: \.self) { run in
                    VStack(alignment: .leading, spacing: 2) {
                        HStack {
                            Text(run.outcome).font(.subheadline.weight(.medium))
                            Spacer()
                            Text(timeAgoText(timestamp: run.started, nowEpochSeconds: nil))
                                .font(.caption)
                                .foregroundStyle(.secondary)
                        }
                        if let kind = run.errorKind {
                            Text("\(kind): \(run.message ?? "")").font(.caption).foregroundStyle(.red)
                        }
                    }
                }
            }
        }
        .navigationTitle("Sync Status")
        .task { await model.refresh() }
        .refreshable { await model.refresh() }
    }
}

struct LibraryStatusRow: View {
    let status: LibrarySyncStatus

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            HStack {
                Text(status.name).font(.headline)
                if !status.editable {
                    Image(systemName: "lock").foregroundStyle(.secondary)
                }
            }
            Text("\(status.unsynced) changes to upload · version \(status.version)")
                .font(.caption)
            if status.conflicts > 0 {
                Text("\(status.conflicts) conflicts").font(.caption).foregroundStyle(.orange)
            }
            if status.deletionsToConfirm > 0 {
                Text("\(status.deletionsToConfirm) deletions wait for confirmation").font(.caption).foregroundStyle(.orange)
            }
            if status.fulltextPending > 0 {
                Text("Full text of \(status.fulltextPending) items still to index").font(.caption).foregroundStyle(.secondary)
            }
        }
    }
}

struct ConflictsView: View {
    let model: SyncModel
    @State private var typing: SyncConflict?
    @State private var confirmsAll: Bool?

    var body: some View {
        List {
            if model.conflicts.isEmpty {
                ContentUnavailableView("No conflicts", systemImage: "checkmark.circle")
            }
            ForEach(model.conflicts, id: \.self) { conflict in
                Section {
                    ForEach(conflict.fields, id: \.field) { field in
                        VStack(alignment: .leading, spacing: 4) {
                            Text(field.field).font(.caption.weight(.semibold))
                            LabeledContent("Here", value: field.local ?? "—")
                            LabeledContent("Online", value: field.remote ?? "—")
                        }
                    }
                    HStack {
                        Button("Keep Here") { Task { await model.keepLocal(conflict) } }
                        Spacer()
                        Button("Keep Online") { Task { await model.keepRemote(conflict) } }
                        Spacer()
                        Button("Type Values…") { typing = conflict }
                    }
                    .buttonStyle(.borderless)
                } header: {
                    Text("\(conflict.title) (\(conflict.objectType))")
                }
            }
            if !model.history.isEmpty {
                Section("Resolved") {
                    ForEach(model.history, id: \.id) { entry in
                        HStack {
                            VStack(alignment: .leading) {
                                Text(entry.title)
                                Text("Kept \(entry.chosen) · \(entry.fields.joined(separator: ", ")) · \(timeAgoText(timestamp: entry.resolvedAt, nowEpochSeconds: nil))")
                                    .font(.caption)
                                    .foregroundStyle(.secondary)
                            }
                            Spacer()
                            if entry.restoredAt == nil {
                                Button("Restore Other") { Task { await model.restore(entry) } }
                                    .buttonStyle(.borderless)
                            } else {
                                Text("Restored").font(.caption).foregroundStyle(.secondary)
                            }
                        }
                    }
                }
            }
        }
        .navigationTitle("Sync Conflicts")
        .toolbar {
            if !model.conflicts.isEmpty {
                Menu("Resolve All") {
                    Button("Keep All Here") { confirmsAll = true }
                    Button("Keep All Online") { confirmsAll = false }
                }
            }
        }
        .confirmationDialog(
            "Resolve every conflict?",
            isPresented: Binding(get: { confirmsAll != nil }, set: { shown in if !shown { confirmsAll = nil } }),
            titleVisibility: .visible
        ) {
            Button(confirmsAll == true ? "Keep All Here" : "Keep All Online") {
                let local = confirmsAll == true
                Task { await model.keepAll(local: local) }
            }
        } message: {
            Text("The other versions stay in the history below and can be restored.")
        }
        .sheet(item: $typing) { conflict in
            ConflictValuesView(conflict: conflict) { values in
                await model.keep(values, for: conflict)
            }
        }
        .task { await model.refresh() }
    }
}

extension SyncConflict: Identifiable {
    var id: String { "\(libraryId)/\(key)" }
}

/// Typing the value to keep for each conflicting field.
private struct ConflictValuesView: View {
    let conflict: SyncConflict
    let save: ([String: String]) async -> Void
    @State private var values: [String: String] = [:]
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            Form {
                ForEach(conflict.fields, id: \.field) { field in
                    Section(field.field) {
                        TextField(
                            field.field,
                            text: Binding(get: { values[field.field] ?? "" }, set: { values[field.field] = $0 }),
                            axis: .vertical
                        )
                        Button("Use Here: \(field.local ?? "—")") { values[field.field] = field.local ?? "" }
                        Button("Use Online: \(field.remote ?? "—")") { values[field.field] = field.remote ?? "" }
                    }
                }
            }
            .navigationTitle(conflict.title)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Cancel") { dismiss() }
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Keep") {
                        Task {
                            await save(values)
                            dismiss()
                        }
                    }
                }
            }
            .onAppear {
                for field in conflict.fields where values[field.field] == nil {
                    values[field.field] = field.local ?? ""
                }
            }
        }
    }
}

/// A sync held back many deletions: the core's dialog, listing them by
/// library and direction, before anything is deleted.
struct DeletionConfirmationView: View {
    let model: SyncModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            if let confirmation = model.confirmation {
                List {
                    Section {
                        Text(confirmation.message)
                    }
                    ForEach(confirmation.groups, id: \.self) { group in
                        Section {
                            ForEach(group.objects, id: \.self) { deletion in
                                VStack(alignment: .leading) {
                                    Text(deletion.title.isEmpty ? deletion.key : deletion.title)
                                    Text(deletion.objectType).font(.caption).foregroundStyle(.secondary)
                                }
                            }
                        } header: {
                            Text(group.libraryName)
                        } footer: {
                            Text(group.summary)
                        }
                    }
                }
                .navigationTitle(confirmation.title)
                .navigationBarTitleDisplayMode(.inline)
                .toolbar {
                    ToolbarItem(placement: .cancellationAction) {
                        Button("Not Now") { dismiss() }
                    }
                    ToolbarItem(placement: .destructiveAction) {
                        Button(confirmation.confirmLabel, role: .destructive) {
                            Task { await model.confirmHeldDeletions() }
                            dismiss()
                        }
                    }
                }
            }
        }
    }
}

extension SyncCondition {
    var systemImage: String {
        switch self {
        case .notSignedIn: return "person.crop.circle.badge.questionmark"
        case .notSyncedYet: return "icloud"
        case .upToDate: return "checkmark.icloud"
        case .changesWaiting: return "arrow.triangle.2.circlepath.icloud"
        case .needsAttention: return "exclamationmark.icloud"
        case .failed: return "xmark.icloud"
        }
    }

    var tint: Color {
        switch self {
        case .upToDate: return .green
        case .needsAttention: return .orange
        case .failed: return .red
        case .notSignedIn, .notSyncedYet, .changesWaiting: return .secondary
        }
    }
}
