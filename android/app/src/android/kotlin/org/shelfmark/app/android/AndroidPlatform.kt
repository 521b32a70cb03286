// The platform interfaces implemented with Android's APIs: the share sheet
// through a FileProvider, PdfRenderer, WorkManager, ConnectivityManager and
// the process lifecycle.
package org.shelfmark.app.android

import android.content.ClipData
import android.content.Context
import android.content.Intent
import android.graphics.Bitmap
import android.graphics.Color
import android.graphics.pdf.PdfRenderer
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import android.os.ParcelFileDescriptor
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.core.content.FileProvider
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.shelfmark.app.platform.AppLifecycle
import org.shelfmark.app.platform.AppStorage
import org.shelfmark.app.platform.BackgroundScheduler
import org.shelfmark.app.platform.Connectivity
import org.shelfmark.app.platform.PdfPageRenderer
import org.shelfmark.app.platform.ShareSheet
import java.io.File
import java.util.concurrent.TimeUnit

/** The app's private files: the library, the key (owner-only), the user's styles. */
class PrivateStorage(context: Context) : AppStorage {
    override val libraryPath: String = File(context.filesDir, "library.shelfmark").path
    override val keyFilePath: String = File(context.filesDir, "credentials").path
    override val stylesDir: String = File(context.filesDir, "styles").also { it.mkdirs() }.path
}

/** The system share sheet; files go through the app's FileProvider from the cache folder. */
class AndroidShareSheet(private val context: Context) : ShareSheet {
    override fun shareText(subject: String, text: String) {
        val send = Intent(Intent.ACTION_SEND).apply {
            type = "text/plain"
            putExtra(Intent.EXTRA_SUBJECT, subject)
            putExtra(Intent.EXTRA_TEXT, text)
        }
        start(send)
    }

    override fun shareFile(fileName: String, mimeType: String, content: String) {
        val dir = File(context.cacheDir, "shared").also { it.mkdirs() }
        val file = File(dir, fileName).also { it.writeText(content) }
        val uri = FileProvider.getUriForFile(context, "${context.packageName}.files", file)
        val send = Intent(Intent.ACTION_SEND).apply {
            type = mimeType
            putExtra(Intent.EXTRA_STREAM, uri)
            clipData = ClipData.newRawUri(fileName, uri)
            addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        }
        start(send)
    }

    private fun start(send: Intent) {
        val chooser = Intent.createChooser(send, null).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
        context.startActivity(chooser)
    }
}

/** PdfRenderer, off the main thread; each call opens the file, since the renderer is not thread-safe. */
class AndroidPdfRenderer : PdfPageRenderer {
    private inline fun <T> withRenderer(path: String, use: (PdfRenderer) -> T): T =
        ParcelFileDescriptor.open(File(path), ParcelFileDescriptor.MODE_READ_ONLY).use { fd ->
            PdfRenderer(fd).use(use)
        }

    override suspend fun pageCount(path: String): Int = withContext(Dispatchers.IO) {
        withRenderer(path) { it.pageCount }
    }

    override suspend fun renderPage(path: String, index: Int, widthPx: Int): ImageBitmap = withContext(Dispatchers.IO) {
        withRenderer(path) { renderer ->
            renderer.openPage(index).use { page ->
                val height = (widthPx.toLong() * page.height / page.width).toInt().coerceAtLeast(1)
                val bitmap = Bitmap.createBitmap(widthPx, height, Bitmap.Config.ARGB_8888)
                bitmap.eraseColor(Color.WHITE)
                page.render(bitmap, null, null, PdfRenderer.Page.RENDER_MODE_FOR_DISPLAY)
                bitmap.asImageBitmap()
            }
        }
    }
}

/** WorkManager runs [SyncWorker] periodically while the app is not in use, when there is a network. */
class WorkManagerScheduler(private val context: Context) : BackgroundScheduler {
    override fun schedulePeriodicSync(intervalMinutes: Long) {
        val request = PeriodicWorkRequestBuilder<SyncWorker>(intervalMinutes, TimeUnit.MINUTES)
            .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
            .build()
        WorkManager.getInstance(context).enqueueUniquePeriodicWork(SyncWorker.NAME, ExistingPeriodicWorkPolicy.KEEP, request)
    }

    override fun cancelPeriodicSync() {
        WorkManager.getInstance(context).cancelUniqueWork(SyncWorker.NAME)
    }
}

/** The default network's metered state from ConnectivityManager. */
class AndroidConnectivity(context: Context) : Connectivity {
    private val manager = context.getSystemService(ConnectivityManager::class.java)

    override fun observe(onChange: (metered: Boolean?) -> Unit): AutoCloseable {
        val callback = object : ConnectivityManager.NetworkCallback() {
            override fun onCapabilitiesChanged(network: Network, capabilities: NetworkCapabilities) {
                onChange(!capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED))
            }

            override fun onLost(network: Network) = onChange(null)
        }
        manager.registerDefaultNetworkCallback(callback)
        return AutoCloseable { manager.unregisterNetworkCallback(callback) }
    }
}

/**
 * The process in the foreground while any of its activities is started
 * (ProcessLifecycleOwner, which waits a moment after the last one stops so
 * that a rotation is not a trip to the background). Called on the main thread.
 */
class ProcessForeground : AppLifecycle {
    override fun observe(onChange: (foreground: Boolean) -> Unit): AutoCloseable {
        val lifecycle = ProcessLifecycleOwner.get().lifecycle
        val observer = object : DefaultLifecycleObserver {
            override fun onStart(owner: LifecycleOwner) = onChange(true)
            override fun onStop(owner: LifecycleOwner) = onChange(false)
        }
        // Adding the observer replays onStart when the process is already started.
        if (!lifecycle.currentState.isAtLeast(Lifecycle.State.STARTED)) onChange(false)
        lifecycle.addObserver(observer)
        return AutoCloseable { lifecycle.removeObserver(observer) }
    }
}
