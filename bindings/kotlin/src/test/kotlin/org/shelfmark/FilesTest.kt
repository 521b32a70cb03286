package org.shelfmark

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Attachment files as a reader app uses them: attach, download with progress, cancel, evict. */
class FilesTest : ServerTest() {
    private fun pdf(size: Int): ByteArray {
        val header = "%PDF-1.5\n".toByteArray()
        return header + ByteArray(size - header.size) { (it * 7 % 251).toByte() }
    }

    @Test
    fun `download with progress, cancel another, evict`() = runBlocking<Unit> {
        val (userId, key) = server.user("reader@example.org")
        val tablet = createLibrary(dir.resolve("tablet.shelfmark").toString(), LibraryOptions())
        val phone = createLibrary(dir.resolve("phone.shelfmark").toString(), LibraryOptions())
        val book = tablet.items().create(NewItem("book", mapOf("title" to "Leviathan"), emptyList(), emptyList(), emptyList()))
        val small = pdf(200_000)
        val big = pdf(6_000_000)
        val smallFile = dir.resolve("Leviathan.pdf").also { Files.write(it, small) }
        val bigFile = dir.resolve("Atlas.pdf").also { Files.write(it, big) }
        val first = tablet.files().attach(book.key, smallFile.toString())
        val second = tablet.files().attach(book.key, bigFile.toString())
        assertEquals(FileStatusKind.UploadPending, tablet.files().state(first.key).status)
        tablet.sync().syncNow(request("tablet", userId, key), null)
        phone.sync().syncNow(request("phone", userId, key), null)
        assertEquals(FileStatusKind.NotDownloaded, phone.files().state(first.key).status)

        // The one the user opened, with progress.
        val progress = CopyOnWriteArrayList<Pair<ULong, ULong>>()
        val download = phone.files().download(
            listOf(first.key),
            DownloadRequest(opened = true, keyStorage = storage("phone")),
            object : DownloadListener {
                override fun onProgress(key: String, done: ULong, total: ULong) {
                    progress.add(done to total)
                }
            },
        )
        assertTrue(download.finished().single().ok)
        assertEquals(small.size.toULong() to small.size.toULong(), progress.last())
        assertContentEquals(small, Files.readAllBytes(Path.of(phone.files().open(first.key))))

        // Another one, cancelled: it ends "cancelled" and the file is not opened.
        val cancelled = phone.files().download(listOf(second.key), DownloadRequest(opened = false, keyStorage = storage("phone")), null)
        cancelled.cancel()
        val result = cancelled.finished().single()
        assertFalse(result.ok)
        assertEquals("cancelled", result.errorKind)
        assertFailsWith<ShelfmarkException.InvalidInput> { phone.files().open(second.key) }

        // Removing the downloads keeps the references.
        val evicted = phone.files().evict(FileScope.All)
        assertEquals(1uL, evicted.files)
        assertEquals(FileStatusKind.NotDownloaded, phone.files().state(first.key).status)
        assertEquals("Leviathan", phone.items().get(book.key).title)
    }
}
