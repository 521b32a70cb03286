package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.shelfmark.CitationStyle
import org.shelfmark.Format
import org.shelfmark.LibraryHandle
import org.shelfmark.SharePayload
import org.shelfmark.ShareFormat
import org.shelfmark.ShelfmarkException
import org.shelfmark.app.platform.ShareSheet

/**
 * Sharing references: a citation or bibliography entry in a chosen style as
 * text, or the references as a RIS or BibTeX file, through the share sheet.
 * The library makes the payloads (text, file name and type).
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
    var payload: SharePayload? by mutableStateOf(null)
        private set
    val preview: String get() = payload?.text ?: ""
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

    private var making: Job? = null

    fun choose(styleId: String, asBibliography: Boolean = bibliography) {
        style = styleId
        bibliography = asBibliography
        val format = if (asBibliography) ShareFormat.Bibliography(styleId) else ShareFormat.Citation(styleId)
        // Only the last choice's payload is shown and shared: an earlier one still being made is dropped.
        making?.cancel()
        making = scope.launch {
            try {
                val made = library.sharing().payload(keys, format)
                if (style == styleId && bibliography == asBibliography) {
                    payload = made
                    error = null
                }
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    fun shareCitation() {
        val shown = payload ?: return
        sheet.shareText(shown.subject, shown.text)
    }

    fun shareFile(format: Format) {
        scope.launch {
            try {
                val file = library.sharing().payload(keys, ShareFormat.File(format)).file ?: return@launch
                sheet.shareFile(file.fileName, file.mimeType, file.contents)
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }
}
