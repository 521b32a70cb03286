package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.shelfmark.AutoSync
import org.shelfmark.AutoSyncListener
import org.shelfmark.AutoSyncSettings
import org.shelfmark.ErrorCategory
import org.shelfmark.KeyStorage
import org.shelfmark.LibraryHandle
import org.shelfmark.LibraryOptions
import org.shelfmark.LiveUpdates
import org.shelfmark.LookupSettings
import org.shelfmark.ShelfmarkException
import org.shelfmark.SyncRequest
import org.shelfmark.SyncSummary
import org.shelfmark.app.platform.Platform
import org.shelfmark.category
import org.shelfmark.createLibrary
import org.shelfmark.openLibrary
import java.io.File

/** The screens the app navigates between. */
sealed interface Screen {
    data object Loading : Screen
    data object SignIn : Screen
    data object Library : Screen
    data class Item(val key: String) : Screen
    data class Edit(val key: String) : Screen
    data class NewItem(val itemType: String, val collection: String?) : Screen

    /** Add by identifier; a new one each time it is opened. */
    class AddByIdentifier(val collection: String?) : Screen {
        /** Its rows and lookups, kept while it is on the stack (so an opened item and back shows them again). */
        var state: AddByIdentifierState? = null
    }

    data class Annotate(val attachmentKey: String) : Screen
    data class Share(val keys: List<String>) : Screen
    data class Import(val path: String) : Screen
    data object SyncStatus : Screen
    data object Conflicts : Screen
    data object Files : Screen
}

/**
 * The app: the open library, the navigation stack, and the platform calls
 * that depend on being signed in (automatic sync, background scheduling,
 * network changes). Screens get their state holders from here.
 */
class AppState(val platform: Platform, val scope: CoroutineScope) {
    var library: LibraryHandle? by mutableStateOf(null)
        private set
    private val stack = mutableStateListOf<Screen>(Screen.Loading)
    val screen: Screen get() = stack.last()
    val canGoBack: Boolean get() = stack.size > 1

    /** A message for the whole app (a failed open, a sync error), shown until dismissed. */
    var notice: String? by mutableStateOf(null)

    val keyStorage: KeyStorage get() = KeyStorage.File(platform.storage.keyFilePath)

    /** Where Add by identifier looks identifiers up: the public services unless set. */
    var lookupSettings = LookupSettings()

    /** Later syncs need neither the address nor the key: the library file is bound. */
    val boundRequest: SyncRequest get() = SyncRequest(null, null, null, keyStorage, false)

    private var autoSync: AutoSync? = null
    private var network: AutoCloseable? = null

    var browser: LibraryBrowserState? by mutableStateOf(null)
        private set
    val sync = SyncState(this)
    val signIn = SignInState(this)

    /** Opens the library file (creating it on first start) and shows sign-in or the library. */
    fun start() {
        scope.launch {
            try {
                val path = platform.storage.libraryPath
                val options = LibraryOptions(allowCloudFolder = false, stylesDir = platform.storage.stylesDir)
                val handle = if (File(path).exists()) openLibrary(path, options) else createLibrary(path, options)
                library = handle
                browser = LibraryBrowserState(handle, scope)
                if (handle.sync().account() == null) {
                    replaceAll(Screen.SignIn)
                } else {
                    replaceAll(Screen.Library)
                    startBackgroundWork()
                }
            } catch (e: ShelfmarkException) {
                notice = "The library could not be opened: ${e.message}"
                replaceAll(Screen.SignIn)
            }
        }
    }

    /** Called once the first sync has the items in: the library is browsable. */
    fun signedIn() {
        replaceAll(Screen.Library)
        browser?.refresh()
    }

    /**
     * When automatic sync runs while the app is in front: every 15 minutes,
     * and 5 quiet seconds after the last edit. Read when it starts.
     */
    var autoSyncSettings = AutoSyncSettings(intervalSeconds = 900u, debounceSeconds = 5u)

    private var lifecycle: AutoCloseable? = null
    private var foreground = false

    /** The last sync automatic sync runs on leaving the foreground, until it is done. */
    private var closing: Job? = null

    /**
     * After a successful first sync: automatic sync while the app is in
     * front, WorkManager when it is not, and the network's metered state
     * passed on to file downloads.
     */
    fun startBackgroundWork() {
        val handle = library ?: return
        platform.scheduler.schedulePeriodicSync(15)
        if (network == null) {
            network = platform.connectivity.observe { metered ->
                if (metered != null) scope.launch { runCatching { handle.files().setNetwork(metered) } }
            }
        }
        if (lifecycle == null) {
            lifecycle = platform.lifecycle.observe { inFront ->
                scope.launch { if (inFront) cameToForeground(handle) else wentToBackground() }
            }
        }
    }

    /**
     * The app is in front: automatic sync runs (again), syncing after edits
     * and on its interval, with changes made elsewhere arriving as they
     * happen.
     */
    private suspend fun cameToForeground(handle: LibraryHandle) {
        foreground = true
        // The last sync of the previous visit finishes first.
        closing?.join()
        if (!foreground || autoSync != null) return
        autoSync = try {
            handle.sync().startAutoSync(
                boundRequest,
                autoSyncSettings,
                object : AutoSyncListener {
                    override fun onSynced(summary: SyncSummary) = sync.heard(summary)
                    override fun onFailed(category: ErrorCategory, message: String) = sync.heardFailure(category, message)
                },
            )
        } catch (e: ShelfmarkException) {
            notice = "Automatic sync could not start: ${e.message}"
            null
        }
    }

    /**
     * The app left the foreground: one more sync of what was edited (the
     * core decides whether one is needed), then automatic sync stops until
     * the app is back; WorkManager syncs meanwhile.
     */
    private fun wentToBackground() {
        foreground = false
        val running = autoSync ?: return
        autoSync = null
        closing = scope.launch {
            try {
                sync.heard(running.appClosing())
            } catch (e: ShelfmarkException) {
                sync.heardFailure(e.category, e.message ?: "")
            }
        }
    }

    /** Whether changes made elsewhere arrive as they happen (off in the background). */
    val liveUpdates: LiveUpdates
        get() = autoSync?.liveUpdates() ?: LiveUpdates.OFF

    /** Stops everything the app started; the library stays as it is on disk. */
    fun close() {
        lifecycle?.close()
        lifecycle = null
        autoSync?.stop()
        autoSync = null
        network?.close()
        network = null
        browser?.close()
    }

    /** A file opened with the app ("open with", or the import picker): show the import with its report. */
    fun openFile(path: String) {
        if (library == null) {
            notice = "Sign in first, then open the file again."
            return
        }
        navigate(Screen.Import(path))
    }

    fun navigate(screen: Screen) {
        stack.add(screen)
    }

    fun back() {
        if (stack.size > 1) stack.removeAt(stack.lastIndex)
    }

    private fun replaceAll(screen: Screen) {
        stack.clear()
        stack.add(screen)
    }
}
