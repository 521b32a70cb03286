package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.shelfmark.CitationStyle
import org.shelfmark.CiteFormat
import org.shelfmark.ExportScope
import org.shelfmark.Format
import org.shelfmark.LibraryHandle
import org.shelfmark.ShelfmarkException
import org.shelfmark.app.platform.ShareSheet

/**
 * Sharing references: a citation or bibliography entry in a chosen style as
 * text, or the references as a RIS or BibTeX file, through the share sheet.
 */
class ShareState(
    private val library: LibraryHandle,
    private val scope: CoroutineScope,
    private val sheet: ShareSheet,
    val keys: List<String>,
) {
    var styles: List<CitationStyle> by mutableStateOf(emptyList())
        private set
    var style: String? by mutableStateOf(null)
        private set
    var bibliography by mutableStateOf(true)
        private set
    var preview by mutableStateOf("")
        private set
    var error: String? by mutableStateOf(null)
        private set

    fun load() {
        scope.launch {
            try {
                styles = library.citations().styles()
                choose(style ?: styles.firstOrNull()?.id ?: return@launch, bibliography)
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    fun choose(styleId: String, asBibliography: Boolean = bibliography) {
        style = styleId
        bibliography = asBibliography
        scope.launch {
            try {
                preview = library.citations().cite(keys, styleId, CiteFormat.TEXT, asBibliography)
                error = null
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    fun shareCitation() {
        if (preview.isNotEmpty()) sheet.shareText(subject(), preview)
    }

    fun shareFile(format: Format) {
        scope.launch {
            try {
                val content = library.transfer().export(format, ExportScope.Items(keys))
                val (ext, mime) = when (format) {
                    Format.BIBTEX, Format.BIBLATEX -> "bib" to "application/x-bibtex"
                    else -> "ris" to "application/x-research-info-systems"
                }
                sheet.shareFile("references.$ext", mime, content)
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    private fun subject() = if (keys.size == 1) "Reference" else "${keys.size} references"
}
