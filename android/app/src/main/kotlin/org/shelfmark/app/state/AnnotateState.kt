package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.graphics.ImageBitmap
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.shelfmark.Annotation
import org.shelfmark.AnnotationEdit
import org.shelfmark.DownloadListener
import org.shelfmark.DownloadRequest
import org.shelfmark.FileStatusKind
import org.shelfmark.KeyStorage
import org.shelfmark.LibraryHandle
import org.shelfmark.NewAnnotation
import org.shelfmark.ShelfmarkException
import org.shelfmark.app.platform.PdfPageRenderer

/** The kinds of annotation the reader adds, with their labels. */
val annotationKinds = listOf("highlight" to "Highlight", "underline" to "Underline", "note" to "Note")

/** The colours offered, as the hex values the annotations store. */
val annotationColors = listOf("#ffd400", "#ff6666", "#5fb236", "#2ea8e5", "#a28ae5")

private val annotationColorNames = mapOf(
    "#ffd400" to "Yellow",
    "#ff6666" to "Red",
    "#5fb236" to "Green",
    "#2ea8e5" to "Blue",
    "#a28ae5" to "Purple",
)

/** What a colour is called (read out by screen readers); another app's colour by its hex value. */
fun annotationColorName(hex: String): String = annotationColorNames[hex.lowercase()] ?: hex

/**
 * The reader: opens a PDF attachment (downloading it first, with progress),
 * draws its pages through the platform's renderer, and adds, edits and
 * deletes annotations. Annotations are items of the library that sync; the
 * PDF file itself is never written.
 */
class AnnotateState(
    private val library: LibraryHandle,
    private val scope: CoroutineScope,
    private val renderer: PdfPageRenderer,
    private val keyStorage: KeyStorage,
    val attachmentKey: String,
) {
    var path: String? by mutableStateOf(null)
        private set
    var downloading: Pair<Long, Long>? by mutableStateOf(null)
        private set
    var pageCount by mutableStateOf(0)
        private set
    var page by mutableStateOf(0)
        private set
    var pageImage: ImageBitmap? by mutableStateOf(null)
        private set
    var annotations: List<Annotation> by mutableStateOf(emptyList())
        private set
    var error: String? by mutableStateOf(null)
        private set

    /** The annotation being written or edited. */
    var kind by mutableStateOf("highlight")
    var color by mutableStateOf(annotationColors.first())
    var comment by mutableStateOf("")
    var text by mutableStateOf("")
    var editing: Annotation? by mutableStateOf(null)
        private set

    fun open(widthPx: Int = 1080) {
        scope.launch {
            try {
                val state = library.files().state(attachmentKey)
                if (state.status is FileStatusKind.NotDownloaded || state.status is FileStatusKind.ChangedRemotely) {
                    downloading = 0L to 0L
                    val download = library.files().download(
                        listOf(attachmentKey),
                        DownloadRequest(opened = true, keyStorage = keyStorage),
                        object : DownloadListener {
                            override fun onProgress(key: String, done: ULong, total: ULong) {
                                scope.launch { downloading = done.toLong() to total.toLong() }
                            }
                        },
                    )
                    val result = download.finished().firstOrNull()
                    downloading = null
                    if (result?.ok != true) {
                        error = "The file could not be downloaded: ${result?.error ?: "no result"}"
                        return@launch
                    }
                }
                val file = library.files().open(attachmentKey)
                path = file
                pageCount = renderer.pageCount(file)
                annotations = library.annotations().list(attachmentKey)
                showPage(0, widthPx)
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    fun showPage(index: Int, widthPx: Int = 1080) {
        val file = path ?: return
        if (index !in 0 until pageCount) return
        page = index
        scope.launch { pageImage = renderer.renderPage(file, index, widthPx) }
    }

    /** The annotations on the page shown. */
    fun onPage(): List<Annotation> = annotations.filter { it.pageLabel == (page + 1).toString() }

    fun startEditing(annotation: Annotation?) {
        editing = annotation
        kind = annotation?.annotationType ?: "highlight"
        color = annotation?.color ?: annotationColors.first()
        comment = annotation?.comment ?: ""
        text = annotation?.text ?: ""
    }

    /** Adds the annotation being written to the page shown, or saves the one being edited. */
    fun save() {
        val current = editing
        scope.launch {
            try {
                if (current == null) {
                    val sortIndex = "%05d|%06d|%05d".format(page, annotations.size, 0)
                    library.annotations().add(
                        attachmentKey,
                        NewAnnotation(
                            annotationType = kind,
                            text = text.takeIf { kind != "note" && it.isNotBlank() },
                            comment = comment.ifBlank { null },
                            color = color,
                            pageLabel = (page + 1).toString(),
                            sortIndex = sortIndex,
                            position = """{"pageIndex":$page,"rects":[]}""",
                        ),
                    )
                } else {
                    library.annotations().update(
                        current.key,
                        AnnotationEdit(text = text.takeIf { current.annotationType != "note" }, comment = comment, color = color),
                    )
                }
                annotations = library.annotations().list(attachmentKey)
                startEditing(null)
                error = null
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }

    fun delete(annotation: Annotation) {
        scope.launch {
            try {
                library.annotations().delete(annotation.key)
                annotations = library.annotations().list(attachmentKey)
                if (editing?.key == annotation.key) startEditing(null)
            } catch (e: ShelfmarkException) {
                error = e.message
            }
        }
    }
}
