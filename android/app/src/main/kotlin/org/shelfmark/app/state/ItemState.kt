package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.shelfmark.Annotation
import org.shelfmark.CollectionTreeRow
import org.shelfmark.Creator
import org.shelfmark.FormField
import org.shelfmark.ItemField
import org.shelfmark.ItemForm
import org.shelfmark.ItemTag
import org.shelfmark.FileInfo
import org.shelfmark.FileScope
import org.shelfmark.ItemDetail
import org.shelfmark.ItemKind
import org.shelfmark.ItemTypeInfo
import org.shelfmark.LibraryHandle
import org.shelfmark.ShelfmarkException
import org.shelfmark.fileChanges
import org.shelfmark.itemTypes
import org.shelfmark.noteHtml

/** Every regular item type (not notes, attachments or annotations), for "New" and "change type"; read once. */
val regularItemTypes: List<ItemTypeInfo> by lazy { itemTypes().filter { it.name !in setOf("note", "attachment", "annotation") } }

/** One attachment of the item, with its file's state and its annotations. */
data class AttachmentView(val detail: ItemDetail, val file: FileInfo?, val annotations: List<Annotation>)

/**
 * The item screen: fields in the type's order, creators, tags, notes,
 * attachments and annotations, and the collections it is in. Notes are
 * added, edited as plain text (stored as the library's note HTML) and moved
 * to the trash; the item is added to and removed from collections.
 */
class ItemDetailState(private val library: LibraryHandle, private val scope: CoroutineScope, val key: String) {
    var item: ItemDetail? by mutableStateOf(null)
        private set

    /** The item's notes outside the trash. */
    var notes: List<ItemDetail> by mutableStateOf(emptyList())
        private set

    /** The library's collection tree, depth first, for the picker. */
    var collectionTree: List<CollectionTreeRow> by mutableStateOf(emptyList())
        private set
    var attachments: List<AttachmentView> by mutableStateOf(emptyList())
        private set
    var error: String? by mutableStateOf(null)
        private set

    fun load() {
        scope.launch {
            try {
                val detail = library.items().get(key)
                val children = library.items().children(key)
                notes = children.filter { it.kind == ItemKind.NOTE && !it.inTrash }
                collectionTree = library.collections().tree()
                attachments = children.filter { it.kind == ItemKind.ATTACHMENT }.map { child ->
                    val file = runCatching { library.files().state(child.key) }.getOrNull()
                    AttachmentView(child, file, library.annotations().list(child.key))
                }
                item = detail
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    /**
     * Reads the file state of this item's attachments again whenever one of
     * their files changes on this device (a download starts, progresses or
     * finishes, a file is removed or waits for upload), while collected.
     * These are not library changes, so nothing else would show them.
     */
    suspend fun followFileChanges() {
        library.fileChanges().collect { changed ->
            val shown = attachments
            if (shown.none { it.detail.key in changed }) return@collect
            try {
                val states = library.files().states(FileScope.Item(key)).associateBy { it.key }
                // The list may have changed while the states were read: update what is shown now.
                attachments = attachments.map { a -> if (a.detail.key in changed) a.copy(file = states[a.detail.key] ?: a.file) else a }
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    /** The collections the item is in, in the tree's order. */
    val memberships: List<CollectionTreeRow>
        get() = item?.collections?.toSet()?.let { keys -> collectionTree.filter { it.key in keys } } ?: emptyList()

    /** Adds the item to `collection` or takes it out (the item itself stays in the library). */
    fun setInCollection(collection: String, member: Boolean) = act({}) {
        if (member) library.collections().addItems(collection, listOf(key)) else library.collections().removeItems(collection, listOf(key))
    }

    /** Saves a note typed as plain text: a new child note when `noteKey` is null, else that note's new text. */
    fun saveNote(noteKey: String?, text: String, onDone: () -> Unit) = act(onDone) {
        val html = noteHtml(text)
        if (noteKey == null) library.items().addNote(key, html) else library.items().updateNote(noteKey, html)
    }

    /** Moves a note to the trash (restorable from Trash, as any item). */
    fun deleteNote(noteKey: String) = act({}) { library.items().trash(listOf(noteKey)) }

    fun trash(onDone: () -> Unit) = act(onDone) { library.items().trash(listOf(key)) }

    fun restore(onDone: () -> Unit) = act(onDone) { library.items().restore(listOf(key)) }

    private fun act(onDone: () -> Unit, action: suspend () -> Unit) {
        scope.launch {
            try {
                error = null
                action()
                load()
                onDone()
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }
}

/** One creator row of the edit form. */
class CreatorDraft(creatorType: String, firstName: String, lastName: String) {
    var creatorType by mutableStateOf(creatorType)
    var firstName by mutableStateOf(firstName)
    var lastName by mutableStateOf(lastName)

    fun toCreator() = Creator(creatorType, firstName.trim(), lastName.trim(), firstName.isBlank(), "")
}

/** One field of the edit form: the type's field, its label and kind, and the value being typed. */
class FieldDraft(val field: FormField) {
    var value by mutableStateOf(field.value)
}

/**
 * The edit form, from the library's `itemForms()`: every field of the
 * item's type in its order, the creators with the type's creator types,
 * and the tags. The library checks the values (a problem names its field)
 * and saves all of them in one transaction, or nothing.
 */
class ItemEditState(
    private val library: LibraryHandle,
    private val scope: CoroutineScope,
    val key: String?,
    private val newType: String? = null,
    private val collection: String? = null,
) {
    var form: ItemForm? by mutableStateOf(null)
        private set
    val fields = mutableStateListOf<FieldDraft>()
    val creators = mutableStateListOf<CreatorDraft>()
    var tags by mutableStateOf("")
    var error: String? by mutableStateOf(null)
        private set
    var movedToExtra: List<ItemField> by mutableStateOf(emptyList())
        private set
    var saving by mutableStateOf(false)
        private set

    /** Every regular item type, for "change type" and new items. */
    val types: List<ItemTypeInfo> get() = regularItemTypes

    fun load() {
        scope.launch {
            try {
                val loaded = if (key != null) library.itemForms().forItem(key) else library.itemForms().forNewItem(newType ?: "journalArticle", collection)
                fill(loaded)
                // A read-only library (a group the account may only read) refuses any save before
                // writing anything; its refusal is what the form shows, in the library's words.
                if (!loaded.editable) error = runCatching { library.itemForms().save(loaded) }.exceptionOrNull()?.message
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    private fun fill(loaded: ItemForm) {
        form = loaded
        fields.clear()
        loaded.fields.forEach { fields.add(FieldDraft(it)) }
        creators.clear()
        loaded.creators.forEach { creators.add(CreatorDraft(it.creatorType, it.firstName, it.lastName)) }
        tags = loaded.tags.joinToString(", ") { it.name }
    }

    fun addCreator() {
        val types = form?.creatorTypes ?: return
        val primary = types.firstOrNull { it.primary } ?: types.firstOrNull() ?: return
        creators.add(CreatorDraft(primary.name, "", ""))
    }

    fun removeCreator(index: Int) {
        creators.removeAt(index)
    }

    /** The form with what was typed. */
    private fun edited(): ItemForm? {
        val base = form ?: return null
        val automatic = base.originalTags.filter { it.automatic }.map { it.name }.toSet()
        return base.copy(
            fields = fields.map { it.field.copy(value = it.value) },
            creators = creators.filter { it.lastName.isNotBlank() || it.firstName.isNotBlank() }.map { it.toCreator() },
            tags = tags.split(',').map { it.trim() }.filter { it.isNotEmpty() }.map { ItemTag(it, it in automatic) },
        )
    }

    /** Shows the form in another type (unsaved); the values the new type has no field for are listed, as they go to Extra. */
    fun changeType(newType: String) {
        val current = edited() ?: return
        try {
            val change = library.itemForms().changeType(current, newType)
            movedToExtra = change.movedToExtra
            fill(change.form)
        } catch (e: ShelfmarkException) {
            error = e.message
        }
    }

    fun save(onSaved: (ItemDetail) -> Unit) {
        val current = edited() ?: return
        val problems = library.itemForms().validate(current)
        if (problems.isNotEmpty()) {
            error = problems.joinToString("\n") { it.message }
            return
        }
        error = null
        saving = true
        scope.launch {
            try {
                onSaved(library.itemForms().save(current))
            } catch (e: ShelfmarkException) {
                error = e.message
            } finally {
                saving = false
            }
        }
    }
}
