package org.shelfmark

import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Change notifications and live lists, as a list screen uses them. */
class LiveUpdatesTest {
    @TempDir
    lateinit var dir: Path

    private fun article(title: String) = NewItem(
        itemType = "journalArticle",
        fields = mapOf("title" to title),
        creators = emptyList(),
        tags = emptyList(),
        collections = emptyList(),
    )

    @Test
    fun `a listener hears what each change did until it is cancelled`() = runBlocking<Unit> {
        val library = readingList(dir)
        val heard = LinkedBlockingQueue<LibraryChanges>()
        val handle = library.subscribe(object : LibraryListener {
            override fun onChange(changes: LibraryChanges) {
                heard.put(changes)
            }
        })

        val item = library.items().create(article("Aardvarks"))
        val created = assertNotNull(heard.poll(10, TimeUnit.SECONDS))
        assertEquals(listOf(item.key), created.items.created)
        assertEquals(1L, created.libraryId)

        library.items().trash(listOf(item.key))
        val trashed = assertNotNull(heard.poll(10, TimeUnit.SECONDS))
        assertEquals(listOf(item.key), trashed.items.updated, "moving to the trash is an update")

        val collection = library.collections().create("Zoology", null)
        assertEquals(listOf(collection.key), assertNotNull(heard.poll(10, TimeUnit.SECONDS)).collections.created)

        handle.cancel()
        val stopBy = System.nanoTime() + 5_000_000_000
        while (!handle.isFinished() && System.nanoTime() < stopBy) Thread.sleep(10)
        assertTrue(handle.isFinished(), "cancel stops the listener's task")
        library.items().create(article("Unheard"))
        assertNull(heard.poll(500, TimeUnit.MILLISECONDS), "a cancelled subscription is silent")
        handle.close()
    }

    @Test
    fun `a watched page receives the edits a list view applies`() = runBlocking<Unit> {
        val library = readingList(dir)
        val items = library.items()
        val updates = LinkedBlockingQueue<ItemListUpdate>()
        val handle = items.watch(query(sort = SortField.TITLE, limit = 3), object : ItemListListener {
            override fun onUpdate(update: ItemListUpdate) {
                updates.put(update)
            }
        })
        fun next() = assertNotNull(updates.poll(10, TimeUnit.SECONDS), "an update arrives")

        val first = next()
        val reset = first.diffs.single() as ItemListDiff.Reset
        var shown = emptyList<ItemRow>().applying(first)
        assertEquals(reset.rows, shown)
        assertEquals(5uL, first.total)
        assertEquals(
            listOf("Die gegenwärtige Situation in der Quantenmechanik", "On Computable Numbers, with an Application to the Entscheidungsproblem", "On the Origin of Species"),
            shown.map { it.title },
        )

        // A new first row: one insert at the top, the last row leaves the page.
        val aardvarks = items.create(article("Aardvarks"))
        val inserted = next()
        assertEquals(6uL, inserted.total)
        assertEquals(
            listOf(ItemListDiff.Remove(2u), ItemListDiff.Insert(0u, inserted.diffs.filterIsInstance<ItemListDiff.Insert>().single().row)),
            inserted.diffs,
        )
        shown = shown.applying(inserted)
        assertEquals(items.list(query(limit = 3)).rows, shown)
        assertEquals(aardvarks.key, shown[0].key)

        // Editing a row on the page replaces it in place.
        items.setFields(aardvarks.key, listOf(FieldValue("date", "2001")))
        val edited = next()
        val set = edited.diffs.single() as ItemListDiff.Set
        assertEquals(0u, set.index)
        assertEquals(2001, set.row.year)
        shown = shown.applying(edited)

        // Trashing it removes it and the next row moves up.
        items.trash(listOf(aardvarks.key))
        shown = shown.applying(next())
        assertEquals(items.list(query(limit = 3)).rows, shown)

        // A change outside the page's rows only updates the total.
        items.create(article("Zebras"))
        val elsewhere = next()
        assertTrue(elsewhere.diffs.isEmpty())
        assertEquals(6uL, elsewhere.total)

        handle.close()
    }

    @Test
    fun `flows subscribe while collected`() = runBlocking<Unit> {
        val library = readingList(dir)
        val items = library.items()
        val firstPage = items.watchList(query(limit = 2)).first()
        assertEquals(2, emptyList<ItemRow>().applying(firstPage).size)

        val changes = async { withTimeout(10_000) { library.changes().take(2).toList() } }
        // Let the collector start (and so subscribe) before changing anything.
        delay(300)
        items.create(article("One"))
        items.create(article("Two"))
        assertEquals(2, changes.await().sumOf { it.items.created.size })
    }
}
