package org.shelfmark.app

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.requiredSize
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ComposeTimeoutException
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.junit4.ComposeContentTestRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.rules.ExternalResource
import org.junit.rules.TemporaryFolder
import org.shelfmark.Creator
import org.shelfmark.KeyStorage
import org.shelfmark.LibraryHandle
import org.shelfmark.LibraryOptions
import org.shelfmark.NewItem
import org.shelfmark.SearchCondition
import org.shelfmark.SyncRequest
import org.shelfmark.app.desktop.desktopPlatform
import org.shelfmark.app.state.AppState
import org.shelfmark.app.ui.ShelfmarkApp
import org.shelfmark.app.ui.Tags
import org.shelfmark.createLibrary
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import org.shelfmark.app.desktop.LocalServer

/** How long a test waits for the library or the server before failing. */
const val WAIT_MS = 30_000L

fun author(first: String, last: String) = Creator("author", first, last, false, "")

/** The references every test starts from, on a "desk" device that syncs them up. */
val seedReferences = listOf(
    NewItem("journalArticle", mapOf("title" to "Sketch of the Analytical Engine", "publicationTitle" to "Scientific Memoirs", "date" to "1843", "volume" to "3", "pages" to "666-731"), listOf(author("Ada", "Lovelace")), listOf("computing"), emptyList()),
    NewItem("book", mapOf("title" to "On the Origin of Species", "publisher" to "John Murray", "place" to "London", "date" to "1859", "abstractNote" to "Natural selection among finches and pigeons"), listOf(author("Charles", "Darwin")), listOf("evolution"), emptyList()),
    NewItem("journalArticle", mapOf("title" to "On Computable Numbers", "publicationTitle" to "Proceedings of the London Mathematical Society", "date" to "1937"), listOf(author("Alan", "Turing")), listOf("computing"), emptyList()),
    NewItem("book", mapOf("title" to "The Structure of Scientific Revolutions", "publisher" to "University of Chicago Press", "date" to "1962"), listOf(author("Thomas", "Kuhn")), emptyList(), emptyList()),
    NewItem("journalArticle", mapOf("title" to "Tidal Rhythms in Estuaries", "publicationTitle" to "Marine Ecology", "date" to "2019"), listOf(author("Rachel", "Carson")), listOf("ecology"), emptyList()),
)

/**
 * A server with a user whose library holds [seedReferences] (uploaded from
 * a "desk" device, which also has a nested collection and a saved search),
 * and an app whose files live in a folder of their own.
 */
class Fixture : ExternalResource() {
    private val folder = TemporaryFolder()
    lateinit var server: LocalServer
    var userId: ULong = 0u
    lateinit var key: String
    lateinit var desk: LibraryHandle
    val keys = mutableMapOf<String, String>()
    lateinit var appDir: File
    private val scopes = mutableListOf<CoroutineScope>()
    private val apps = mutableListOf<AppState>()

    override fun before() {
        folder.create()
        server = LocalServer(folder.root.toPath().resolve("server"))
        val (id, apiKey) = server.user("reader@example.org")
        userId = id
        key = apiKey
        appDir = folder.newFolder("app")
        runBlocking {
            desk = createLibrary(folder.root.resolve("desk.shelfmark").path, LibraryOptions(false, null))
            val computing = desk.collections().create("Computing", null)
            val machines = desk.collections().create("Machines", computing.key)
            desk.collections().create("Biology", null)
            for (item in seedReferences) {
                val created = desk.items().create(item)
                keys[created.title] = created.key
            }
            desk.collections().addItems(computing.key, listOf(keys.getValue("On Computable Numbers")))
            desk.collections().addItems(machines.key, listOf(keys.getValue("Sketch of the Analytical Engine")))
            desk.savedSearches().create("Tagged computing", listOf(SearchCondition("tag", "is", "computing")), false)
            desk.sync().syncNow(deskRequest(), null)
        }
    }

    /** Attaches a two-page PDF to the reference titled `title` on the desk and uploads it; the attachment's key. */
    fun attachPdf(title: String): String = runBlocking {
        val file = folder.root.resolve("Origin.pdf")
        file.writeBytes(TWO_PAGE_PDF.toByteArray(Charsets.ISO_8859_1))
        val attachment = desk.files().attach(keys.getValue(title), file.path)
        desk.sync().syncNow(deskRequest(), null)
        attachment.key
    }

    fun deskRequest() = SyncRequest(server.baseUrl, userId, key, KeyStorage.File(folder.root.resolve("desk-key").path), false)

    /**
     * An app on its desktop platform. `signedIn` binds its library to the
     * account first (as a finished sign-in would) and then runs `before` on
     * it, as if done in an earlier session.
     */
    fun app(signedIn: Boolean, before: suspend (LibraryHandle) -> Unit = {}): AppState {
        if (signedIn) {
            runBlocking {
                val platform = desktopPlatform(appDir)
                val library = createLibrary(platform.storage.libraryPath, LibraryOptions(false, null))
                library.sync().syncNow(SyncRequest(server.baseUrl, null, key, KeyStorage.File(platform.storage.keyFilePath), false), null)
                before(library)
                library.close()
            }
        }
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)
        scopes.add(scope)
        return AppState(desktopPlatform(appDir), scope).also { apps.add(it) }
    }

    override fun after() {
        apps.forEach { it.close() }
        scopes.forEach { it.cancel() }
        runCatching { desk.close() }
        server.close()
        folder.delete()
    }
}

/** Shows the app at a phone's width (412 dp) or a tablet's (1280 dp). */
fun ComposeContentTestRule.showApp(app: AppState, width: Dp = 412.dp, height: Dp = 760.dp) {
    setContent { Box(Modifier.requiredSize(width, height)) { ShelfmarkApp(app) } }
}

fun ComposeContentTestRule.waitForTag(tag: String, timeout: Long = WAIT_MS): SemanticsNodeInteraction {
    waitUntil(timeout) { onAllNodesWithTag(tag).fetchSemanticsNodes().isNotEmpty() }
    return onNodeWithTag(tag)
}

/**
 * Waits until the node tagged `tag` shows `text` within its text (a count
 * is shown before the list behind it is read); fails with what it shows.
 */
fun ComposeContentTestRule.waitForTagText(tag: String, text: String, timeout: Long = WAIT_MS) {
    fun shown(): String = onAllNodesWithTag(tag).fetchSemanticsNodes().joinToString(" | ") { node ->
        node.config.getOrNull(SemanticsProperties.Text)?.joinToString { it.text }.orEmpty()
    }
    try {
        waitUntil(timeout) { text in shown() }
    } catch (e: ComposeTimeoutException) {
        throw AssertionError("expected '$text' in '$tag', shown '${shown()}'", e)
    }
}

fun ComposeContentTestRule.waitForText(text: String, timeout: Long = WAIT_MS) {
    waitUntil(timeout) { onAllNodesWithText(text, substring = true).fetchSemanticsNodes().isNotEmpty() }
}

fun ComposeContentTestRule.waitForNoText(text: String, timeout: Long = WAIT_MS) {
    waitUntil(timeout) { onAllNodesWithText(text, substring = true).fetchSemanticsNodes().isEmpty() }
}

/** The keys of the item rows the list shows, top to bottom. */
fun ComposeContentTestRule.shownRowKeys(): List<String> {
    val list = onAllNodesWithTag(Tags.ITEM_LIST).fetchSemanticsNodes().firstOrNull() ?: return listOf("(no list)")
    return list.children.mapNotNull { it.config.getOrNull(SemanticsProperties.TestTag) }
        .filter { it.startsWith("row:") }.map { it.removePrefix("row:") }
}

/** Waits until the list shows exactly the rows `expected`, in this order. */
fun ComposeContentTestRule.waitForRows(expected: List<String>, timeout: Long = WAIT_MS) {
    try {
        waitUntil(timeout) { shownRowKeys() == expected }
    } catch (e: ComposeTimeoutException) {
        throw AssertionError("expected rows $expected, shown ${shownRowKeys()}", e)
    }
}

/** Waits until `condition` (read off the library, not the screen) holds. */
fun ComposeContentTestRule.waitFor(timeout: Long = WAIT_MS, condition: () -> Boolean) = waitUntil(timeout) { condition() }

/** A small PDF of two pages (what the host's placeholder renderer counts). */
const val TWO_PAGE_PDF = """%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
4 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""
