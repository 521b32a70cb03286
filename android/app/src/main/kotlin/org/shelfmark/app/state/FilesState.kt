package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.shelfmark.CollectionTreeRow
import org.shelfmark.FileDownloadPolicy
import org.shelfmark.FileInfo
import org.shelfmark.FileScope
import org.shelfmark.FileSettings
import org.shelfmark.LibraryHandle
import org.shelfmark.ShelfmarkException
import org.shelfmark.fileChanges

/**
 * Attachment files: each one's state, which files stay downloaded on this
 * device (the whole library or offline collections; the library downloads
 * them at each sync), Wi-Fi only, the cache budget, and removing downloads.
 * `onKeepChanged` runs after the kept files change, so that a sync fetches
 * them now rather than at the next scheduled one.
 */
class FilesState(
    private val library: LibraryHandle,
    private val scope: CoroutineScope,
    private val onKeepChanged: () -> Unit = {},
) {
    var files: List<FileInfo> by mutableStateOf(emptyList())
        private set
    var settings: FileSettings? by mutableStateOf(null)
        private set

    /** The collection tree, depth first, to choose offline collections from. */
    var collectionTree: List<CollectionTreeRow> by mutableStateOf(emptyList())
        private set

    /** Whether every file of the library is kept downloaded. */
    val keepAll: Boolean get() = settings?.download is FileDownloadPolicy.All

    /** The offline collections: their files are kept downloaded. */
    val offlineCollections: Set<String>
        get() = (settings?.download as? FileDownloadPolicy.Collections)?.keys?.toSet() ?: emptySet()
    var message: String? by mutableStateOf(null)
        private set

    fun load() {
        scope.launch {
            try {
                files = library.files().states(FileScope.All).filter { !it.inTrash }
                settings = library.files().settings()
                collectionTree = library.collections().tree()
            } catch (e: ShelfmarkException) {
                message = e.message
            }
        }
    }

    /** Reads the file states again whenever files change on this device (a download, an eviction), while collected. */
    suspend fun followFileChanges() {
        library.fileChanges().collect {
            try {
                files = library.files().states(FileScope.All).filter { !it.inTrash }
            } catch (e: ShelfmarkException) {
                message = e.message
            }
        }
    }

    /** Keeps every file of the library downloaded, or only what is opened (and the offline collections chosen before). */
    fun setKeepAll(on: Boolean) = keep(if (on) FileDownloadPolicy.All else collectionsPolicy(offlineCollections))

    /** Adds `collection` to the offline collections or takes it out. */
    fun setOffline(collection: String, on: Boolean) =
        keep(collectionsPolicy(if (on) offlineCollections + collection else offlineCollections - collection))

    private fun collectionsPolicy(keys: Set<String>) =
        if (keys.isEmpty()) FileDownloadPolicy.OnDemand else FileDownloadPolicy.Collections(keys.toList())

    private fun keep(policy: FileDownloadPolicy) = act {
        library.files().setDownloadPolicy(policy)
        onKeepChanged()
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
