// Settings: the account (sign in, sign out), attachment files (which are
// downloaded, Wi-Fi only, cache budget, free space) and resetting the
// sync, behind a confirmation that says what each mode does.

import ShelfmarkKit
import SwiftUI

struct SettingsView: View {
    @Environment(AppModel.self) private var app
    @Environment(\.dismiss) private var dismiss
    @State private var resetChoice: SyncResetChoice?
    @State private var confirmsSignOut = false
    @State private var budgetMegabytes: Double = 2000

    var body: some View {
        NavigationStack {
            Form {
                accountSection
                if let files = app.files {
                    filesSection(files)
                }
                if app.account != nil, let sync = app.sync {
                    resetSection(sync)
                }
                Section("Diagnostics") {
                    Text("The library logs to the unified log, subsystem org.shelfmark (Console.app). Keys and passwords are never written.")
                        .font(.footnote)
                        .foregroundStyle(.secondary)
                }
            }
            .navigationTitle("Settings")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
            .task {
                await app.files?.load()
                if let budget = app.files?.settings?.cacheBudget {
                    budgetMegabytes = Double(budget / 1_000_000)
                }
            }
        }
    }

    @ViewBuilder
    private var accountSection: some View {
        Section("Account") {
            if let account = app.account {
                LabeledContent("Server", value: account.serverUrl)
                LabeledContent("User", value: String(account.userId))
                Button("Sign Out", role: .destructive) { confirmsSignOut = true }
                    .confirmationDialog("Sign out?", isPresented: $confirmsSignOut, titleVisibility: .visible) {
                        Button("Sign Out", role: .destructive) {
                            Task {
                                await app.signOut()
                                dismiss()
                            }
                        }
                    } message: {
                        Text("The library stays on this device. Signing in again joins it with the online library without duplicates.")
                    }
            } else {
                Button("Sign In…") {
                    dismiss()
                    app.startSignIn()
                }
            }
        }
    }

    private func filesSection(_ files: FilesModel) -> some View {
        Section {
            Picker("Download files", selection: Binding(
                get: { PolicyChoice(files.settings?.download) },
                set: { choice in Task { await files.setPolicy(choice.policy(keeping: files.offlineCollections)) } }
            )) {
                Text("When opened").tag(PolicyChoice.onDemand)
                Text("All").tag(PolicyChoice.all)
                Text("Offline collections").tag(PolicyChoice.collections)
            }
            Toggle("Download only on Wi-Fi", isOn: Binding(
                get: { files.settings?.unmeteredOnly ?? false },
                set: { waits in Task { await files.setWaitsForWiFi(waits) } }
            ))
            Toggle("Limit space for files", isOn: Binding(
                get: { files.settings?.cacheBudget != nil },
                set: { limited in
                    Task { await files.setCacheBudget(megabytes: limited ? UInt64(budgetMegabytes) : nil) }
                }
            ))
            if files.settings?.cacheBudget != nil {
                VStack(alignment: .leading) {
                    Text("At most \(Int(budgetMegabytes)) MB")
                    Slider(value: $budgetMegabytes, in: 200...20_000, step: 200, onEditingChanged: { editing in
                        if !editing {
                            Task { await files.setCacheBudget(megabytes: UInt64(budgetMegabytes)) }
                        }
                    })
                }
            }
            LabeledContent("Stored here", value: ByteCountFormatter.string(fromByteCount: Int64(files.storedBytes), countStyle: .file))
            Button("Remove Downloaded Files") { Task { await files.evictAll() } }
            Button("Retry Uploads") { Task { await files.retryUploads() } }
            if let eviction = files.lastEviction, eviction.files > 0 {
                Text("Removed \(eviction.files) files (\(ByteCountFormatter.string(fromByteCount: Int64(eviction.bytes), countStyle: .file)))")
                    .font(.caption)
            }
            if let message = files.errorMessage {
                Text(message).foregroundStyle(.red)
            }
        } header: {
            Text("Files")
        } footer: {
            Text("Files changed here and not yet uploaded are never removed. Mark collections for offline use from their menu in the sidebar.")
        }
    }

    private func resetSection(_ sync: SyncModel) -> some View {
        Section {
            ForEach(sync.resetChoices, id: \.mode) { choice in
                Button(role: choice.destructive ? .destructive : nil) {
                    resetChoice = choice
                } label: {
                    VStack(alignment: .leading, spacing: 2) {
                        Text(choice.title)
                        Text(choice.description).font(.caption).foregroundStyle(.secondary)
                    }
                }
            }
            if let reset = sync.lastReset {
                Text("Backup written to \(reset.backupPath)").font(.caption)
            }
        } header: {
            Text("Reset Sync")
        }
        .confirmationDialog(
            resetChoice?.title ?? "",
            isPresented: Binding(get: { resetChoice != nil }, set: { shown in if !shown { resetChoice = nil } }),
            titleVisibility: .visible,
            presenting: resetChoice
        ) { choice in
            Button(choice.title, role: choice.destructive ? .destructive : nil) {
                Task { await sync.reset(choice.mode) }
            }
        } message: { choice in
            Text(choice.confirmation)
        }
    }
}

/// The download policy as a picker choice (the offline collections are
/// chosen in the sidebar).
private enum PolicyChoice: Hashable {
    case onDemand, all, collections

    init(_ policy: FileDownloadPolicy?) {
        switch policy {
        case .all?: self = .all
        case .collections?: self = .collections
        case .onDemand?, nil: self = .onDemand
        }
    }

    func policy(keeping collections: Set<String>) -> FileDownloadPolicy {
        switch self {
        case .onDemand: return .onDemand
        case .all: return .all
        case .collections: return .collections(keys: collections.sorted())
        }
    }
}
