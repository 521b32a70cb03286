package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.shelfmark.FileInfo
import org.shelfmark.FileScope
import org.shelfmark.FileSettings
import org.shelfmark.LibraryHandle
import org.shelfmark.ShelfmarkException

/** Attachment files: each one's state, Wi-Fi only, the cache budget, and removing downloads. */
class FilesState(private val library: LibraryHandle, private val scope: CoroutineScope) {
    var files: List<FileInfo> by mutableStateOf(emptyList())
        private set
    var settings: FileSettings? by mutableStateOf(null)
        private set
    var message: String? by mutableStateOf(null)
        private set

    fun load() {
        scope.launch {
            try {
                files = library.files().states(FileScope.All).filter { !it.inTrash }
                settings = library.files().settings()
            } catch (e: ShelfmarkException) {
                message = e.message
            }
        }
    }

    fun setWifiOnly(on: Boolean) = act { library.files().setUnmeteredOnly(on) }

    /** Sets the cache budget in megabytes (null: no limit); downloads beyond it are removed, oldest first. */
    fun setBudgetMb(mb: Long?) = act {
        val evicted = library.files().setCacheBudget(mb?.let { (it * 1_000_000).toULong() })
        if (evicted.files > 0u) message = "Removed ${evicted.files} downloaded ${plural(evicted.files.toLong(), "file")}"
    }

    fun evictAll() = act {
        val evicted = library.files().evict(FileScope.All)
        message = "Removed ${evicted.files} downloaded ${plural(evicted.files.toLong(), "file")} (${evicted.bytes / 1_000u} kB)"
    }

    private fun act(action: suspend () -> Unit) {
        scope.launch {
            try {
                action()
            } catch (e: ShelfmarkException) {
                message = e.message
            }
            load()
        }
    }
}
