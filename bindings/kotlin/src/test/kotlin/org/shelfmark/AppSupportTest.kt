package org.shelfmark

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The calls that keep the apps thin: sidebar, item form, share sheet, status texts. */
class AppSupportTest {
    @TempDir
    lateinit var dir: Path

    private fun ItemForm.with(field: String, value: String) =
        copy(fields = fields.map { if (it.name == field) it.copy(value = value) else it })

    private fun ItemForm.value(field: String) = fields.single { it.name == field }.value

    @Test
    fun `the sidebar rows list their items`() = runBlocking<Unit> {
        val library = readingList(dir)
        val shelf = library.collections().create("Shelf", null)
        val key = library.items().list(query(limit = 1)).rows.single().key
        library.collections().addItems(shelf.key, listOf(key))

        val sections = library.sidebar()
        assertEquals(listOf("My Library"), sections.map { it.title })
        val rows = sections.single().rows
        assertEquals(listOf("All Items", "Shelf", "Trash"), rows.map { it.title })
        assertEquals(SidebarRowKind.AllItems, rows[0].kind)
        assertEquals(SidebarRowKind.Collection(shelf.key, isGroupSet = false), rows[1].kind)
        assertEquals("1/collection/${shelf.key}", rows[1].id)
        assertEquals(5uL, rows[0].itemCount)
        assertEquals(listOf(key), library.items().list(query(filter = rows[1].filter)).rows.map { it.key })
        assertEquals(1L, library.libraryId())
        assertEquals(1L, library.forLibrary(sections.single().libraryId).libraryId())

        // The watched sidebar: as it is, then again after a change.
        val seen = Channel<List<SidebarSection>>(Channel.UNLIMITED)
        val watching = launch { library.sidebarUpdates().collect { seen.send(it) } }
        assertEquals(sections, withTimeout(10_000) { seen.receive() })
        library.collections().create("Later", null)
        val after = withTimeout(10_000) { seen.receive() }
        assertEquals(listOf("All Items", "Later", "Shelf", "Trash"), after.single().rows.map { it.title })
        watching.cancel()
    }

    @Test
    fun `the item form saves all edits or refuses naming the field`() = runBlocking<Unit> {
        val library = readingList(dir)
        val forms = library.itemForms()
        val key = library.items().list(query(limit = 1)).rows.single().key
        val form = forms.forItem(key)
        assertEquals(FieldKind.MULTI_LINE, form.fields.single { it.name == "abstractNote" }.kind)

        val saved = forms.save(form.with("title", "A new title").copy(tags = form.tags + ItemTag("to read", false)))
        assertEquals("A new title", saved.title)
        assertTrue(saved.tags.any { it.name == "to read" })

        val tooLong = forms.forItem(key).with("title", "x".repeat(70_000))
        assertEquals(listOf("title"), forms.validate(tooLong).map { it.field })
        val refused = assertThrows<ShelfmarkException.InvalidInput> { runBlocking { forms.save(tooLong) } }
        assertContains(refused.message ?: "", "Title")
        assertEquals("A new title", library.items().get(key).title)

        val fresh = forms.forNewItem("book", null).with("title", "Leviathan")
        val change = forms.changeType(fresh, "thesis")
        assertEquals("Leviathan", change.form.value("title"))
        assertEquals("thesis", forms.save(change.form).itemType)
    }

    @Test
    fun `share payloads and status texts`() = runBlocking<Unit> {
        val library = readingList(dir)
        val keys = library.items().list(query()).rows.map { it.key }
        val ris = library.sharing().payload(keys.take(2), ShareFormat.File(Format.RIS))
        assertEquals("2 references", ris.subject)
        assertEquals("references.ris", ris.file?.fileName)
        assertEquals("application/x-research-info-systems", ris.file?.mimeType)
        val citation = library.sharing().payload(keys.take(1), ShareFormat.Bibliography("apa"))
        assertTrue(citation.text.isNotBlank())
        assertNull(citation.file)

        val again = library.transfer().importFile(
            resourceFile(dir.resolve("again").also { it.toFile().mkdirs() }, "reading-list.ris").toString(),
            ImportOptions(format = Format.RIS, collection = null, onDuplicate = OnDuplicate.SKIP),
            null,
        )
        val summary = importSummary(again)
        assertEquals("Nothing new was imported", summary.headline)
        assertEquals(listOf("5 references were already in the library, not imported again."), summary.lines)
        assertTrue(library.conflictTexts().isEmpty())

        val status = library.syncStatusText(null)
        assertEquals(SyncCondition.NOT_SIGNED_IN, status.condition)
        assertEquals("Not signed in", status.headline)
        assertNull(library.deletionConfirmation())
        assertEquals("3 minutes ago", timeAgoText("2026-12-07T09:57:00Z", 1_796_637_600L))
        assertEquals("Downloading 45%", fileStatusText(FileStatusKind.Downloading(450uL, 1000uL)))
        assertEquals(
            listOf(SyncResetMode.UPLOAD, SyncResetMode.DOWNLOAD, SyncResetMode.MERGE),
            syncResetChoices().map { it.mode },
        )
    }
}
