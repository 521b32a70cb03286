package org.shelfmark.app.android

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.provider.OpenableColumns
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.IntentCompat
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.shelfmark.app.platform.DocumentPicker
import org.shelfmark.app.ui.ShelfmarkApp
import java.io.File

/** The system document picker, through whichever activity is showing. */
class ActivityDocumentPicker : DocumentPicker {
    internal var launch: ((onPicked: (String?) -> Unit) -> Unit)? = null

    override fun pickImportFile(onPicked: (path: String?) -> Unit) {
        launch?.invoke(onPicked) ?: onPicked(null)
    }
}

/** The one activity: shows the app, and hands files opened with it ("open with", share to) to the import screen. */
class MainActivity : ComponentActivity() {
    private val shelfmark get() = application as ShelfmarkApplication
    private var picked: ((String?) -> Unit)? = null

    private val openDocument = registerForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        val done = picked ?: return@registerForActivityResult
        picked = null
        if (uri == null) done(null) else copyThen(uri, done)
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = shelfmark.app
        shelfmark.picker.launch = { onPicked ->
            picked = onPicked
            openDocument.launch(arrayOf("*/*"))
        }
        setContent {
            BackHandler(enabled = app.canGoBack) { app.back() }
            ShelfmarkApp(app)
        }
        if (savedInstanceState == null) handle(intent)
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handle(intent)
    }

    override fun onDestroy() {
        shelfmark.picker.launch = null
        super.onDestroy()
    }

    /** A reference file opened with the app or shared to it. */
    private fun handle(intent: Intent?) {
        val uri = when (intent?.action) {
            Intent.ACTION_VIEW -> intent.data
            Intent.ACTION_SEND -> IntentCompat.getParcelableExtra(intent, Intent.EXTRA_STREAM, Uri::class.java)
            else -> null
        } ?: return
        copyThen(uri) { path -> if (path != null) shelfmark.app.openFile(path) }
    }

    /** Copies a content URI into the cache under its own name, so that the library reads a plain file. */
    private fun copyThen(uri: Uri, then: (String?) -> Unit) {
        val app = shelfmark.app
        app.scope.launch {
            val path = withContext(Dispatchers.IO) {
                runCatching {
                    val name = displayName(uri) ?: "import"
                    val dir = File(cacheDir, "imports").also { it.mkdirs() }
                    val target = File(dir, name.replace('/', '_'))
                    contentResolver.openInputStream(uri)?.use { input -> target.outputStream().use { input.copyTo(it) } }
                    target.path
                }.getOrNull()
            }
            if (path == null) app.notice = "The file could not be read."
            then(path)
        }
    }

    private fun displayName(uri: Uri): String? =
        if (uri.scheme == "file") {
            uri.lastPathSegment
        } else {
            contentResolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME), null, null, null)?.use { cursor ->
                if (cursor.moveToFirst()) cursor.getString(0) else null
            }
        }
}
