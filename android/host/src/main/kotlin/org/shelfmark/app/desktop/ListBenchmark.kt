// The list benchmark (not a test): how long a 50,000-item library takes
// from opening to its first rows drawn, and to jump to row 40,000, with the
// app's own list screen drawn off screen. Targets: 300 ms and 100 ms.
package org.shelfmark.app.desktop

import androidx.compose.foundation.lazy.LazyListState
import androidx.compose.ui.ExperimentalComposeUiApi
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.shelfmark.Creator
import org.shelfmark.LibraryOptions
import org.shelfmark.NewItem
import org.shelfmark.app.state.AppState
import org.shelfmark.app.state.LibraryBrowserState
import org.shelfmark.app.ui.LibraryListScreen
import org.shelfmark.app.ui.ShelfmarkTheme
import org.shelfmark.createLibrary
import org.shelfmark.openLibrary
import java.io.File
import java.nio.file.Files
import kotlin.system.exitProcess

private val surnames = listOf("Lovelace", "Darwin", "Turing", "Kuhn", "Shannon", "Carson", "Watson", "Dawkins", "Hardin", "Noether", "Curie", "Hopper")
private val words = listOf("tidal", "rhythms", "estuaries", "computable", "numbers", "species", "selection", "entropy", "signals", "networks", "proteins", "climate")

/** Creates the library once (it is kept in target/ between runs). */
private suspend fun ensureLibrary(path: File, items: Int) {
    if (path.exists()) return
    path.parentFile.mkdirs()
    val library = createLibrary(path.path, LibraryOptions(false, null))
    var made = 0
    while (made < items) {
        val batch = (made until minOf(items, made + 5_000)).map { i ->
            NewItem(
                if (i % 3 == 0) "book" else "journalArticle",
                mapOf("title" to "${words[i % 12].replaceFirstChar { it.uppercase() }} ${words[(i / 12) % 12]} and ${words[(i / 144) % 12]} $i", "date" to (1900 + i % 120).toString()),
                listOf(Creator("author", "A.", surnames[i % surnames.size], false, "")),
                emptyList(),
                emptyList(),
            )
        }
        library.items().createMany(batch)
        made += batch.size
    }
    library.close()
    println("created $items items in ${path.path}")
}

@OptIn(ExperimentalComposeUiApi::class)
fun main(args: Array<String>) {
    val items = args.firstOrNull()?.toIntOrNull() ?: 50_000
    val path = File(args.getOrNull(1) ?: "target/bench", "list-$items.shelfmark")
    runBlocking { ensureLibrary(path, items) }

    // Compose and Skia start with the app, not with the library: warm them up first.
    ImageComposeScene(412, 915, Density(1f)) { ShelfmarkTheme { androidx.compose.material3.Text("Shelfmark") } }.also { it.render() }.close()
    // Row 40,000 of 50,000; the last row for a smaller library.
    val target = minOf(40_000, items - 1)
    repeat(3) { run ->
        runBlocking {
            val scope = CoroutineScope(coroutineContext + SupervisorJob())
            val listState = LazyListState()
            val started = System.nanoTime()
            val library = openLibrary(path.path, LibraryOptions(false, null))
            val browser = LibraryBrowserState(library, scope)
            val app = AppState(desktopPlatform(Files.createTempDirectory("bench-app").toFile()), scope)
            val scene = ImageComposeScene(412, 915, Density(1f), coroutineContext) {
                ShelfmarkTheme { LibraryListScreen(app, browser, onMenu = {}, onOpen = {}, selectedKey = null, listState = listState) }
            }
            while (browser.rows.rowAt(0) == null) {
                scene.render()
                yield()
            }
            scene.render()
            val firstRows = (System.nanoTime() - started) / 1e6

            val jumpStarted = System.nanoTime()
            launch { listState.scrollToItem(target) }
            while (browser.rows.rowAt(target) == null || listState.layoutInfo.visibleItemsInfo.none { it.index == target }) {
                scene.render()
                yield()
            }
            scene.render()
            val jump = (System.nanoTime() - jumpStarted) / 1e6
            println("run ${run + 1}: opened ${browser.rows.total} items, first rows drawn in %.0f ms (target 300); row %,d drawn in %.0f ms (target 100)".format(firstRows, target, jump))
            scene.close()
            browser.close()
            library.close()
            scope.cancel()
        }
    }
    exitProcess(0)
}
