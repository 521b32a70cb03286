package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.setValue
import org.shelfmark.ItemPage
import org.shelfmark.ItemRow
import org.shelfmark.ShelfmarkException

/**
 * A long item list read a page at a time: only the pages the list shows are
 * ever loaded, so a 50,000-item library opens with one query. `load` reads
 * `limit` rows from `offset` and says the total.
 */
class PagedRows(
    val pageSize: Int = 100,
    private val load: suspend (offset: Int, limit: Int) -> ItemPage,
) {
    /** How many rows the list has (known after the first page). */
    var total by mutableIntStateOf(0)
        private set

    /** Whether the first page has been read. */
    var loaded by mutableIntStateOf(0)
        private set
    private val pages = mutableStateMapOf<Int, List<ItemRow>>()
    private val requested = mutableSetOf<Int>()

    /** The row at `index`, or null while its page is being read. */
    fun rowAt(index: Int): ItemRow? = pages[index / pageSize]?.getOrNull(index % pageSize)

    fun pageOf(index: Int) = index / pageSize

    /** Reads page `page` unless it is there or on its way. */
    suspend fun ensurePage(page: Int) {
        if (pages.containsKey(page) || !requested.add(page)) return
        try {
            val result = load(page * pageSize, pageSize)
            total = result.total.toInt()
            pages[page] = result.rows
            loaded++
        } catch (e: ShelfmarkException) {
            requested.remove(page)
            throw e
        }
    }

    /** Replaces page `page` with rows that are known to be current (a watched page). */
    fun setPage(page: Int, rows: List<ItemRow>, newTotal: Int) {
        total = newTotal
        pages[page] = rows
        requested.add(page)
        loaded++
    }

    /** Forgets every page but `keep`, so that what is shown is read again. */
    fun invalidateExcept(keep: Int) {
        pages.keys.filter { it != keep }.forEach { pages.remove(it) }
        requested.retainAll(setOf(keep))
    }
}
