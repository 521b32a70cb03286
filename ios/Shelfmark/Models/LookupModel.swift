// Adding references by identifier: DOIs, ISBNs, PubMed ids and arXiv ids
// typed, pasted as a list or scanned from a book's barcode are looked up
// by the core (nothing is saved yet); the user picks which results to add
// and what to do with those the library already has.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class LookupModel {
    /// What the user typed, pasted or scanned; any number of identifiers.
    var text = ""
    /// Whether a result the library already has fills in the library's
    /// item, is added a second time, or adds nothing.
    var onDuplicate: LookupDuplicateAction = .useExisting
    private(set) var results: [LookupResult] = []
    /// Indices into `results` that Add will add.
    private(set) var selected: Set<Int> = []
    /// Titles of the library's items that results duplicate, by key.
    private(set) var existingTitles: [String: String] = [:]
    private(set) var added: [LookupAdded]?
    private(set) var errorMessage: String?
    private(set) var isLookingUp = false
    private(set) var isAdding = false

    let library: LibraryHandle
    /// The collection added items go into, if any.
    let collectionKey: String?
    private let settings: LookupSettings

    init(library: LibraryHandle, collectionKey: String? = nil, settings: LookupSettings = LookupSettings()) {
        self.library = library
        self.collectionKey = collectionKey
        self.settings = settings
    }

    var canLookUp: Bool {
        !isLookingUp && !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    var canAdd: Bool {
        !isAdding && !isLookingUp && !selected.isEmpty
    }

    /// Looks up every identifier in `text`. Found results are picked for
    /// adding; those already in the library are not, unless the user
    /// picks them.
    func lookUp() async {
        guard canLookUp else { return }
        isLookingUp = true
        defer { isLookingUp = false }
        added = nil
        do {
            let found = try await library.lookups(settings: settings).lookup(text: text)
            results = found
            selected = Set(found.indices.filter { index in found[index].status == .found })
            errorMessage = nil
            await loadExistingTitles()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// A barcode read by the scanner: added to the text on a line of its
    /// own (unless it is there already) and looked up with the rest.
    func addScanned(_ payload: String) async {
        let code = payload.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !code.isEmpty else { return }
        let lines = text.split(whereSeparator: \.isNewline).map { line in String(line) }
        if lines.contains(code) { return }
        text = lines.isEmpty ? code : (lines + [code]).joined(separator: "\n")
        await lookUp()
    }

    /// Only results with something to add can be picked.
    func canSelect(_ index: Int) -> Bool {
        guard results.indices.contains(index) else { return false }
        switch results[index].status {
        case .found, .alreadyInLibrary:
            return true
        case .malformed, .notFound, .unreachable, .rateLimited, .badAnswer:
            return false
        }
    }

    func isSelected(_ index: Int) -> Bool {
        selected.contains(index)
    }

    func toggle(_ index: Int) {
        guard canSelect(index) else { return }
        if selected.contains(index) {
            selected.remove(index)
        } else {
            selected.insert(index)
        }
    }

    /// Whether any picked result is one the library already has, so the
    /// duplicate choice matters.
    var selectionHasDuplicates: Bool {
        selected.contains { index in results[index].status == .alreadyInLibrary }
    }

    /// Adds the picked results in one transaction.
    func add() async {
        guard canAdd else { return }
        isAdding = true
        defer { isAdding = false }
        let picked = selected.sorted().map { index in results[index] }
        do {
            added = try await library.lookups(settings: settings).addFromLookup(
                results: picked,
                collectionKey: collectionKey,
                onDuplicate: onDuplicate
            )
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// How many of the added results made a new item.
    var createdCount: Int {
        (added ?? []).filter { entry in entry.status == .created }.count
    }

    /// Starts again with an empty text.
    func clear() {
        text = ""
        results = []
        selected = []
        existingTitles = [:]
        added = nil
        errorMessage = nil
    }

    private func loadExistingTitles() async {
        let keys = results.compactMap { result in result.existingKey }
        guard !keys.isEmpty else {
            existingTitles = [:]
            return
        }
        do {
            let items: [ItemDetail] = try await library.items().getMany(keys: keys)
            existingTitles = Dictionary(items.map { item in (item.key, item.title) }, uniquingKeysWith: { first, _ in first })
        } catch {
            existingTitles = [:]
        }
    }
}

extension LookupModel {
    /// "Lovelace, Babbage", from the preview's creators.
    static func creatorSummary(_ item: ItemDetail) -> String {
        let names = item.creators.map { creator in
            creator.lastName.isEmpty ? creator.firstName : creator.lastName
        }
        if names.count > 3 {
            return names.prefix(3).joined(separator: ", ") + " et al."
        }
        return names.joined(separator: ", ")
    }

    /// The year of the preview's date field, when it has one.
    static func year(_ item: ItemDetail) -> String? {
        guard let date = item.fields.first(where: { field in field.name == "date" })?.value else { return nil }
        return date.range(of: #"\d{4}"#, options: .regularExpression).map { range in String(date[range]) }
    }

    /// The service that answered, as the user knows it.
    static func serviceName(_ service: LookupService) -> String {
        switch service {
        case .doiResolver: return "doi.org"
        case .crossref: return "Crossref"
        case .dataCite: return "DataCite"
        case .openLibrary: return "Open Library"
        case .googleBooks: return "Google Books"
        case .ncbi: return "PubMed"
        case .arxiv: return "arXiv"
        }
    }
}
