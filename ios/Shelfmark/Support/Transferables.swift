// What leaves the app by share sheet or drag and drop: a formatted
// citation (HTML for rich text editors, plain text otherwise) and RIS or
// BibTeX files. Each is made by the core when the receiving side asks.

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

/// A citation of some references in one style, formatted on request.
struct FormattedCitation: Transferable, Sendable {
    let citations: Citations
    let keys: [String]
    let style: String
    let bibliography: Bool

    static var transferRepresentation: some TransferRepresentation {
        DataRepresentation(exportedContentType: .html) { (citation: FormattedCitation) in
            let html = try await citation.citations.cite(
                keys: citation.keys, style: citation.style, format: .html, bibliography: citation.bibliography
            )
            return Data(html.utf8)
        }
        DataRepresentation(exportedContentType: .utf8PlainText) { (citation: FormattedCitation) in
            let text = try await citation.citations.cite(
                keys: citation.keys, style: citation.style, format: .text, bibliography: citation.bibliography
            )
            return Data(text.utf8)
        }
    }
}

/// References exported to a RIS or BibTeX file.
struct ExportedReferences: Transferable, Sendable {
    let transfer: Transfer
    let keys: [String]
    let format: Format

    var fileName: String {
        let base = keys.count == 1 ? "Reference" : "References"
        switch format {
        case .bibtex, .biblatex: return "\(base).bib"
        case .ris: return "\(base).ris"
        case .endnoteXml: return "\(base).xml"
        case .endnoteTagged: return "\(base).enw"
        case .cslJson, .zoteroJson: return "\(base).json"
        }
    }

    static var transferRepresentation: some TransferRepresentation {
        FileRepresentation(exportedContentType: .ris) { (export: ExportedReferences) in
            try await export.write()
        }
        .exportingCondition { (export: ExportedReferences) in export.format == .ris }
        FileRepresentation(exportedContentType: .bibtex) { (export: ExportedReferences) in
            try await export.write()
        }
        .exportingCondition { (export: ExportedReferences) in export.format == .bibtex || export.format == .biblatex }
    }

    private func write() async throws -> SentTransferredFile {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(fileName)
        try await transfer.exportToFile(format: format, scope: .items(keys: keys), path: url.path)
        return SentTransferredFile(url)
    }
}
