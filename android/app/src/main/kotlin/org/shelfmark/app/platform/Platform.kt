// What the screens need from the device, behind small interfaces. The app's
// Android source set implements them with Activity intents, PdfRenderer,
// WorkManager, ConnectivityManager and the process lifecycle; the host
// build has desktop stand-ins.
// Nothing in this package may import android.*.
package org.shelfmark.app.platform

import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import org.shelfmark.app.scan.BarcodeRead

/** Hands text or a file to other apps (the Android share sheet). */
interface ShareSheet {
    /** Offers `text` (a citation, a bibliography entry) to other apps. */
    fun shareText(subject: String, text: String)

    /** Offers `content` as a file named `fileName` of type `mimeType` (RIS, BibTeX). */
    fun shareFile(fileName: String, mimeType: String, content: String)
}

/** Lets the user choose a file to import (the system's document picker). */
interface DocumentPicker {
    /** Asks for a file; calls `onPicked` with a readable local copy, or null when cancelled. */
    fun pickImportFile(onPicked: (path: String?) -> Unit)
}

/** Draws the pages of a PDF file (PdfRenderer on Android). */
interface PdfPageRenderer {
    /** How many pages the PDF at `path` has. */
    suspend fun pageCount(path: String): Int

    /** Page `index` (from 0) drawn `widthPx` wide, keeping the page's proportions. */
    suspend fun renderPage(path: String, index: Int, widthPx: Int): ImageBitmap
}

/**
 * Wakes the app to sync while it is not running (WorkManager on Android).
 * While the app runs, the core's automatic sync decides when to sync; this
 * only schedules the periodic background run.
 */
interface BackgroundScheduler {
    fun schedulePeriodicSync(intervalMinutes: Long)

    fun cancelPeriodicSync()
}

/** The network the device is on (ConnectivityManager on Android). */
interface Connectivity {
    /**
     * Calls `onChange` now and on every change with whether the network is
     * metered (null: no network). Closing the result stops the calls.
     */
    fun observe(onChange: (metered: Boolean?) -> Unit): AutoCloseable
}

/**
 * Whether the app is in front of the user (ProcessLifecycleOwner on
 * Android: some activity started, or all stopped). The app follows changes
 * made elsewhere only in front, and syncs once more on leaving.
 */
interface AppLifecycle {
    /**
     * Calls `onChange` now and on every change with whether the app is in
     * the foreground. Closing the result stops the calls.
     */
    fun observe(onChange: (foreground: Boolean) -> Unit): AutoCloseable
}

/** Where the app keeps its files (the app's private storage on Android). */
interface AppStorage {
    /** The library file. */
    val libraryPath: String

    /** The file holding the API key, owner-only (the core creates it so). */
    val keyFilePath: String

    /** The user's own citation styles, if any. */
    val stylesDir: String?
}

/**
 * Reads books' barcodes with the camera (CameraX frames decoded by
 * [org.shelfmark.app.scan.IsbnBarcodeDecoder] on Android).
 */
interface BarcodeScanner {
    /** Whether this device has a camera to scan with. */
    val available: Boolean

    /**
     * The camera's picture, asking for the camera permission first if need
     * be. Every barcode it reads goes to `onRead`, already decoded.
     */
    @Composable
    fun Viewfinder(modifier: Modifier, onRead: (BarcodeRead) -> Unit)
}

/** A device without a camera: nothing to scan with. */
object NoBarcodeScanner : BarcodeScanner {
    override val available: Boolean get() = false

    @Composable
    override fun Viewfinder(modifier: Modifier, onRead: (BarcodeRead) -> Unit) = Unit
}

/** Everything platform-specific the app uses, handed to [org.shelfmark.app.state.AppState]. */
class Platform(
    /** How this device is named on the server's list of keys ("Pixel 8", "Ada's tablet"). */
    val deviceName: String,
    val storage: AppStorage,
    val share: ShareSheet,
    val picker: DocumentPicker,
    val pdf: PdfPageRenderer,
    val scheduler: BackgroundScheduler,
    val connectivity: Connectivity,
    val lifecycle: AppLifecycle,
    val scanner: BarcodeScanner = NoBarcodeScanner,
)
