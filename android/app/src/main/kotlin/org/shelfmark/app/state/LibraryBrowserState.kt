package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.launch
import org.shelfmark.CollectionTreeRow
import org.shelfmark.ItemFilter
import org.shelfmark.ItemListQuery
import org.shelfmark.ItemRow
import org.shelfmark.ItemSearchQuery
import org.shelfmark.LibraryHandle
import org.shelfmark.SavedSearch
import org.shelfmark.SearchMode
import org.shelfmark.ShelfmarkException
import org.shelfmark.SortField
import org.shelfmark.applying
import org.shelfmark.changes
import org.shelfmark.watchList

/** One entry of the sidebar: what the item list shows. */
sealed interface SidebarEntry {
    val label: String

    data object MyLibrary : SidebarEntry {
        override val label = "My Library"
    }

    data class Collection(val key: String, override val label: String, val depth: Int, val count: Long) : SidebarEntry
    data class SavedSearchEntry(val key: String, override val label: String) : SidebarEntry
    data object Conflicts : SidebarEntry {
        override val label = "Sync Conflicts"
    }

    data object Trash : SidebarEntry {
        override val label = "Trash"
    }
}

/** The sort orders the list offers, with their labels. */
val sortChoices = listOf(
    SortField.CREATOR to "Creator",
    SortField.TITLE to "Title",
    SortField.DATE to "Date",
    SortField.DATE_ADDED to "Date added",
)

/**
 * The library browser: the sidebar (collections, saved searches, conflicts,
 * trash), the selected entry's item list sorted and paged, and quick
 * search as the user types. The first page is watched, so edits here and
 * from a sync show up at once; further pages are read as they scroll into view.
 */
class LibraryBrowserState(val library: LibraryHandle, private val scope: CoroutineScope) : AutoCloseable {
    var selection: SidebarEntry by mutableStateOf(SidebarEntry.MyLibrary)
        private set
    var sort by mutableStateOf(SortField.TITLE)
        private set
    var searchText by mutableStateOf("")
        private set
    var searchEverything by mutableStateOf(false)
        private set
    var collections: List<CollectionTreeRow> by mutableStateOf(emptyList())
        private set
    var savedSearches: List<SavedSearch> by mutableStateOf(emptyList())
        private set
    var conflictCount by mutableStateOf(0)
        private set
    var rows by mutableStateOf(PagedRows { _, _ -> error("not started") })
        private set
    var error: String? by mutableStateOf(null)
        private set

    private var watch: Job? = null
    private var search: Job? = null
    private val changesJob: Job = scope.launch {
        library.changes().collect {
            reloadSidebar()
            // The watched first page updates itself; the others are read again when shown.
            rows.invalidateExcept(0)
        }
    }

    init {
        refresh()
    }

    fun select(entry: SidebarEntry) {
        selection = entry
        searchText = ""
        reload()
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

    private fun filter(): ItemFilter {
        val base = ItemFilter(null, false, null, emptyList(), null, false, false)
        return when (val s = selection) {
            SidebarEntry.MyLibrary -> base
            is SidebarEntry.Collection -> base.copy(collection = s.key, includeSubcollections = true)
            is SidebarEntry.SavedSearchEntry -> base.copy(savedSearch = s.key)
            SidebarEntry.Conflicts -> base.copy(conflicts = true)
            SidebarEntry.Trash -> base.copy(trash = true)
        }
    }

    private fun reload() {
        watch?.cancel()
        val filter = filter()
        val text = searchText.trim()
        val sortField = sort
        val paged = if (text.isEmpty()) {
            PagedRows { offset, limit ->
                library.items().list(ItemListQuery(filter, sortField, false, limit.toUInt(), offset.toUInt()))
            }
        } else {
            val mode = if (searchEverything) SearchMode.EVERYTHING else SearchMode.QUICK
            PagedRows { offset, limit ->
                library.items().search(ItemSearchQuery(text, mode, filter, limit.toUInt(), offset.toUInt()))
            }
        }
        rows = paged
        error = null
        watch = scope.launch {
            try {
                if (text.isEmpty()) {
                    var shown = emptyList<ItemRow>()
                    val query = ItemListQuery(filter, sortField, false, paged.pageSize.toUInt(), 0u)
                    library.items().watchList(query).collect { update ->
                        shown = shown.applying(update)
                        paged.setPage(0, shown, update.total.toInt())
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
            collections = library.collections().tree()
            savedSearches = library.savedSearches().list().filter { !it.inTrash }
            conflictCount = library.sync().conflicts().size
        } catch (e: ShelfmarkException) {
            error = e.message
        }
    }

    /** The sidebar's entries in order: My Library, the collection tree, saved searches, conflicts, trash. */
    fun entries(): List<SidebarEntry> = buildList {
        add(SidebarEntry.MyLibrary)
        collections.forEach { add(SidebarEntry.Collection(it.key, it.name, it.depth.toInt(), it.itemCount.toLong())) }
        savedSearches.forEach { add(SidebarEntry.SavedSearchEntry(it.key, it.name)) }
        add(SidebarEntry.Conflicts)
        add(SidebarEntry.Trash)
    }

    override fun close() {
        watch?.cancel()
        search?.cancel()
        changesJob.cancel()
    }
}
