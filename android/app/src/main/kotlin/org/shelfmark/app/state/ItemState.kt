package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.shelfmark.Annotation
import org.shelfmark.Creator
import org.shelfmark.FieldValue
import org.shelfmark.FileInfo
import org.shelfmark.ItemDetail
import org.shelfmark.ItemKind
import org.shelfmark.ItemTypeInfo
import org.shelfmark.LibraryHandle
import org.shelfmark.ShelfmarkException
import org.shelfmark.itemTypes

/** One attachment of the item, with its file's state and its annotations. */
data class AttachmentView(val detail: ItemDetail, val file: FileInfo?, val annotations: List<Annotation>)

/** The item screen: fields in the type's order, creators, tags, notes, attachments and annotations. */
class ItemDetailState(private val library: LibraryHandle, private val scope: CoroutineScope, val key: String) {
    var item: ItemDetail? by mutableStateOf(null)
        private set
    var notes: List<ItemDetail> by mutableStateOf(emptyList())
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
                notes = children.filter { it.kind == ItemKind.NOTE }
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

    fun trash(onDone: () -> Unit) = act(onDone) { library.items().trash(listOf(key)) }

    fun restore(onDone: () -> Unit) = act(onDone) { library.items().restore(listOf(key)) }

    private fun act(onDone: () -> Unit, action: suspend () -> Unit) {
        scope.launch {
            try {
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

/** One field of the edit form: the type's field, its label, and the value being typed. */
class FieldDraft(val name: String, val label: String, value: String) {
    var value by mutableStateOf(value)
}

/**
 * The edit form, built from `itemTypes()`: every field of the item's type in
 * its order, the creators with the type's creator types, and the tags.
 * Saving writes only what changed; a value the library refuses is shown with
 * the field it concerns, and nothing is written.
 */
class ItemEditState(private val library: LibraryHandle, private val scope: CoroutineScope, val key: String) {
    var original: ItemDetail? by mutableStateOf(null)
        private set
    var type: ItemTypeInfo? by mutableStateOf(null)
        private set
    val fields = mutableStateListOf<FieldDraft>()
    val creators = mutableStateListOf<CreatorDraft>()
    var tags by mutableStateOf("")
    var error: String? by mutableStateOf(null)
        private set
    var saving by mutableStateOf(false)
        private set

    /** Every item type, for "change type" and new items. */
    val types: List<ItemTypeInfo> by lazy { itemTypes() }

    fun load() {
        scope.launch {
            try {
                fill(library.items().get(key))
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    private fun fill(detail: ItemDetail) {
        original = detail
        val info = types.firstOrNull { it.name == detail.itemType }
        type = info
        val values = detail.fields.associate { it.name to it.value }
        fields.clear()
        info?.fields?.forEach { fields.add(FieldDraft(it.name, it.label, values[it.name] ?: "")) }
        creators.clear()
        detail.creators.forEach { creators.add(CreatorDraft(it.creatorType, it.firstName, it.lastName)) }
        tags = detail.tags.joinToString(", ") { it.name }
    }

    fun addCreator() {
        val primary = type?.creatorTypes?.firstOrNull { it.primary } ?: type?.creatorTypes?.firstOrNull() ?: return
        creators.add(CreatorDraft(primary.name, "", ""))
    }

    fun removeCreator(index: Int) {
        creators.removeAt(index)
    }

    /** Changes the item's type at once; fields the new type lacks move to Extra (the core decides). */
    fun changeType(newType: String) {
        scope.launch {
            try {
                fill(library.items().changeType(key, newType))
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    private fun tagList() = tags.split(',').map { it.trim() }.filter { it.isNotEmpty() }

    /** A problem with a value that the library would refuse, named by its field, or null. */
    private fun problem(): String? {
        tagList().firstOrNull { it.length > TAG_MAX }?.let {
            return "Tags: “${it.take(20)}…” is longer than $TAG_MAX characters"
        }
        fields.firstOrNull { it.value.length > FIELD_MAX }?.let {
            return "${it.label}: longer than $FIELD_MAX characters"
        }
        creators.firstOrNull { it.lastName.isBlank() && it.firstName.isNotBlank() }?.let {
            return "Creators: a creator needs a last name"
        }
        return null
    }

    fun save(onSaved: () -> Unit) {
        val before = original ?: return
        problem()?.let {
            error = it
            return
        }
        error = null
        saving = true
        scope.launch {
            try {
                val oldValues = before.fields.associate { it.name to it.value }
                val changed = fields.filter { (oldValues[it.name] ?: "") != it.value }.map { FieldValue(it.name, it.value) }
                if (changed.isNotEmpty()) library.items().setFields(key, changed)
                val newCreators = creators.filter { it.lastName.isNotBlank() }.map { it.toCreator() }
                val oldCreators = before.creators.map { it.copy(label = "") }
                if (newCreators != oldCreators) library.items().setCreators(key, newCreators)
                val oldTags = before.tags.map { it.name }.toSet()
                val newTags = tagList().toSet()
                if ((oldTags - newTags).isNotEmpty()) library.items().removeTags(key, (oldTags - newTags).toList())
                if ((newTags - oldTags).isNotEmpty()) library.items().addTags(key, (newTags - oldTags).toList())
                fill(library.items().get(key))
                onSaved()
            } catch (e: ShelfmarkException) {
                error = e.message
            } finally {
                saving = false
            }
        }
    }

    companion object {
        /** The library's limits (protocol/src/limits.rs), checked before anything is written. */
        const val TAG_MAX = 255
        const val FIELD_MAX = 65_535
    }
}
