// Writing a note: rich text in the system's text view (bold, italic,
// lists through the edit menu), kept as the HTML a note item holds.

import SwiftUI
import UIKit

/// A note being written: an existing note's key and HTML, or a new one.
struct NoteDraft: Identifiable {
    let key: String?
    let html: String

    var id: String { key ?? "new" }
}

struct NoteEditorView: View {
    let draft: NoteDraft
    let save: (String) async -> Void
    @State private var text = NSAttributedString()
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            RichTextEditor(text: $text)
                .padding(.horizontal)
                .navigationTitle(draft.key == nil ? "New Note" : "Note")
                .navigationBarTitleDisplayMode(.inline)
                .toolbar {
                    ToolbarItem(placement: .cancellationAction) {
                        Button("Cancel") { dismiss() }
                    }
                    ToolbarItem(placement: .confirmationAction) {
                        Button("Save") {
                            let html = Self.html(from: text)
                            Task {
                                await save(html)
                                dismiss()
                            }
                        }
                    }
                }
        }
        .onAppear { text = Self.attributed(fromHTML: draft.html) }
    }

    static func attributed(fromHTML html: String) -> NSAttributedString {
        guard !html.isEmpty, let data = html.data(using: .utf8),
              let text = try? NSAttributedString(
                  data: data,
                  options: [.documentType: NSAttributedString.DocumentType.html, .characterEncoding: String.Encoding.utf8.rawValue],
                  documentAttributes: nil
              ) else {
            return NSAttributedString(string: "", attributes: [.font: UIFont.preferredFont(forTextStyle: .body)])
        }
        return text
    }

    static func html(from text: NSAttributedString) -> String {
        let range = NSRange(location: 0, length: text.length)
        guard let data = try? text.data(
            from: range,
            documentAttributes: [.documentType: NSAttributedString.DocumentType.html]
        ) else {
            return ""
        }
        return String(decoding: data, as: UTF8.self)
    }
}

private struct RichTextEditor: UIViewRepresentable {
    @Binding var text: NSAttributedString

    func makeUIView(context: Context) -> UITextView {
        let view = UITextView()
        view.allowsEditingTextAttributes = true
        view.font = UIFont.preferredFont(forTextStyle: .body)
        view.adjustsFontForContentSizeCategory = true
        view.delegate = context.coordinator
        return view
    }

    func updateUIView(_ view: UITextView, context: Context) {
        if view.attributedText != text {
            view.attributedText = text
        }
    }

    func makeCoordinator() -> Coordinator {
        Coordinator(text: $text)
    }

    final class Coordinator: NSObject, UITextViewDelegate {
        private let text: Binding<NSAttributedString>

        init(text: Binding<NSAttributedString>) {
            self.text = text
        }

        func textViewDidChange(_ view: UITextView) {
            text.wrappedValue = view.attributedText
        }
    }
}
