package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.shelfmark.Format
import org.shelfmark.ImportOptions
import org.shelfmark.ImportReport
import org.shelfmark.ImportSummary
import org.shelfmark.LibraryHandle
import org.shelfmark.OnDuplicate
import org.shelfmark.ShelfmarkException
import org.shelfmark.importSummary
import java.io.File

/** The format a file's name says it holds (null: let the library recognise it). */
fun formatOf(path: String): Format? = when (File(path).extension.lowercase()) {
    "ris" -> Format.RIS
    "bib" -> Format.BIBTEX
    "enw" -> Format.ENDNOTE_TAGGED
    "xml" -> Format.ENDNOTE_XML
    else -> null
}

/** Imports a file opened with the app and shows what the import did. */
class ImportState(private val library: LibraryHandle, private val scope: CoroutineScope, val path: String) {
    var report: ImportReport? by mutableStateOf(null)
        private set

    /** The report in the library's words: headline, what else happened, items by type. */
    var summary: ImportSummary? by mutableStateOf(null)
        private set
    var error: String? by mutableStateOf(null)
        private set
    var running by mutableStateOf(false)
        private set

    fun run() {
        if (running || report != null) return
        running = true
        scope.launch {
            try {
                val done = library.transfer().importFile(path, ImportOptions(formatOf(path), null, OnDuplicate.SKIP), null)
                summary = importSummary(done)
                report = done
            } catch (e: ShelfmarkException) {
                error = "${File(path).name} could not be imported: ${e.message}"
            } finally {
                running = false
            }
        }
    }
}
