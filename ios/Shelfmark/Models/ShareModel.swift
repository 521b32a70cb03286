// Sharing references: the formatted citation or bibliography entry in a
// chosen style (plain text and HTML, formatted by the core's CSL engine),
// and RIS or BibTeX files of a selection, written by the core's export.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class ShareModel {
    private(set) var styles: [CitationStyle] = []
    private(set) var preview = ""
    private(set) var errorMessage: String?
    /// The chosen style's id; remembered between launches.
    var styleID: String {
        didSet { UserDefaults.standard.set(styleID, forKey: Self.styleDefaultsKey) }
    }
    var bibliography = true

    let library: LibraryHandle
    let keys: [String]
    private static let styleDefaultsKey = "citationStyle"

    init(library: LibraryHandle, keys: [String]) {
        self.library = library
        self.keys = keys
        styleID = UserDefaults.standard.string(forKey: Self.styleDefaultsKey) ?? "apa"
    }

    func load() async {
        do {
            styles = try await library.citations().styles()
            if !styles.contains(where: { style in style.id == styleID }), let first = styles.first {
                styleID = first.id
            }
            await updatePreview()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func updatePreview() async {
        do {
            preview = try await library.citations().cite(keys: keys, style: styleID, format: .text, bibliography: bibliography)
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// What the share sheet carries: the citation as HTML and plain text.
    var citation: FormattedCitation {
        FormattedCitation(citations: library.citations(), keys: keys, style: styleID, bibliography: bibliography)
    }

    func file(_ format: Format) -> ExportedReferences {
        ExportedReferences(transfer: library.transfer(), keys: keys, format: format)
    }
}
