// Signing in to a Shelfmark server, with the first sync's progress; or
// using the library on this device only.

import ShelfmarkKit
import SwiftUI

struct SignInView: View {
    @Bindable var model: SignInModel
    @Environment(AppModel.self) private var app
    @FocusState private var focused: Field?

    private enum Field { case server, email, password, key }

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    TextField("https://shelfmark.example.org", text: $model.serverURL)
                        .textContentType(.URL)
                        .keyboardType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                        .focused($focused, equals: .server)
                        .accessibilityIdentifier("signIn.server")
                } header: {
                    Text("Server")
                }

                Section {
                    if model.methods.count > 1 {
                        Picker("Sign in with", selection: $model.method) {
                            ForEach(model.methods) { method in
                                Text(method.rawValue).tag(method)
                            }
                        }
                        .pickerStyle(.segmented)
                    }
                    switch model.method {
                    case .password:
                        TextField("E-mail", text: $model.email)
                            .textContentType(.username)
                            .keyboardType(.emailAddress)
                            .textInputAutocapitalization(.never)
                            .focused($focused, equals: .email)
                            .accessibilityIdentifier("signIn.email")
                        SecureField("Password", text: $model.password)
                            .textContentType(.password)
                            .focused($focused, equals: .password)
                            .accessibilityIdentifier("signIn.password")
                    case .apiKey:
                        SecureField("API key", text: $model.apiKey)
                            .textInputAutocapitalization(.never)
                            .focused($focused, equals: .key)
                            .accessibilityIdentifier("signIn.apiKey")
                    }
                } header: {
                    Text("Account")
                } footer: {
                    Text("The key is kept in this device's Keychain.")
                }

                if let message = model.errorMessage {
                    Section {
                        Label(message, systemImage: "exclamationmark.triangle")
                            .foregroundStyle(.red)
                            .accessibilityIdentifier("signIn.error")
                    }
                }

                Section {
                    if model.isSigningIn {
                        SyncProgressRow(progress: model.progress)
                        Button("Stop", role: .cancel) { model.cancel() }
                    } else {
                        Button("Sign In") {
                            focused = nil
                            model.submit()
                        }
                        .disabled(!model.canSubmit)
                        .accessibilityIdentifier("signIn.submit")
                    }
                }

                Section {
                    Button("Use Without an Account") { app.continueWithoutAccount() }
                        .accessibilityIdentifier("signIn.localOnly")
                } footer: {
                    Text("The library stays on this device until you sign in from Settings.")
                }
            }
            .navigationTitle("Sign In")
            .onSubmit { model.submit() }
        }
    }
}

/// A sync's stage with its done/total counts.
struct SyncProgressRow: View {
    let progress: SyncProgressEvent?

    var body: some View {
        if let progress, progress.total > 0 {
            ProgressView(value: Double(progress.done), total: Double(progress.total)) {
                Text(progress.stage.title)
            } currentValueLabel: {
                Text("\(progress.done) of \(progress.total)")
            }
        } else {
            ProgressView(progress?.stage.title ?? "Connecting")
        }
    }
}
