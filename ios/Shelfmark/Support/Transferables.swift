// What leaves the app by share sheet or drag and drop: the core's share
// payload for some references — a formatted citation (HTML for rich text
// editors, plain text otherwise) or a RIS or BibTeX file — made when the
// receiving side asks for it.

import CoreTransferable
import Foundation
import ShelfmarkKit
import UniformTypeIdentifiers

extension UTType {
    static let ris = UTType(importedAs: "org.shelfmark.ris", conformingTo: .plainText)
    static let bibtex = UTType(importedAs: "org.shelfmark.bibtex", conformingTo: .plainText)
    static let endnoteTagged = UTType(importedAs: "org.shelfmark.enw", conformingTo: .plainText)
    static let endnoteXML = UTType(importedAs: "org.shelfmark.endnote-xml", conformingTo: .xml)

    /// The reference files the app imports.
    static let referenceFiles: [UTType] = [.ris, .bibtex, .endnoteTagged, .endnoteXML, .xml, .json, .plainText]
}

/// Some references as the core shares them in one format.
struct SharedReferences: Transferable, Sendable {
    let sharing: Sharing
    let keys: [String]
    let format: ShareFormat

    static var transferRepresentation: some TransferRepresentation {
        FileRepresentation(exportedContentType: .ris) { (shared: SharedReferences) in
            try await shared.file()
        }
        .exportingCondition { (shared: SharedReferences) in shared.format == .file(format: .ris) }
        FileRepresentation(exportedContentType: .bibtex) { (shared: SharedReferences) in
            try await shared.file()
        }
        .exportingCondition { (shared: SharedReferences) in
            shared.format == .file(format: .bibtex) || shared.format == .file(format: .biblatex)
        }
        DataRepresentation(exportedContentType: .html) { (shared: SharedReferences) in
            let payload = try await shared.sharing.payload(keys: shared.keys, format: shared.format)
            return Data((payload.html ?? payload.text).utf8)
        }
        .exportingCondition { (shared: SharedReferences) in !shared.isFile }
        DataRepresentation(exportedContentType: .utf8PlainText) { (shared: SharedReferences) in
            let payload = try await shared.sharing.payload(keys: shared.keys, format: shared.format)
            return Data(payload.text.utf8)
        }
    }

    private var isFile: Bool {
        if case .file = format {
            return true
        }
        return false
    }

    /// The payload's file, written under the name the core gives it.
    private func file() async throws -> SentTransferredFile {
        let payload = try await sharing.payload(keys: keys, format: format)
        guard let file = payload.file else {
            throw CocoaError(.fileWriteUnknown)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(file.fileName)
        try file.contents.write(to: url, atomically: true, encoding: .utf8)
        return SentTransferredFile(url)
    }
}
