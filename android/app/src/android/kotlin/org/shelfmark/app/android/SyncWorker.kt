package org.shelfmark.app.android

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import org.shelfmark.LibraryOptions
import org.shelfmark.ShelfmarkException
import org.shelfmark.openLibrary
import java.io.File

/**
 * The periodic background sync WorkManager runs. It uses the app's open
 * library when the app is running, or opens the file itself; a library
 * never signed in is left alone.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = (applicationContext as ShelfmarkApplication).app
        val storage = app.platform.storage
        if (!File(storage.libraryPath).exists()) return Result.success()
        val open = app.library
        val library = open ?: openLibrary(storage.libraryPath, LibraryOptions(false, storage.stylesDir))
        return try {
            if (library.sync().account() == null) return Result.success()
            library.sync().syncNow(app.boundRequest, null)
            Result.success()
        } catch (e: ShelfmarkException.Network) {
            Result.retry()
        } catch (e: ShelfmarkException) {
            Result.failure()
        } finally {
            if (open == null) library.close()
        }
    }

    companion object {
        const val NAME = "shelfmark-sync"
    }
}
