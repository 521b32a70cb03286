// Renders the app's main screens in real windows (under Xvfb when run by
// `cargo xtask screenshots`) at a phone's and a tablet's size, against a
// library synced from a local server, and writes them as PNG files.
package org.shelfmark.app.desktop

import androidx.compose.ui.awt.ComposePanel
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.shelfmark.Creator
import org.shelfmark.FileDownloadPolicy
import org.shelfmark.KeyStorage
import org.shelfmark.LibraryOptions
import org.shelfmark.NewAnnotation
import org.shelfmark.NewItem
import org.shelfmark.SearchCondition
import org.shelfmark.SyncRequest
import org.shelfmark.app.state.AppState
import org.shelfmark.app.state.Screen
import org.shelfmark.app.ui.ShelfmarkApp
import org.shelfmark.createLibrary
import java.awt.Rectangle
import java.awt.Robot
import java.io.File
import java.nio.file.Files
import javax.imageio.ImageIO
import javax.swing.JFrame
import javax.swing.SwingUtilities
import kotlin.system.exitProcess

private fun person(first: String, last: String) = Creator("author", first, last, false, "")

private fun ref(type: String, title: String, creator: Creator, date: String, vararg fields: Pair<String, String>, tags: List<String> = emptyList()) =
    NewItem(type, mapOf("title" to title, "date" to date) + fields, listOf(creator), tags, emptyList())

/** A small reading list that looks like a real one. */
private val readingList = listOf(
    ref("journalArticle", "Sketch of the Analytical Engine", person("Ada", "Lovelace"), "1843", "publicationTitle" to "Scientific Memoirs", "volume" to "3", "pages" to "666–731", tags = listOf("computing")),
    ref("book", "On the Origin of Species", person("Charles", "Darwin"), "1859", "publisher" to "John Murray", "place" to "London", "abstractNote" to "The theory of evolution by natural selection, from finches, pigeons and barnacles.", tags = listOf("evolution")),
    ref("journalArticle", "On Computable Numbers, with an Application to the Entscheidungsproblem", person("Alan", "Turing"), "1937", "publicationTitle" to "Proceedings of the London Mathematical Society", "volume" to "s2-42", "pages" to "230–265", "DOI" to "10.1112/plms/s2-42.1.230", tags = listOf("computing")),
    ref("book", "The Structure of Scientific Revolutions", person("Thomas S.", "Kuhn"), "1962", "publisher" to "University of Chicago Press", "place" to "Chicago"),
    ref("journalArticle", "A Mathematical Theory of Communication", person("Claude E.", "Shannon"), "1948", "publicationTitle" to "Bell System Technical Journal", "volume" to "27", "pages" to "379–423", tags = listOf("computing")),
    ref("book", "Silent Spring", person("Rachel", "Carson"), "1962", "publisher" to "Houghton Mifflin", "place" to "Boston", tags = listOf("ecology")),
    ref("journalArticle", "Molecular Structure of Nucleic Acids", person("James D.", "Watson"), "1953", "publicationTitle" to "Nature", "volume" to "171", "pages" to "737–738", tags = listOf("biology")),
    ref("book", "The Selfish Gene", person("Richard", "Dawkins"), "1976", "publisher" to "Oxford University Press", tags = listOf("evolution")),
    ref("journalArticle", "Can Machines Think?", person("Alan", "Turing"), "1950", "publicationTitle" to "Mind", "volume" to "59", "pages" to "433–460", tags = listOf("computing")),
    ref("thesis", "Tidal Rhythms in Estuarine Invertebrates", person("Marta", "Oliveira"), "2019", "university" to "University of Lisbon", "thesisType" to "PhD thesis", tags = listOf("ecology")),
    ref("bookSection", "The Tragedy of the Commons", person("Garrett", "Hardin"), "1968", "bookTitle" to "Science", tags = listOf("ecology")),
    ref("conferencePaper", "ImageNet Classification with Deep Convolutional Neural Networks", person("Alex", "Krizhevsky"), "2012", "proceedingsTitle" to "Advances in Neural Information Processing Systems", tags = listOf("computing")),
)

private const val PDF = """%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R >> endobj
4 0 obj << /Type /Page /Parent 2 0 R >> endobj
5 0 obj << /Type /Page /Parent 2 0 R >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""

/** One screenshot: a name, a window size, and where to go once the library shows. */
private class Shot(
    val name: String,
    val width: Int,
    val height: Int,
    /** Drawn instead of the app once `go` has run, when a screen needs more than navigating to. */
    val content: (@androidx.compose.runtime.Composable (AppState) -> Unit)? = null,
    val go: (AppState, Map<String, String>) -> Unit,
)

fun main(args: Array<String>) {
    val out = File(args.firstOrNull() ?: "screenshots").also { it.mkdirs() }
    val work = Files.createTempDirectory("shelfmark-screens").toFile()
    LocalServer(work.toPath().resolve("server")).use { server ->
        val (_, key) = server.user("reader@example.org")
        val keys = mutableMapOf<String, String>()
        var attachment = ""
        runBlocking {
            val desk = createLibrary(File(work, "desk.shelfmark").path, LibraryOptions(false, null))
            val computing = desk.collections().create("Computing", null)
            desk.collections().create("History of computing", computing.key)
            val life = desk.collections().create("Life sciences", null)
            desk.collections().create("Ecology", life.key)
            val evolution = desk.collections().create("Evolution", life.key)
            desk.savedSearches().create("Tagged computing", listOf(SearchCondition("tag", "is", "computing")), false)
            for (item in readingList) keys[item.fields.getValue("title")] = desk.items().create(item).key
            desk.collections().addItems(computing.key, keys.filterKeys { "Comput" in it || "Machines" in it }.values.toList())
            desk.collections().addItems(evolution.key, listOf(keys.getValue("On the Origin of Species")))
            desk.items().addNote(keys["On the Origin of Species"], "<p>Chapter IV on natural selection is the core of the argument.</p>")
            val pdf = File(work, "Origin.pdf").also { it.writeText(PDF, Charsets.ISO_8859_1) }
            attachment = desk.files().attach(keys["On the Origin of Species"], pdf.path).key
            desk.annotations().add(attachment, NewAnnotation("highlight", "endless forms most beautiful", "The famous last sentence", "#ffd400", "1", "00000|000000|00000", """{"pageIndex":0,"rects":[]}"""))
            desk.annotations().add(attachment, NewAnnotation("note", null, "Compare with Wallace 1858", "#2ea8e5", "1", "00000|000001|00000", """{"pageIndex":0,"rects":[]}"""))
            desk.sync().syncNow(SyncRequest(server.baseUrl, null, key, KeyStorage.File(File(work, "desk-key").path), false), null)
            desk.close()
        }
        val appDir = File(work, "app")
        runBlocking {
            val platform = desktopPlatform(appDir)
            val library = createLibrary(platform.storage.libraryPath, LibraryOptions(false, null))
            library.sync().syncNow(SyncRequest(server.baseUrl, null, key, KeyStorage.File(platform.storage.keyFilePath), false), null)
            // The Files screen shows a collection kept offline.
            val lifeSciences = library.collections().tree().first { it.name == "Life sciences" }.key
            library.files().setDownloadPolicy(FileDownloadPolicy.Collections(listOf(lifeSciences)))
            library.close()
        }
        val origin = keys.getValue("On the Origin of Species")
        val lookups = LookupStandIns()
        val shots = listOf(
            Shot("phone-library", 412, 915) { _, _ -> },
            Shot("phone-item", 412, 915) { app, _ -> app.navigate(Screen.Item(origin)) },
            Shot("tablet-library", 1280, 800) { app, _ -> app.navigate(Screen.Item(origin)) },
            Shot("tablet-annotate", 1280, 800) { app, _ -> app.navigate(Screen.Annotate(attachment)) },
            Shot("phone-files", 412, 915) { app, _ -> app.navigate(Screen.Files) },
            Shot("phone-add-by-identifier", 412, 915, content = { app -> AddByIdentifierShot(app, lookups.settings) }) { _, _ -> },
            Shot("phone-sign-in", 412, 915) { _, _ -> },
            // Two references chosen with a long press, to share together.
            Shot("phone-choosing", 412, 915) { app, keys ->
                listOf("On the Origin of Species", "Silent Spring").forEach { app.browser?.toggleChosen(keys.getValue(it)) }
            },
            Shot("phone-sync-status", 412, 915) { app, _ -> app.navigate(Screen.SyncStatus) },
        )
        for (shot in shots) {
            val dir = if (shot.name.endsWith("sign-in")) File(work, "fresh") else appDir
            capture(shot, dir, keys, File(out, "${shot.name}.png"))
        }
        lookups.close()
    }
    work.deleteRecursively()
    println("screenshots written to ${out.path}")
    // The window toolkit's threads would keep the JVM alive.
    exitProcess(0)
}

private fun capture(shot: Shot, appDir: File, keys: Map<String, String>, file: File) {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)
    val app = AppState(desktopPlatform(appDir), scope)
    lateinit var frame: JFrame
    val custom = androidx.compose.runtime.mutableStateOf(false)
    SwingUtilities.invokeAndWait {
        frame = JFrame("Shelfmark").apply {
            isUndecorated = true
            setBounds(0, 0, shot.width, shot.height)
            contentPane.add(ComposePanel().apply { setContent { if (custom.value) shot.content?.invoke(app) else ShelfmarkApp(app) } })
            isVisible = true
        }
    }
    waitUntil { app.screen != Screen.Loading && (app.screen == Screen.SignIn || (app.browser?.rows?.total ?: 0) > 0) }
    SwingUtilities.invokeAndWait {
        shot.go(app, keys)
        custom.value = shot.content != null
    }
    // Let pages load, images render and animations settle.
    Thread.sleep(2500)
    val image = Robot().createScreenCapture(Rectangle(0, 0, shot.width, shot.height))
    ImageIO.write(image, "png", file)
    println("wrote ${file.path}")
    SwingUtilities.invokeAndWait { frame.dispose() }
    app.close()
    scope.cancel()
}

private fun waitUntil(timeoutMs: Long = 30_000, condition: () -> Boolean) {
    val end = System.currentTimeMillis() + timeoutMs
    while (!condition()) {
        check(System.currentTimeMillis() < end) { "the screen did not show in time" }
        Thread.sleep(50)
    }
}
