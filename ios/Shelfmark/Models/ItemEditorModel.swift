// The item editor over the core's item forms: every field of the type in
// its order with its label and input kind, the creators, the tags. The
// core converts a form to another type (saying what moves to Extra),
// names each value it cannot save beside its field, and saves the whole
// form in one transaction — on a refusal nothing is saved.

import Foundation
import Observation
import ShelfmarkKit
import SwiftUI  // remove(atOffsets:) and move(fromOffsets:toOffset:) for the list edits

@MainActor
@Observable
final class ItemEditorModel {
    /// The form being edited; nil until loaded.
    var form: ItemForm?
    /// Problems by field name (`title`, `creators`, `tags`, `itemType`).
    private(set) var problems: [String: String] = [:]
    /// Values the last type change moved to Extra, to tell the user.
    private(set) var movedToExtra: [ItemField] = []
    private(set) var errorMessage: String?
    private(set) var isSaving = false
    var newTag = ""

    /// Every item type the core knows, for the type picker.
    let types: [ItemTypeInfo] = ShelfmarkKit.itemTypes()
    let library: LibraryHandle
    private let source: Source

    private enum Source {
        case item(key: String)
        case newItem(itemType: String, collection: String?)
    }

    /// The form for an existing item.
    init(library: LibraryHandle, editingItem key: String) {
        self.library = library
        self.source = .item(key: key)
    }

    /// The form for a new item of `itemType`, created in `collection`.
    init(library: LibraryHandle, newItemOfType itemType: String, collection: String?) {
        self.library = library
        self.source = .newItem(itemType: itemType, collection: collection)
    }

    var isNew: Bool {
        if case .newItem = source {
            return true
        }
        return false
    }

    func load() async {
        guard form == nil else { return }
        do {
            switch source {
            case let .item(key):
                form = try await library.itemForms().forItem(key: key)
            case let .newItem(itemType, collection):
                form = try await library.itemForms().forNewItem(itemType: itemType, collection: collection)
            }
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Converts the form to another type (nothing is saved yet).
    func changeType(to itemType: String) {
        guard let current = form, current.itemType != itemType else { return }
        do {
            let change = try library.itemForms().changeType(form: current, itemType: itemType)
            form = change.form
            movedToExtra = change.movedToExtra
            revalidate()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func addCreator() {
        guard let types = form?.creatorTypes, let main = types.first else { return }
        form?.creators.append(Creator(creatorType: main.name, lastName: "", label: main.label))
    }

    func removeCreators(at offsets: IndexSet) {
        form?.creators.remove(atOffsets: offsets)
    }

    func moveCreators(from source: IndexSet, to destination: Int) {
        form?.creators.move(fromOffsets: source, toOffset: destination)
    }

    func addTag() {
        let name = newTag.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, form?.tags.contains(where: { tag in tag.name == name }) == false else { return }
        form?.tags.append(ItemTag(name: name, automatic: false))
        newTag = ""
    }

    func removeTags(at offsets: IndexSet) {
        form?.tags.remove(atOffsets: offsets)
    }

    /// Shows the core's problems beside the fields as the user edits.
    func revalidate() {
        guard let current = form else { return }
        let found = library.itemForms().validate(form: current)
        problems = Dictionary(found.map { problem in (problem.field, problem.message) }, uniquingKeysWith: { first, _ in first })
    }

    /// Saves the form; on a refusal returns nil, saves nothing and names
    /// the fields at fault.
    func save() async -> ItemDetail? {
        guard let current = form else { return nil }
        revalidate()
        guard problems.isEmpty else {
            errorMessage = "Correct the fields marked below."
            return nil
        }
        isSaving = true
        defer { isSaving = false }
        do {
            let saved = try await library.itemForms().save(form: current)
            errorMessage = nil
            return saved
        } catch {
            errorMessage = ErrorText.describe(error)
            return nil
        }
    }
}
