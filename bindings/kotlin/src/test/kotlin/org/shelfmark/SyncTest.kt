package org.shelfmark

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * A real `shelfmark-server` process on loopback, with its own data folder.
 * The binary comes from the `shelfmark.server.bin` property (the pom's
 * default: the workspace's target/debug build).
 */
class TestServer(dataDir: Path) : AutoCloseable {
    private val binary = System.getProperty("shelfmark.server.bin").orEmpty().also {
        require(it.isNotBlank() && Files.isExecutable(Path.of(it))) {
            "no shelfmark-server at \"$it\": run `cargo build -p shelfmark-server`, or set -Dshelfmark.server.bin"
        }
    }
    private val data = dataDir.also { Files.createDirectories(it) }
    private val process: Process = ProcessBuilder(binary, "--data-dir", data.toString(), "--listen", "127.0.0.1:0")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .also { it.environment()["SHELFMARK_LOG"] = "warn" }
        .start()
    val baseUrl: String

    init {
        val reader = process.inputStream.bufferedReader()
        var url: String? = null
        while (url == null) {
            val line = reader.readLine() ?: error("the server stopped before listening")
            url = line.trim().removePrefix("shelfmark-server listening on ").takeIf { it != line.trim() }
        }
        baseUrl = url
        // Keep draining its output so that it never blocks on a full pipe.
        Thread { reader.useLines { lines -> lines.forEach { } } }.apply { isDaemon = true }.start()
    }

    private fun admin(vararg args: String): String {
        val admin = ProcessBuilder(listOf(binary, "--data-dir", data.toString()) + args).start()
        val out = admin.inputStream.bufferedReader().readText()
        val err = admin.errorStream.bufferedReader().readText()
        assertTrue(admin.waitFor(60, TimeUnit.SECONDS) && admin.exitValue() == 0, "admin ${args.toList()} failed: $err")
        return out
    }

    /** A new user and a full-access API key: (user id, key). */
    fun user(email: String): Pair<ULong, String> {
        val id = admin("user", "add", "--email", email, "--password", "secret pass").split(Regex("\\s+"))[1]
        val key = admin("key", "create", "--user", id).trim()
        return id.toULong() to key
    }

    override fun close() {
        process.destroy()
        process.waitFor(10, TimeUnit.SECONDS)
    }
}

/** A test with a server of its own, started before and stopped after each test. */
abstract class ServerTest {
    @TempDir
    lateinit var dir: Path
    protected lateinit var server: TestServer

    @BeforeEach
    fun startServer() {
        server = TestServer(dir.resolve("server"))
    }

    @AfterEach
    fun stopServer() = server.close()

    /** Where `device` keeps its API key. */
    protected fun storage(device: String) = KeyStorage.File(dir.resolve("$device-credentials").toString())

    /** A sync of `device` as `userId`, with `key` on the first sync and null later. */
    protected fun request(device: String, userId: ULong, key: String?) = SyncRequest(
        serverUrl = server.baseUrl,
        userId = userId,
        apiKey = key,
        keyStorage = storage(device),
        confirmDeletions = false,
    )
}

/** Signing in, syncing two libraries and resolving a conflict, as an app does. */
class SyncTest : ServerTest() {
    private suspend fun device(name: String) =
        createLibrary(dir.resolve("$name.shelfmark").toString(), LibraryOptions())

    @Test
    fun `two devices sync, conflict and resolve`() = runBlocking<Unit> {
        val (userId, key) = server.user("reader@example.org")
        val tablet = device("tablet")
        val phone = device("phone")
        val article = tablet.items().create(
            NewItem(
                itemType = "journalArticle",
                fields = mapOf("title" to "Tidal rhythms"),
                creators = emptyList(),
                tags = emptyList(),
                collections = emptyList(),
            ),
        )

        // The first sync of each signs in with the key.
        val first = tablet.sync().syncNow(request("tablet", userId, key), null)
        assertEquals(1uL, first.libraries.single().uploaded.items)
        val stages = CopyOnWriteArrayList<SyncStage>()
        val conflictCounts = CopyOnWriteArrayList<ULong>()
        val listener = object : SyncListener {
            override fun onProgress(event: SyncProgressEvent) {
                stages.add(event.stage)
            }

            override fun onConflicts(count: ULong) {
                conflictCounts.add(count)
            }
        }
        phone.sync().syncNow(request("phone", userId, key), listener)
        assertEquals("Tidal rhythms", phone.items().get(article.key).title)
        assertEquals(SyncStage.CONNECTING, stages.first())
        assertEquals(SyncStage.DONE, stages.last())
        assertEquals(userId, assertNotNull(phone.sync().account()).userId)

        // Both edit the title; later syncs use the kept key.
        tablet.items().setFields(article.key, listOf(FieldValue("title", "Tidal rhythms in estuaries")))
        phone.items().setFields(article.key, listOf(FieldValue("title", "Tidal rhythms (review)")))
        tablet.sync().syncNow(request("tablet", userId, null), null)
        val summary = phone.sync().syncNow(request("phone", userId, null), listener)
        assertEquals(SyncResult.CONFLICTS, summary.libraries.single().result)
        assertEquals(listOf(1uL), conflictCounts.toList())

        val conflict = phone.sync().conflicts().single()
        val title = conflict.fields.single { it.field == "title" }
        assertEquals("Tidal rhythms (review)", title.local)
        assertEquals("Tidal rhythms in estuaries", title.remote)

        phone.sync().resolve(conflict.libraryId, conflict.key, ConflictChoice.KeepRemote)
        assertTrue(phone.sync().conflicts().isEmpty())
        assertEquals("Tidal rhythms in estuaries", phone.items().get(article.key).title)
        val history = phone.sync().conflictHistory().single()
        assertEquals("remote", history.chosen)
        assertTrue("Tidal rhythms (review)" in history.localJson, "the version not chosen is kept")

        // The version not chosen can be brought back and reaches the tablet.
        phone.sync().restoreFromHistory(history.libraryId, history.id)
        phone.sync().syncNow(request("phone", userId, null), null)
        tablet.sync().syncNow(request("tablet", userId, null), null)
        assertEquals("Tidal rhythms (review)", tablet.items().get(article.key).title)

        val status = phone.sync().status().single()
        assertEquals(0uL, status.unsynced)
        assertTrue(status.version > 0uL)
        assertTrue(phone.sync().log(10u).isNotEmpty())
    }

    @Test
    fun `a wrong key fails as an auth error`() = runBlocking<Unit> {
        val (userId, _) = server.user("reader@example.org")
        val phone = device("phone")
        val error = assertFailsWith<ShelfmarkException.Auth> {
            phone.sync().syncNow(request("phone", userId, "0123456789abcdefghijklmn"), null)
        }
        assertEquals(ErrorCategory.AUTH, error.category)
        assertEquals(null, phone.sync().account())
    }

    @Test
    fun `a reset backs up first and a cancelled sync says so`() = runBlocking<Unit> {
        val (userId, key) = server.user("reader@example.org")
        val tablet = device("tablet")
        val phone = device("phone")
        tablet.items().create(NewItem("journalArticle", mapOf("title" to "Shared"), emptyList(), emptyList(), emptyList()))
        tablet.sync().syncNow(request("tablet", userId, key), null)

        // Stopping a sync as soon as it starts fails it as CANCELLED; the next one completes.
        val sync = phone.sync()
        val stopper = object : SyncListener {
            override fun onProgress(event: SyncProgressEvent) {
                sync.cancel()
            }

            override fun onConflicts(count: ULong) {}
        }
        val stopped = assertFailsWith<ShelfmarkException.Cancelled> {
            sync.syncNow(request("phone", userId, key), stopper)
        }
        assertEquals(ErrorCategory.CANCELLED, stopped.category)
        sync.syncNow(request("phone", userId, key), null)

        val onlyHere = phone.items().create(NewItem("book", mapOf("title" to "Only here"), emptyList(), emptyList(), emptyList()))
        val report = phone.sync().resetSync(SyncResetMode.DOWNLOAD, request("phone", userId, null), null)
        assertTrue(Files.exists(Path.of(report.backupPath)), "the backup exists")
        assertTrue(phone.items().trashContents().items.any { it.key == onlyHere.key }, "what only the phone had is in the trash")
    }
}
