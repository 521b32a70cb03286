// Reading and annotating a PDF attachment with PDFKit. Highlights,
// underlines and notes (with Apple Pencil or touch) are stored as
// Shelfmark annotation items and drawn over the page; the PDF file itself
// is never changed. The annotation list jumps to each one's page.

import PDFKit
import ShelfmarkKit
import SwiftUI

struct PDFReaderView: View {
    let title: String
    /// False in a read-only group library: annotations are shown, not made.
    let editable: Bool
    @State private var model: PDFReaderModel
    @State private var document: PDFDocument?
    @State private var selection: PDFSelection?
    @State private var jump: PageJump?
    @State private var currentPage = 0
    @State private var showsList = false
    @State private var comment = ""
    @State private var asksComment = false
    @State private var pendingNote: PageMark?
    @State private var editsComment: Annotation?
    @Environment(\.dismiss) private var dismiss

    static let colors: [(name: String, hex: String)] = [
        ("Yellow", "#ffd400"), ("Red", "#ff6666"), ("Green", "#5fb236"),
        ("Blue", "#2ea8e5"), ("Purple", "#a28ae5"), ("Orange", "#f19837"),
    ]

    init(library: LibraryHandle, attachmentKey: String, title: String, editable: Bool) {
        self.title = title
        self.editable = editable
        _model = State(initialValue: PDFReaderModel(library: library, attachmentKey: attachmentKey))
    }

    var body: some View {
        NavigationStack {
            content
                .navigationTitle(title)
                .navigationBarTitleDisplayMode(.inline)
                .toolbar { toolbar }
                .inspector(isPresented: $showsList) {
                    annotationList
                }
        }
        .task { await model.open() }
        .onChange(of: model.loading) { _, loading in
            if case let .ready(url) = loading {
                document = PDFDocument(url: url)
            }
        }
        .alert("Note", isPresented: $asksComment) {
            TextField("Comment", text: $comment)
            Button("Add") {
                if var note = pendingNote {
                    note.comment = comment
                    let mark = note
                    Task { await model.add(mark) }
                }
                comment = ""
            }
            Button("Cancel", role: .cancel) { comment = "" }
        }
        .alert("Comment", isPresented: Binding(
            get: { editsComment != nil },
            set: { shown in if !shown { editsComment = nil } }
        )) {
            TextField("Comment", text: $comment)
            Button("Save") {
                if let annotation = editsComment {
                    let text = comment
                    Task { await model.setComment(text, on: annotation) }
                }
                comment = ""
                editsComment = nil
            }
            Button("Cancel", role: .cancel) {
                comment = ""
                editsComment = nil
            }
        }
    }

    @ViewBuilder
    private var content: some View {
        switch model.loading {
        case .idle:
            ProgressView()
        case let .downloading(fraction):
            if let fraction {
                ProgressView("Downloading…", value: fraction).padding()
            } else {
                ProgressView("Downloading…")
            }
        case .failed(let message):
            ContentUnavailableView("The file could not be opened", systemImage: "exclamationmark.triangle", description: Text(message))
        case .ready:
            if let document {
                PDFKitView(
                    document: document,
                    annotations: model.annotations,
                    selection: $selection,
                    currentPage: $currentPage,
                    jump: $jump
                )
                .ignoresSafeArea(edges: .bottom)
            } else {
                ContentUnavailableView("Not a readable PDF", systemImage: "doc.questionmark")
            }
        }
    }

    @ToolbarContentBuilder
    private var toolbar: some ToolbarContent {
        ToolbarItem(placement: .cancellationAction) {
            Button("Done") { dismiss() }
        }
        ToolbarItemGroup(placement: .primaryAction) {
            if editable {
                Menu {
                    ForEach(Self.colors, id: \.hex) { color in
                        Button(color.name) { model.color = color.hex }
                    }
                } label: {
                    Label("Colour", systemImage: "paintpalette")
                }
                Button("Highlight", systemImage: "highlighter") { mark(.highlight) }
                    .disabled(selection == nil)
                Button("Underline", systemImage: "underline") { mark(.underline) }
                    .disabled(selection == nil)
                Button("Note", systemImage: "note.text.badge.plus") { mark(.note) }
                    .disabled(document == nil)
            }
            Button("Annotations", systemImage: "list.bullet") { showsList.toggle() }
        }
    }

    private var annotationList: some View {
        List {
            ForEach(model.annotations, id: \.key) { annotation in
                Button {
                    if let position = PageMark.rects(fromPosition: annotation.position) {
                        jump = PageJump(pageIndex: position.page)
                    }
                } label: {
                    VStack(alignment: .leading, spacing: 4) {
                        HStack {
                            Circle().fill(Color(hex: annotation.color)).frame(width: 10, height: 10)
                            Text(annotation.annotationType.capitalized).font(.caption)
                            Spacer()
                            if let page = annotation.pageLabel {
                                Text("p. \(page)").font(.caption).foregroundStyle(.secondary)
                            }
                        }
                        if let text = annotation.text, !text.isEmpty {
                            Text(text).lineLimit(4)
                        }
                        if let comment = annotation.comment, !comment.isEmpty {
                            Text(comment).font(.callout).foregroundStyle(.secondary)
                        }
                    }
                }
                .swipeActions {
                    if editable {
                        Button("Delete", role: .destructive) { Task { await model.delete(annotation) } }
                    }
                }
                .contextMenu {
                    if editable {
                        ForEach(Self.colors, id: \.hex) { color in
                            Button(color.name) { Task { await model.setColor(color.hex, on: annotation) } }
                        }
                        Button("Edit Comment…") {
                            comment = annotation.comment ?? ""
                            editsComment = annotation
                        }
                    }
                }
            }
        }
        .overlay {
            if model.annotations.isEmpty {
                ContentUnavailableView("No annotations", systemImage: "highlighter")
            }
        }
    }

    /// Turns the current selection (or, for a note, the visible page's
    /// centre) into a mark and stores it.
    private func mark(_ kind: PageMark.Kind) {
        guard let document else { return }
        if kind == .note {
            guard let page = document.page(at: currentPage) ?? document.page(at: 0) else { return }
            let bounds = page.bounds(for: .cropBox)
            let spot = CGRect(x: bounds.midX - 11, y: bounds.midY - 11, width: 22, height: 22)
            pendingNote = PageMark(
                kind: .note,
                pageIndex: document.index(for: page),
                pageLabel: page.label,
                rects: [spot],
                pageHeight: bounds.height,
                characterOffset: 0
            )
            asksComment = true
            return
        }
        guard let selection, let page = selection.pages.first else { return }
        let lines = selection.selectionsByLine().map { line in line.bounds(for: page) }
        let offset = page.characterIndex(at: CGPoint(x: lines.first?.minX ?? 0, y: lines.first?.midY ?? 0))
        let mark = PageMark(
            kind: kind,
            pageIndex: document.index(for: page),
            pageLabel: page.label,
            rects: lines,
            pageHeight: page.bounds(for: .cropBox).height,
            characterOffset: offset,
            text: selection.string
        )
        self.selection = nil
        Task { await model.add(mark) }
    }
}

/// A request to show a page.
struct PageJump: Equatable {
    let pageIndex: Int
    let id = UUID()
}

/// PDFKit's view, with the stored annotations drawn as temporary page
/// annotations (kept in memory only: the document is never written).
private struct PDFKitView: UIViewRepresentable {
    let document: PDFDocument
    let annotations: [Annotation]
    @Binding var selection: PDFSelection?
    @Binding var currentPage: Int
    @Binding var jump: PageJump?

    func makeUIView(context: Context) -> PDFView {
        let view = PDFView()
        view.autoScales = true
        view.usePageViewController(false)
        view.displayMode = .singlePageContinuous
        view.document = document
        context.coordinator.observe(view)
        return view
    }

    func updateUIView(_ view: PDFView, context: Context) {
        if view.document !== document {
            view.document = document
        }
        context.coordinator.draw(annotations, in: document)
        if let jump, jump != context.coordinator.lastJump, let page = document.page(at: jump.pageIndex) {
            context.coordinator.lastJump = jump
            view.go(to: page)
        }
    }

    func makeCoordinator() -> Coordinator {
        Coordinator(selection: $selection, currentPage: $currentPage)
    }

    @MainActor
    final class Coordinator: NSObject {
        private let selection: Binding<PDFSelection?>
        private let currentPage: Binding<Int>
        private var drawn: [PDFAnnotation] = []
        private var drawnKeys: [String] = []
        var lastJump: PageJump?
        private var observers: [NSObjectProtocol] = []

        init(selection: Binding<PDFSelection?>, currentPage: Binding<Int>) {
            self.selection = selection
            self.currentPage = currentPage
        }

        func observe(_ view: PDFView) {
            let center = NotificationCenter.default
            observers.append(center.addObserver(forName: .PDFViewSelectionChanged, object: view, queue: .main) { [weak self, weak view] _ in
                MainActor.assumeIsolated {
                    let current = view?.currentSelection
                    self?.selection.wrappedValue = (current?.string?.isEmpty ?? true) ? nil : current
                }
            })
            observers.append(center.addObserver(forName: .PDFViewPageChanged, object: view, queue: .main) { [weak self, weak view] _ in
                MainActor.assumeIsolated {
                    if let view, let page = view.currentPage, let document = view.document {
                        self?.currentPage.wrappedValue = document.index(for: page)
                    }
                }
            })
        }

        /// Replaces the drawn marks when the stored annotations changed.
        func draw(_ annotations: [Annotation], in document: PDFDocument) {
            let keys = annotations.map { annotation in "\(annotation.key)|\(annotation.color)|\(annotation.dateModified ?? "")" }
            guard keys != drawnKeys else { return }
            drawnKeys = keys
            for mark in drawn {
                mark.page?.removeAnnotation(mark)
            }
            drawn = []
            for annotation in annotations {
                guard let position = PageMark.rects(fromPosition: annotation.position),
                      let page = document.page(at: position.page) else { continue }
                let color = UIColor(Color(hex: annotation.color))
                for rect in position.rects {
                    let subtype: PDFAnnotationSubtype
                    switch annotation.annotationType {
                    case "underline": subtype = .underline
                    case "note": subtype = .text
                    default: subtype = .highlight
                    }
                    let mark = PDFAnnotation(bounds: rect, forType: subtype, withProperties: nil)
                    mark.color = subtype == .highlight ? color.withAlphaComponent(0.4) : color
                    mark.contents = annotation.comment
                    page.addAnnotation(mark)
                    drawn.append(mark)
                }
            }
        }
    }
}

extension Color {
    /// A colour from `#rrggbb` (annotation colours); grey if unreadable.
    init(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else {
            self = .gray
            return
        }
        self.init(
            red: Double((value >> 16) & 0xff) / 255,
            green: Double((value >> 8) & 0xff) / 255,
            blue: Double(value & 0xff) / 255
        )
    }
}
