package org.shelfmark

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** Opening, importing, listing, searching and editing, as an app does. */
class LibraryTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `imports a RIS file and reports what it created`() = runBlocking<Unit> {
        val library = createLibrary(dir.resolve("papers.shelfmark").toString(), LibraryOptions())
        val report = library.transfer().importFile(
            resourceFile(dir, "reading-list.ris").toString(),
            ImportOptions(format = null, collection = null, onDuplicate = OnDuplicate.SKIP),
            null,
        )
        assertEquals(Format.RIS, report.format)
        assertEquals(5, report.created.size)
        assertEquals(3uL, report.createdByType["journalArticle"])
        assertEquals(2uL, report.createdByType["book"])

        // Reopening the file finds the same library.
        val reopened = openLibrary(library.path(), LibraryOptions())
        assertEquals(5uL, reopened.items().list(query()).total)
    }

    @Test
    fun `pages through a list sorted by date`() = runBlocking<Unit> {
        val items = readingList(dir).items()
        val years = mutableListOf<Int?>()
        var offset = 0
        do {
            val page = items.list(query(sort = SortField.DATE, limit = 2, offset = offset))
            assertEquals(5uL, page.total)
            assertTrue(page.rows.size <= 2)
            years += page.rows.map { it.year }
            offset += page.rows.size
        } while (offset < page.total.toInt())
        assertEquals(listOf<Int?>(1843, 1859, 1935, 1937, 1962), years)

        val newestFirst = items.list(query(sort = SortField.DATE, descending = true, limit = 1))
        val top = newestFirst.rows.single()
        assertEquals("The Structure of Scientific Revolutions", top.title)
        assertEquals("Kuhn", top.creatorSummary)
        assertEquals("Book", top.itemTypeLabel)

        val books = items.list(query(filter = ItemFilter(itemType = "book")))
        assertEquals(listOf("On the Origin of Species", "The Structure of Scientific Revolutions"), books.rows.map { it.title })
    }

    @Test
    fun `searches by word prefix ignoring accents`() = runBlocking<Unit> {
        val items = readingList(dir).items()
        val quick = items.search(ItemSearchQuery(text = "schrod", mode = SearchMode.QUICK))
        assertEquals(listOf("Die gegenwärtige Situation in der Quantenmechanik"), quick.rows.map { it.title })

        val byTag = items.search(ItemSearchQuery(text = "computing", mode = SearchMode.QUICK))
        assertEquals(0uL, byTag.total, "quick search looks at titles, creators and years only")
        val everything = items.search(ItemSearchQuery(text = "computing", mode = SearchMode.EVERYTHING))
        assertEquals(setOf("Lovelace", "Turing"), everything.rows.map { it.creatorSummary }.toSet())
    }

    @Test
    fun `edits an item and reads it back with labels`() = runBlocking<Unit> {
        val items = readingList(dir).items()
        val key = items.search(ItemSearchQuery(text = "origin", mode = SearchMode.QUICK)).rows.single().key

        items.setFields(key, listOf(FieldValue("edition", "1st"), FieldValue("place", "")))
        items.addTags(key, listOf("classic"))
        items.setCreators(key, listOf(Creator(creatorType = "author", firstName = "Charles", lastName = "Darwin", singleName = false, label = "")))
        val detail = items.get(key)

        assertEquals(ItemKind.REGULAR, detail.kind)
        assertEquals("Book", detail.itemTypeLabel)
        val edition = assertNotNull(detail.fields.find { it.name == "edition" })
        assertEquals("Edition", edition.label)
        assertEquals("1st", edition.value)
        assertFalse(detail.fields.any { it.name == "place" }, "an empty value clears the field")
        assertEquals("Title", detail.fields.first().label, "fields come in the item type's order")
        assertEquals("Author", detail.creators.single().label)
        assertContains(detail.tags.map { it.name }, "classic")

        val note = items.addNote(key, "<p>Read chapter 4 again</p>")
        assertEquals("Read chapter 4 again", note.title)
        assertEquals(listOf(note.key), items.children(key).map { it.key })
        assertEquals(1u, items.list(query(filter = ItemFilter(tags = listOf("classic")))).rows.single().numChildren)

        val created = items.create(
            NewItem(
                itemType = "journalArticle",
                fields = mapOf("title" to "Computing Machinery and Intelligence", "date" to "1950"),
                creators = listOf(Creator(creatorType = "author", firstName = "Alan", lastName = "Turing", singleName = false, label = "")),
                tags = listOf("ai"),
                collections = emptyList(),
            ),
        )
        assertEquals("Computing Machinery and Intelligence", created.title)
        assertEquals(6uL, items.list(query()).total)
    }

    @Test
    fun `trash and restore`() = runBlocking<Unit> {
        val items = readingList(dir).items()
        val key = items.search(ItemSearchQuery(text = "kuhn", mode = SearchMode.QUICK)).rows.single().key
        items.trash(listOf(key))
        assertEquals(4uL, items.list(query()).total)
        val trash = items.list(query(filter = ItemFilter(trash = true)))
        assertEquals(listOf(key), trash.rows.map { it.key })
        assertTrue(trash.rows.single().inTrash)
        assertEquals(listOf(key), items.trashContents().items.map { it.key })

        items.restore(listOf(key))
        assertEquals(5uL, items.list(query()).total)
        assertFalse(items.get(key).inTrash)

        items.trash(listOf(key))
        val emptied = items.emptyTrash()
        assertEquals(1uL, emptied.items)
        val gone = kotlin.runCatching { items.get(key) }.exceptionOrNull()
        assertTrue(gone is ShelfmarkException.NotFound, "emptied for good: $gone")
    }

    @Test
    fun `collections and saved searches filter lists`() = runBlocking<Unit> {
        val library = readingList(dir)
        val items = library.items()
        val collections = library.collections()
        val science = collections.create("History of Science", null)
        val computing = collections.create("Computing", science.key)
        val keys = items.search(ItemSearchQuery(text = "computing", mode = SearchMode.EVERYTHING)).rows.map { it.key }
        collections.addItems(computing.key, keys)

        val tree = collections.tree()
        assertEquals(listOf("History of Science" to 0u, "Computing" to 1u), tree.map { it.name to it.depth })
        assertEquals(2uL, tree[1].itemCount)
        assertEquals(1u, tree[0].childCount)

        val direct = items.list(query(filter = ItemFilter(collection = science.key)))
        assertEquals(0uL, direct.total)
        val recursive = items.list(query(filter = ItemFilter(collection = science.key, includeSubcollections = true)))
        assertEquals(2uL, recursive.total)

        val searches = library.savedSearches()
        val before1900 = searches.create("Before 1900", listOf(SearchCondition("date", "isBefore", "1900-01-01")), false)
        assertEquals(listOf("Sketch of the Analytical Engine", "On the Origin of Species"),
            searches.items(before1900.key, query(sort = SortField.DATE)).rows.map { it.title })
        val either = searches.create(
            "Physics or evolution",
            listOf(SearchCondition("tag", "is", "physics"), SearchCondition("tag", "is", "evolution")),
            true,
        )
        assertTrue(either.matchAny)
        assertEquals(2uL, items.list(query(filter = ItemFilter(savedSearch = either.key))).total)
        assertEquals(listOf("Before 1900", "Physics or evolution"), searches.list().map { it.name })
    }

    @Test
    fun `attachments and annotations`() = runBlocking<Unit> {
        val library = readingList(dir)
        val items = library.items()
        val key = items.search(ItemSearchQuery(text = "turing", mode = SearchMode.QUICK)).rows.single().key
        val pdf = items.addAttachment(
            key,
            NewAttachment(linkMode = LinkMode.IMPORTED_FILE, title = null, contentType = "application/pdf", filename = "turing.pdf",
                md5 = null, mtime = null, path = null, url = null, charset = null),
        )
        assertEquals(ItemKind.ATTACHMENT, pdf.kind)
        assertEquals("turing.pdf", pdf.title)

        val annotations = library.annotations()
        val highlight = annotations.add(
            pdf.key,
            NewAnnotation(annotationType = "highlight", text = "a number is computable", comment = "page 230", pageLabel = "230"),
        )
        assertEquals("#ffd400", highlight.color)
        assertEquals(pdf.key, highlight.attachmentKey)
        annotations.update(highlight.key, AnnotationEdit(comment = "key definition", color = "#FF6666"))
        val listed = annotations.list(pdf.key).single()
        assertEquals("key definition", listed.comment)
        assertEquals("#ff6666", listed.color)
        val found = items.search(ItemSearchQuery(text = "computable", mode = SearchMode.EVERYTHING))
        assertEquals(listOf(key), found.rows.map { it.key }, "annotation text finds its top-level item")
        annotations.delete(highlight.key)
        assertTrue(annotations.list(pdf.key).isEmpty())
    }

    @Test
    fun `exports, backs up and restores`() = runBlocking<Unit> {
        val library = readingList(dir)
        val ris = library.transfer().export(Format.RIS, ExportScope.Library)
        assertEquals(5, Regex("^TY  - ", RegexOption.MULTILINE).findAll(ris).count())
        val bib = dir.resolve("out.bib")
        library.transfer().exportToFile(Format.BIBTEX, ExportScope.Library, bib.toString())
        assertContains(Files.readString(bib), "Darwin")

        val archive = dir.resolve("papers.shelfmark-backup").toString()
        val report = library.transfer().backup(archive)
        assertTrue(report.bytes > 0uL)
        val restored = restoreLibrary(archive, dir.resolve("restored.shelfmark").toString(), LibraryOptions())
        assertEquals(5uL, restored.items().list(query()).total)
    }

    @Test
    fun `finds and merges duplicates`() = runBlocking<Unit> {
        val library = readingList(dir)
        library.transfer().importFile(
            resourceFile(dir.resolve("again").also { Files.createDirectories(it) }, "reading-list.ris").toString(),
            ImportOptions(format = Format.RIS, collection = null, onDuplicate = OnDuplicate.KEEP),
            null,
        )
        val items = library.items()
        val groups = items.findDuplicates()
        assertEquals(5, groups.size)
        val byDoi = groups.first { it.kind is DuplicateKind.Doi && (it.kind as DuplicateKind.Doi).doi == "10.1007/bf01491891" }
        assertContains(byDoi.reason, "DOI")
        val merged = items.merge(byDoi.keys.first(), byDoi.keys.drop(1))
        assertEquals(byDoi.keys.first(), merged.key)
        assertEquals(9uL, items.list(query()).total)
    }
}
