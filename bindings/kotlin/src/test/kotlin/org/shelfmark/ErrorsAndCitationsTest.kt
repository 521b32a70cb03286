package org.shelfmark

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.junit.jupiter.api.assertThrows
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** Failures arrive as ShelfmarkException with a category; citations format items. */
class ErrorsAndCitationsTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `errors carry their category and a message to show`() = runBlocking<Unit> {
        val missing = assertThrows<ShelfmarkException.NotFound> {
            runBlocking { openLibrary(dir.resolve("nowhere.shelfmark").toString(), LibraryOptions()) }
        }
        assertEquals(ErrorCategory.NOT_FOUND, missing.category)
        assertContains(missing.message ?: "", "nowhere.shelfmark")

        val library = readingList(dir)
        val items = library.items()
        val unknown = assertThrows<ShelfmarkException> { runBlocking { items.get("ZZZZZZZZ") } }
        assertEquals(ErrorCategory.NOT_FOUND, unknown.category)
        assertEquals("item ZZZZZZZZ not found", unknown.message)

        val badKey = assertThrows<ShelfmarkException> { runBlocking { items.get("not a key") } }
        assertEquals(ErrorCategory.INVALID_INPUT, badKey.category)

        val key = items.list(query(limit = 1)).rows.single().key
        val badField = assertThrows<ShelfmarkException> {
            runBlocking { items.setFields(key, listOf(FieldValue("colour", "blue"))) }
        }
        assertEquals(ErrorCategory.INVALID_INPUT, badField.category)
        assertContains(badField.message ?: "", "colour")

        val exists = assertThrows<ShelfmarkException> {
            runBlocking { createLibrary(library.path(), LibraryOptions()) }
        }
        assertEquals(ErrorCategory.STORAGE, exists.category)

        val broken = dir.resolve("broken.ris")
        Files.writeString(broken, "TY  - JOUR\nT1  - Fine\nER  - \n\nTY  - JOUR\nT1  - Never ended\n")
        val importError = assertThrows<ShelfmarkException.InvalidInput> {
            runBlocking {
                library.transfer().importFile(broken.toString(), ImportOptions(format = Format.RIS, collection = null, onDuplicate = OnDuplicate.SKIP), null)
            }
        }
        assertContains(importError.message ?: "", "record 2")
        assertEquals(5uL, items.list(query()).total, "a failed import writes nothing")
    }

    @Test
    fun `cites in the styles people know`() = runBlocking<Unit> {
        val library = readingList(dir)
        val items = library.items()
        val darwin = items.search(ItemSearchQuery(text = "darwin", mode = SearchMode.QUICK)).rows.single().key
        val lovelace = items.search(ItemSearchQuery(text = "lovelace", mode = SearchMode.QUICK)).rows.single().key
        val citations = library.citations()

        val styles = citations.styles()
        assertEquals("apa", styles.first().id)
        assertTrue(styles.any { it.id == "ieee" })

        assertEquals("(Darwin, 1859; Lovelace, 1843)", citations.cite(listOf(darwin, lovelace), "apa", CiteFormat.TEXT, false))
        val ieee = citations.cite(listOf(darwin, lovelace), "ieee", CiteFormat.TEXT, true)
        assertContains(ieee, "[1]")
        assertContains(ieee, "On the Origin of Species")
        val html = citations.cite(listOf(darwin), "apa", CiteFormat.HTML, true)
        assertContains(html, "<i>On the Origin of Species</i>")

        val noSuchStyle = assertThrows<ShelfmarkException> {
            runBlocking { citations.cite(listOf(darwin), "no-such-style", CiteFormat.TEXT, false) }
        }
        assertEquals(ErrorCategory.INVALID_INPUT, noSuchStyle.category)
    }
}
