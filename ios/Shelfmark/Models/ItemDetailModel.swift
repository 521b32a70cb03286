// One item as the core describes it (fields labelled in the type's order,
// creators, tags, collections), its notes and attachments with their file
// states, kept current after every change to it.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class ItemDetailModel {
    private(set) var detail: ItemDetail?
    private(set) var notes: [ItemDetail] = []
    private(set) var attachments: [ItemDetail] = []
    private(set) var fileStates: [String: FileInfo] = [:]
    /// The annotations of each attachment, by attachment key.
    private(set) var annotations: [String: [Annotation]] = [:]
    private(set) var collectionNames: [String: String] = [:]
    private(set) var allCollections: [CollectionInfo] = []
    private(set) var errorMessage: String?

    let key: String
    /// False in a read-only group library: no edit controls.
    let editable: Bool
    let library: LibraryHandle

    init(library: LibraryHandle, key: String, editable: Bool = true) {
        self.library = library
        self.key = key
        self.editable = editable
    }

    func load() async {
        do {
            let item = try await library.items().get(key: key)
            let children = try await library.items().children(key: key)
            detail = item
            notes = children.filter { child in child.kind == .note }
            attachments = children.filter { child in child.kind == .attachment }
            let states = try await library.files().states(scope: .item(key: key))
            fileStates = Dictionary(states.map { state in (state.key, state) }, uniquingKeysWith: { first, _ in first })
            var marks: [String: [Annotation]] = [:]
            for attachment in attachments {
                marks[attachment.key] = try await library.annotations().list(attachmentKey: attachment.key)
            }
            annotations = marks
            allCollections = try await library.collections().list()
            collectionNames = Dictionary(
                allCollections.map { collection in (collection.key, collection.name) },
                uniquingKeysWith: { first, _ in first }
            )
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Loads, then reloads whenever the item or its children change, until
    /// the calling task is cancelled.
    func follow() async {
        await load()
        guard let changes = try? library.changes() else { return }
        for await change in changes {
            let touched = change.items.updated + change.items.created + change.items.removed
            let mine = Set([key] + notes.map(\.key) + attachments.map(\.key))
            if touched.contains(where: { changed in mine.contains(changed) }) || !change.items.created.isEmpty {
                await load()
            }
        }
    }

    func addTag(_ name: String) async {
        let tag = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !tag.isEmpty else { return }
        await perform { _ = try await self.library.items().addTags(key: self.key, tags: [tag]) }
    }

    func removeTag(_ name: String) async {
        await perform { _ = try await self.library.items().removeTags(key: self.key, tags: [name]) }
    }

    func addNote(html: String) async {
        await perform { _ = try await self.library.items().addNote(parent: self.key, html: html) }
    }

    func updateNote(key noteKey: String, html: String) async {
        await perform { _ = try await self.library.items().updateNote(key: noteKey, html: html) }
    }

    func trash() async {
        await perform { try await self.library.items().trash(keys: [self.key]) }
    }

    func restore() async {
        await perform { try await self.library.items().restore(keys: [self.key]) }
    }

    func add(toCollection collection: String) async {
        await perform { try await self.library.collections().addItems(collection: collection, items: [self.key]) }
    }

    func remove(fromCollection collection: String) async {
        await perform { try await self.library.collections().removeItems(collection: collection, items: [self.key]) }
    }

    /// Attaches a file the user picked (copied into the library).
    func attach(fileAt url: URL) async {
        let scoped = url.startAccessingSecurityScopedResource()
        defer { if scoped { url.stopAccessingSecurityScopedResource() } }
        await perform { _ = try await self.library.files().attach(parent: self.key, path: url.path) }
    }

    private func perform(_ change: () async throws -> Void) async {
        do {
            try await change()
            await load()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }
}

extension FileStatusKind {
    /// The state in the core's words ("Downloading 45%", "Upload failed:
    /// online storage full (998 of 1,000 MB)").
    var summary: String {
        fileStatusText(status: self)
    }

    var systemImage: String {
        switch self {
        case .notDownloaded: return "icloud.and.arrow.down"
        case .downloading: return "arrow.down.circle"
        case .downloaded: return "checkmark.circle"
        case .modifiedLocally, .uploadPending: return "arrow.up.circle"
        case .changedRemotely: return "arrow.triangle.2.circlepath"
        case .missingOnServer, .uploadFailed: return "exclamationmark.triangle"
        case .linked: return "link"
        }
    }
}
