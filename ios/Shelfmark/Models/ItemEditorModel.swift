// The edit form of an item, built from the core's item types: the type's
// fields in its order with their labels, its creator types, the tags.
// Saving hands the values to the core, which checks them; its message
// names the field at fault.

import Foundation
import Observation
import ShelfmarkKit
import SwiftUI  // remove(atOffsets:) and move(fromOffsets:toOffset:) for the list edits

@MainActor
@Observable
final class ItemEditorModel {
    struct FieldEntry: Identifiable, Hashable {
        let name: String
        let label: String
        var value: String

        var id: String { name }
    }

    struct CreatorEntry: Identifiable, Hashable {
        let id = UUID()
        var creatorType: String
        var firstName: String
        var lastName: String
        var singleName: Bool
    }

    /// Every item type the core knows, with fields and creator types.
    let types: [ItemTypeInfo]
    private(set) var itemType: String
    var fields: [FieldEntry] = []
    var creators: [CreatorEntry] = []
    var tags: [String] = []
    var newTag = ""
    private(set) var errorMessage: String?
    private(set) var isSaving = false

    let library: LibraryHandle
    /// Nil for a new item.
    let key: String?
    /// The collection a new item goes into.
    let collection: String?
    private let originalType: String?
    private let originalTags: [String]

    /// A new item of `itemType`.
    init(library: LibraryHandle, itemType: String = "journalArticle", collection: String? = nil) {
        self.library = library
        self.key = nil
        self.collection = collection
        self.types = ShelfmarkKit.itemTypes()
        self.itemType = itemType
        self.originalType = nil
        self.originalTags = []
        fields = entries(for: itemType, values: [:])
    }

    /// The form for an existing item.
    init(library: LibraryHandle, editing detail: ItemDetail) {
        self.library = library
        self.key = detail.key
        self.collection = nil
        self.types = ShelfmarkKit.itemTypes()
        self.itemType = detail.itemType
        self.originalType = detail.itemType
        let tagNames = detail.tags.map(\.name)
        self.originalTags = tagNames
        tags = tagNames
        let values = Dictionary(detail.fields.map { field in (field.name, field.value) }, uniquingKeysWith: { first, _ in first })
        fields = entries(for: detail.itemType, values: values)
        creators = detail.creators.map { creator in
            CreatorEntry(
                creatorType: creator.creatorType,
                firstName: creator.firstName,
                lastName: creator.lastName,
                singleName: creator.singleName
            )
        }
    }

    var typeInfo: ItemTypeInfo? {
        types.first { info in info.name == itemType }
    }

    var creatorTypes: [CreatorTypeInfo] {
        typeInfo?.creatorTypes ?? []
    }

    /// Changes the type: the new type's fields, keeping the values of the
    /// fields both types have.
    func changeType(to newType: String) {
        let values = Dictionary(fields.map { field in (field.name, field.value) }, uniquingKeysWith: { first, _ in first })
        itemType = newType
        fields = entries(for: newType, values: values)
        let allowed = Set(creatorTypes.map(\.name))
        let fallback = creatorTypes.first { type in type.primary }?.name ?? creatorTypes.first?.name ?? "author"
        for index in creators.indices where !allowed.contains(creators[index].creatorType) {
            creators[index].creatorType = fallback
        }
    }

    func addCreator() {
        let primary = creatorTypes.first { type in type.primary }?.name ?? creatorTypes.first?.name ?? "author"
        creators.append(CreatorEntry(creatorType: primary, firstName: "", lastName: "", singleName: false))
    }

    func removeCreators(at offsets: IndexSet) {
        creators.remove(atOffsets: offsets)
    }

    func moveCreators(from source: IndexSet, to destination: Int) {
        creators.move(fromOffsets: source, toOffset: destination)
    }

    func addTag() {
        let tag = newTag.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !tag.isEmpty, !tags.contains(tag) else { return }
        tags.append(tag)
        newTag = ""
    }

    func removeTags(at offsets: IndexSet) {
        tags.remove(atOffsets: offsets)
    }

    /// Saves through the core and returns the saved item; on a refused
    /// value returns nil and shows the core's message.
    func save() async -> ItemDetail? {
        isSaving = true
        defer { isSaving = false }
        let creatorValues = creators
            .filter { entry in !entry.lastName.isEmpty || !entry.firstName.isEmpty }
            .map { entry in
                Creator(
                    creatorType: entry.creatorType,
                    firstName: entry.singleName ? "" : entry.firstName,
                    lastName: entry.lastName,
                    singleName: entry.singleName
                )
            }
        do {
            let saved: ItemDetail
            if let key {
                let items = library.items()
                if itemType != originalType {
                    _ = try await items.changeType(key: key, itemType: itemType)
                }
                _ = try await items.setFields(
                    key: key,
                    fields: fields.map { entry in FieldValue(name: entry.name, value: entry.value) }
                )
                _ = try await items.setCreators(key: key, creators: creatorValues)
                let removed = originalTags.filter { tag in !tags.contains(tag) }
                if !removed.isEmpty {
                    _ = try await items.removeTags(key: key, tags: removed)
                }
                let added = tags.filter { tag in !originalTags.contains(tag) }
                if !added.isEmpty {
                    _ = try await items.addTags(key: key, tags: added)
                }
                saved = try await items.get(key: key)
            } else {
                let values = Dictionary(
                    fields.filter { entry in !entry.value.isEmpty }.map { entry in (entry.name, entry.value) },
                    uniquingKeysWith: { first, _ in first }
                )
                let newItem = NewItem(
                    itemType: itemType,
                    fields: values,
                    creators: creatorValues,
                    tags: tags,
                    collections: collection.map { key in [key] } ?? []
                )
                saved = try await library.items().create(item: newItem)
            }
            errorMessage = nil
            return saved
        } catch {
            errorMessage = ErrorText.describe(error)
            return nil
        }
    }

    private func entries(for type: String, values: [String: String]) -> [FieldEntry] {
        let info = types.first { candidate in candidate.name == type }
        return (info?.fields ?? []).map { field in
            FieldEntry(name: field.name, label: field.label, value: values[field.name] ?? "")
        }
    }
}
