// Desktop stand-ins for the platform, so that the app's screens run and are
// tested on the host JVM: files instead of the share sheet, a drawn
// placeholder instead of PdfRenderer, a record of schedules instead of
// WorkManager, and a network and a foreground the caller sets.
package org.shelfmark.app.desktop

import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Rect
import androidx.compose.ui.graphics.Canvas
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.Paint
import org.shelfmark.app.platform.AppLifecycle
import org.shelfmark.app.platform.AppStorage
import org.shelfmark.app.platform.BackgroundScheduler
import org.shelfmark.app.platform.Connectivity
import org.shelfmark.app.platform.DocumentPicker
import org.shelfmark.app.platform.PdfPageRenderer
import org.shelfmark.app.platform.Platform
import org.shelfmark.app.platform.ShareSheet
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList

/** The app's files under one folder. */
class FolderStorage(dir: File) : AppStorage {
    init {
        dir.mkdirs()
    }

    override val libraryPath: String = File(dir, "library.shelfmark").path
    override val keyFilePath: String = File(dir, "credentials").path
    override val stylesDir: String = File(dir, "styles").also { it.mkdirs() }.path
}

/** What was shared, kept in order (a test reads it; the desktop has no share sheet). */
class RecordingShareSheet : ShareSheet {
    data class Shared(val subject: String?, val fileName: String?, val mimeType: String, val content: String)

    val shared = CopyOnWriteArrayList<Shared>()

    override fun shareText(subject: String, text: String) {
        shared.add(Shared(subject, null, "text/plain", text))
    }

    override fun shareFile(fileName: String, mimeType: String, content: String) {
        shared.add(Shared(null, fileName, mimeType, content))
    }
}

/** Answers the picker with the next path it was given (null: the user cancelled). */
class QueuedPicker : DocumentPicker {
    val next = ArrayDeque<String?>()

    override fun pickImportFile(onPicked: (path: String?) -> Unit) = onPicked(next.removeFirstOrNull())
}

/**
 * Stands in for PdfRenderer: counts the file's pages from its page objects
 * and draws each as a white sheet with grey lines where text would be.
 */
class PlaceholderPdfRenderer : PdfPageRenderer {
    override suspend fun pageCount(path: String): Int {
        val text = File(path).readBytes().toString(Charsets.ISO_8859_1)
        return Regex("/Type\\s*/Page(?!s)").findAll(text).count().coerceAtLeast(1)
    }

    override suspend fun renderPage(path: String, index: Int, widthPx: Int): ImageBitmap {
        val width = widthPx.coerceAtLeast(100)
        val height = (width * 1.294f).toInt() // A4 proportions
        val image = ImageBitmap(width, height)
        val canvas = Canvas(image)
        canvas.drawRect(Rect(0f, 0f, width.toFloat(), height.toFloat()), Paint().apply { color = Color.White })
        val line = Paint().apply { color = Color(0xFFBDBDBD); strokeWidth = width / 160f }
        val margin = width * 0.1f
        val heading = Paint().apply { color = Color(0xFF616161); strokeWidth = width / 60f }
        canvas.drawLine(Offset(margin, margin), Offset(width * (0.55f + 0.05f * (index % 3)), margin), heading)
        var y = margin * 1.8f
        var n = 0
        while (y < height - margin) {
            val end = if (n % 7 == 6) width * 0.6f else width - margin
            canvas.drawLine(Offset(margin, y), Offset(end, y), line)
            y += width / 32f
            n++
        }
        return image
    }
}

/** Keeps what was scheduled. */
class RecordingScheduler : BackgroundScheduler {
    @Volatile var intervalMinutes: Long? = null

    override fun schedulePeriodicSync(intervalMinutes: Long) {
        this.intervalMinutes = intervalMinutes
    }

    override fun cancelPeriodicSync() {
        intervalMinutes = null
    }
}

/** A network whose metered state the caller sets (a test, or the desktop: unmetered). */
class ManualConnectivity(initial: Boolean? = false) : Connectivity {
    private val listeners = CopyOnWriteArrayList<(Boolean?) -> Unit>()

    @Volatile var metered: Boolean? = initial
        set(value) {
            field = value
            listeners.forEach { it(value) }
        }

    override fun observe(onChange: (metered: Boolean?) -> Unit): AutoCloseable {
        listeners.add(onChange)
        onChange(metered)
        return AutoCloseable { listeners.remove(onChange) }
    }
}

/** An app in front or not as the caller says (a test; the desktop window: always in front). */
class ManualLifecycle(initial: Boolean = true) : AppLifecycle {
    private val listeners = CopyOnWriteArrayList<(Boolean) -> Unit>()

    @Volatile var foreground: Boolean = initial
        set(value) {
            field = value
            listeners.forEach { it(value) }
        }

    override fun observe(onChange: (foreground: Boolean) -> Unit): AutoCloseable {
        listeners.add(onChange)
        onChange(foreground)
        return AutoCloseable { listeners.remove(onChange) }
    }
}

/** The desktop platform: everything under `dir`. */
fun desktopPlatform(dir: File) = Platform(
    deviceName = "Desktop",
    storage = FolderStorage(dir),
    share = RecordingShareSheet(),
    picker = QueuedPicker(),
    pdf = PlaceholderPdfRenderer(),
    scheduler = RecordingScheduler(),
    connectivity = ManualConnectivity(),
    lifecycle = ManualLifecycle(),
    scanner = FrameScanner(),
)
