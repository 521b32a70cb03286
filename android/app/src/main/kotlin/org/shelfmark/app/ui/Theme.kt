package org.shelfmark.app.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color

private val Light = lightColorScheme(
    primary = Color(0xFF8C2F39),
    onPrimary = Color.White,
    primaryContainer = Color(0xFFFFDADC),
    onPrimaryContainer = Color(0xFF3B0710),
    secondary = Color(0xFF765657),
    secondaryContainer = Color(0xFFFFDADA),
    surface = Color(0xFFFFFBFF),
    surfaceVariant = Color(0xFFF4DDDD),
)

private val Dark = darkColorScheme(
    primary = Color(0xFFFFB2B8),
    onPrimary = Color(0xFF561D24),
    primaryContainer = Color(0xFF71333A),
    secondary = Color(0xFFE6BDBE),
)

/** The app's colours: a deep red for the shelf mark, on warm paper tones. */
@Composable
fun ShelfmarkTheme(dark: Boolean = false, content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = if (dark) Dark else Light, content = content)
}

/** Test tags: stable names the UI tests (and accessibility tools) find nodes by. */
object Tags {
    const val SIGN_IN_SERVER = "signin.server"
    const val SIGN_IN_KEY = "signin.key"
    const val SIGN_IN_EMAIL = "signin.email"
    const val SIGN_IN_PASSWORD = "signin.password"
    const val SIGN_IN_WITH_PASSWORD = "signin.with.password"
    const val SIGN_IN_WITH_KEY = "signin.with.key"
    const val SIGN_IN_BUTTON = "signin.button"
    const val SIGN_IN_ERROR = "signin.error"
    const val SIGN_IN_PROGRESS = "signin.progress"
    const val ITEM_LIST = "items.list"
    const val ITEM_COUNT = "items.count"
    const val SEARCH = "items.search"
    const val SEARCH_EVERYTHING = "items.search.everything"
    const val SIDEBAR = "sidebar"
    const val MENU = "menu"
    const val SYNC_BANNER = "sync.banner"
    const val SYNC_NOW = "sync.now"
    const val NEW_ITEM = "items.new"
    const val DETAIL_TITLE = "detail.title"
    const val EDIT = "detail.edit"
    const val SHARE = "detail.share"
    const val TRASH = "detail.trash"
    const val RESTORE = "detail.restore"
    const val EDIT_TAGS = "edit.tags"
    const val EDIT_SAVE = "edit.save"
    const val EDIT_ERROR = "edit.error"
    const val ADD_CREATOR = "edit.creator.add"
    const val PDF_PAGE = "annotate.page"
    const val ANNOTATION_COMMENT = "annotate.comment"
    const val ANNOTATION_TEXT = "annotate.text"
    const val ANNOTATION_SAVE = "annotate.save"
    const val SHARE_PREVIEW = "share.preview"
    const val SHARE_TEXT = "share.text"
    const val SHARE_RIS = "share.ris"
    const val SHARE_BIBTEX = "share.bibtex"
    const val CHOSEN_COUNT = "list.chosen"
    const val CHOSEN_SHARE = "list.chosen.share"
    const val CHOSEN_CANCEL = "list.chosen.cancel"
    const val RESET_CONFIRMATION = "reset.confirmation"
    const val RESET_CONFIRM = "reset.confirm"
    const val RESET_CANCEL = "reset.cancel"
    const val RESET_BACKUP = "reset.backup"
    const val IMPORT_REPORT = "import.report"
    const val BACK = "back"
    const val DELETIONS_DIALOG = "deletions.dialog"
    const val DELETIONS_TITLE = "deletions.title"
    const val DELETIONS_GROUP = "deletions.group"
    const val DELETIONS_CONFIRM = "deletions.confirm"
    const val DELETIONS_POSTPONE = "deletions.postpone"
    const val DELETIONS_REVIEW = "deletions.review"
    const val DETAIL_ERROR = "detail.error"
    const val NOTE_ADD = "note.add"
    const val NOTE_TEXT = "note.text"
    const val NOTE_SAVE = "note.save"
    const val COLLECTIONS_PICK = "collections.pick"
    const val COLLECTIONS_DONE = "collections.done"
    const val KEEP_ALL = "files.keep.all"
    const val VIEW_FIELDS = "detail.fields"
    const val RESOLVE_CONFLICTS = "items.conflicts.resolve"

    fun row(key: String) = "row:$key"
    fun rowFiles(key: String) = "row.files:$key"
    fun sidebar(label: String) = "sidebar:$label"
    fun sort(label: String) = "sort:$label"
    fun reset(mode: String) = "reset:$mode"
    fun field(name: String) = "field:$name"
    fun editField(name: String) = "edit.field:$name"
    fun attachment(key: String) = "attachment:$key"
    fun attachmentFile(key: String) = "attachment.file:$key"
    fun annotation(key: String) = "annotation:$key"
    fun kind(name: String) = "annotate.kind:$name"
    fun conflict(key: String) = "conflict:$key"
    fun style(id: String) = "style:$id"
    fun file(key: String) = "file:$key"
    fun note(key: String) = "note:$key"
    fun noteText(key: String) = "note.text:$key"
    fun noteEdit(key: String) = "note.edit:$key"
    fun noteDelete(key: String) = "note.delete:$key"
    fun membership(name: String) = "membership:$name"
    fun membershipRemove(name: String) = "membership.remove:$name"
    fun collectionChoice(name: String) = "collection.choice:$name"
    fun offlineCollection(name: String) = "files.offline:$name"
}
