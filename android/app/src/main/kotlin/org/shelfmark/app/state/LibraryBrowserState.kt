package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import org.shelfmark.FileScope
import org.shelfmark.ItemFilter
import org.shelfmark.ItemListQuery
import org.shelfmark.ItemRow
import org.shelfmark.ItemSearchQuery
import org.shelfmark.LibraryHandle
import org.shelfmark.SearchMode
import org.shelfmark.ShelfmarkException
import org.shelfmark.SidebarRow
import org.shelfmark.SidebarRowKind
import org.shelfmark.SidebarSection
import org.shelfmark.SortField
import org.shelfmark.applying
import org.shelfmark.changes
import org.shelfmark.fileChanges
import org.shelfmark.fileStatusText
import org.shelfmark.watchList

/** The sort orders the list offers, with their labels. */
val sortChoices = listOf(
    SortField.CREATOR to "Creator",
    SortField.TITLE to "Title",
    SortField.DATE to "Date",
    SortField.DATE_ADDED to "Date added",
)

/**
 * The library browser: the sidebar as the library lays it out (My Library
 * and each group library, with All Items, the collection tree, saved
 * searches, Sync Conflicts and Trash), the chosen row's items sorted and
 * paged, and quick or "everything" search as the user types. The first
 * page is watched, so edits here and from a sync show up at once; further
 * pages are read as they scroll into view.
 */
class LibraryBrowserState(val library: LibraryHandle, private val scope: CoroutineScope) : AutoCloseable {
    var sections: List<SidebarSection> by mutableStateOf(emptyList())
        private set
    var selection: SidebarRow? by mutableStateOf(null)
        private set

    /** The library the chosen row belongs to (a group library, or the user's own). */
    var shown: LibraryHandle by mutableStateOf(library)
        private set
    var sort by mutableStateOf(SortField.TITLE)
        private set
    var searchText by mutableStateOf("")
        private set
    var searchEverything by mutableStateOf(false)
        private set
    var rows by mutableStateOf(PagedRows { _, _ -> error("not started") })
        private set
    var error: String? by mutableStateOf(null)
        private set

    /**
     * Goes up on every library change (a sync, an edit) and every change to
     * a file on this device (a download, an eviction), so that rows read
     * their attachments' file states again.
     */
    var fileStatesVersion by mutableIntStateOf(0)
        private set

    private val groups = mutableMapOf<Long, LibraryHandle>()
    private var watch: Job? = null
    private var search: Job? = null
    private val changesJob: Job = scope.launch {
        library.changes().collect {
            reloadSidebar()
            // The watched first page updates itself; the others are read again when shown.
            rows.invalidateExcept(0)
            fileStatesVersion++
        }
    }

    private var fileWatch: Job? = null

    init {
        refresh()
        followFileChanges(library)
    }

    /** Hears the file changes of the library shown (files are per library). */
    private fun followFileChanges(handle: LibraryHandle) {
        fileWatch?.cancel()
        fileWatch = scope.launch {
            try {
                handle.fileChanges().collect { fileStatesVersion++ }
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    /** What the list's title says. */
    val title: String
        get() {
            val row = selection ?: return "My Library"
            val section = sections.firstOrNull { it.libraryId == row.libraryId }
            return if (row.kind is SidebarRowKind.AllItems) section?.title ?: row.title else row.title
        }

    /** Whether the chosen row's library can be edited (group libraries can be read-only). */
    val editable: Boolean
        get() = sections.firstOrNull { it.libraryId == (selection?.libraryId ?: return true) }?.editable ?: true

    /** Whether the list shows the items in sync conflict (the sidebar's Sync Conflicts row). */
    val showsConflicts: Boolean
        get() = selection?.kind is SidebarRowKind.SyncConflicts

    /** The collection new items go into: the chosen row's, if it is a collection. */
    val collection: String?
        get() = (selection?.kind as? SidebarRowKind.Collection)?.key

    /**
     * The references ticked to share together (a long press on a row starts
     * choosing; empty: not choosing). Cleared when another sidebar row is chosen.
     */
    var chosenKeys: Set<String> by mutableStateOf(emptySet())
        private set

    /** Ticks reference `key`, or unticks it when it was ticked. */
    fun toggleChosen(key: String) {
        chosenKeys = if (key in chosenKeys) chosenKeys - key else chosenKeys + key
    }

    fun clearChosen() {
        chosenKeys = emptySet()
    }

    fun select(row: SidebarRow) {
        selection = row
        chosenKeys = emptySet()
        searchText = ""
        scope.launch {
            try {
                val handle = if (row.libraryId == library.libraryId()) library else groups.getOrPut(row.libraryId) { library.forLibrary(row.libraryId) }
                if (handle !== shown) followFileChanges(handle)
                shown = handle
                reload()
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    /**
     * The file state of each attachment of item `key` (or of `key` itself,
     * when it is an attachment), as a list row shows it: "Downloaded",
     * "Not downloaded", "Waiting to upload"…
     */
    suspend fun fileStatusTexts(key: String): List<String> =
        try {
            shown.files().states(FileScope.Item(key)).filter { !it.inTrash }.map { fileStatusText(it.status) }
        } catch (e: ShelfmarkException) {
            emptyList()
        }

    fun sortBy(field: SortField) {
        sort = field
        reload()
    }

    /** Quick search as the user types (a short pause first, so that typing stays smooth). */
    fun searchFor(text: String, everything: Boolean = searchEverything) {
        searchText = text
        searchEverything = everything
        search?.cancel()
        search = scope.launch {
            delay(150)
            reload()
        }
    }

    fun refresh() {
        scope.launch { reloadSidebar() }
        reload()
    }

    private fun reload() {
        watch?.cancel()
        val handle = shown
        val filter = selection?.filter ?: ItemFilter()
        val text = searchText.trim()
        val sortField = sort
        val paged = if (text.isEmpty()) {
            PagedRows { offset, limit ->
                handle.items().list(ItemListQuery(filter, sortField, false, limit.toUInt(), offset.toUInt()))
            }
        } else {
            val mode = if (searchEverything) SearchMode.EVERYTHING else SearchMode.QUICK
            PagedRows { offset, limit ->
                handle.items().search(ItemSearchQuery(text, mode, filter, limit.toUInt(), offset.toUInt()))
            }
        }
        rows = paged
        error = null
        watch = scope.launch {
            try {
                if (text.isEmpty()) {
                    var page = emptyList<ItemRow>()
                    val query = ItemListQuery(filter, sortField, false, paged.pageSize.toUInt(), 0u)
                    handle.items().watchList(query).collect { update ->
                        page = page.applying(update)
                        paged.setPage(0, page, update.total.toInt())
                    }
                } else {
                    paged.ensurePage(0)
                }
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    private suspend fun reloadSidebar() {
        try {
            sections = library.sidebar()
            // Keep the chosen row current (its count), or fall back to All Items when it went away.
            val chosen = selection
            val all = sections.flatMap { it.rows }
            val kept = all.firstOrNull { it.id == chosen?.id }
            if (chosen != null && kept == null) {
                // Its conflicts resolved, or its collection deleted: the list shows All Items' items.
                all.firstOrNull()?.let { select(it) }
            } else {
                selection = kept ?: all.firstOrNull()
            }
        } catch (e: ShelfmarkException) {
            error = e.message
        }
    }

    override fun close() {
        watch?.cancel()
        search?.cancel()
        changesJob.cancel()
        fileWatch?.cancel()
        groups.values.forEach { it.close() }
    }
}
