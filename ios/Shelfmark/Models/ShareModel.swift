// Sharing references: the core makes each payload — the citation or
// bibliography entry in a chosen style (plain text and HTML), or a RIS or
// BibTeX file with its name and MIME type — and the app hands it to the
// share sheet or a drag.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class ShareModel {
    private(set) var styles: [CitationStyle] = []
    private(set) var preview: SharePayload?
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
        styleID = Self.rememberedStyle
    }

    /// The style chosen last time (APA until one is chosen).
    static var rememberedStyle: String {
        UserDefaults.standard.string(forKey: styleDefaultsKey) ?? "apa"
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
            preview = try await library.sharing().payload(keys: keys, format: format)
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    var format: ShareFormat {
        bibliography ? .bibliography(style: styleID) : .citation(style: styleID)
    }

    /// What the share sheet carries: the citation as HTML and plain text.
    var citation: SharedReferences {
        SharedReferences(sharing: library.sharing(), keys: keys, format: format)
    }

    func file(_ format: Format) -> SharedReferences {
        SharedReferences(sharing: library.sharing(), keys: keys, format: .file(format: format))
    }
}
