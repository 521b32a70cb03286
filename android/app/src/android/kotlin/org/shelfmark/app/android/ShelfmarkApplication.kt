package org.shelfmark.app.android

import android.app.Application
import android.os.Build
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import org.shelfmark.app.platform.Platform
import org.shelfmark.app.state.AppState

/**
 * Holds the app's state for the life of the process, so that it outlives
 * activities (rotation, the share sheet) and the sync worker can use the
 * open library.
 */
class ShelfmarkApplication : Application() {
    val picker = ActivityDocumentPicker()

    val app: AppState by lazy {
        val platform = Platform(
            deviceName = Build.MODEL,
            storage = PrivateStorage(this),
            share = AndroidShareSheet(this),
            picker = picker,
            pdf = AndroidPdfRenderer(),
            scheduler = WorkManagerScheduler(this),
            connectivity = AndroidConnectivity(this),
            lifecycle = ProcessForeground(),
            scanner = CameraBarcodeScanner(this),
        )
        AppState(platform, CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate))
    }
}
