package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.launch
import org.shelfmark.ConflictChoice
import org.shelfmark.ConflictHistoryEntry
import org.shelfmark.ConflictText
import org.shelfmark.DeletionConfirmation
import org.shelfmark.ErrorCategory
import org.shelfmark.LibrarySyncStatus
import org.shelfmark.ShelfmarkException
import org.shelfmark.SyncConflict
import org.shelfmark.SyncListener
import org.shelfmark.SyncLogEntry
import org.shelfmark.SyncProgressEvent
import org.shelfmark.SyncResetMode
import org.shelfmark.SyncStatusText
import org.shelfmark.SyncSummary
import org.shelfmark.category
import org.shelfmark.syncSummaryText

internal fun plural(n: Long, word: String) = if (n == 1L) word else "${word}s"

/**
 * Sync for the whole app: sync now with progress, the status of each
 * library with its last runs, conflicts with their resolution and history,
 * held-back deletions, and reset.
 */
class SyncState(private val app: AppState) {
    var running by mutableStateOf(false)
        private set
    var progress: SyncProgressEvent? by mutableStateOf(null)
        private set
    var lastResult: String? by mutableStateOf(null)
        private set
    var lastError: String? by mutableStateOf(null)
        private set
    var status: List<LibrarySyncStatus> by mutableStateOf(emptyList())
        private set
    var log: List<SyncLogEntry> by mutableStateOf(emptyList())
        private set
    /** Every conflict with each field's label and both values in words (tags and creators as lists, collections by name). */
    var conflicts: List<ConflictText> by mutableStateOf(emptyList())
        private set
    var history: List<ConflictHistoryEntry> by mutableStateOf(emptyList())
        private set
    var resetBackup: String? by mutableStateOf(null)
        private set

    /** The library's dialog for deletions a sync held back (title, message, groups, confirm label), or null. */
    var deletionConfirmation: DeletionConfirmation? by mutableStateOf(null)
        private set

    /** Whether the user chose "Not now": the dialog waits until asked for again or a later sync holds more. */
    private var confirmationPostponed by mutableStateOf(false)

    /** The held-deletions dialog to show now, if any. */
    val deletionDialog: DeletionConfirmation?
        get() = deletionConfirmation.takeIf { !confirmationPostponed }

    /** Leaves the deletions held (nothing is deleted) and closes the dialog. */
    fun postponeDeletions() {
        confirmationPostponed = true
    }

    /** Shows the held-deletions dialog again (from Sync status). */
    fun reviewDeletions() {
        confirmationPostponed = false
    }

    /** The library's own account of the sync state ("Synced 3 minutes ago", "2 conflicts", "Sign in again to sync"). */
    var statusText: SyncStatusText? by mutableStateOf(null)
        private set

    /** A finished sync heard from the automatic sync or a run started here. */
    fun heard(summary: SyncSummary) {
        app.scope.launch {
            lastResult = syncSummaryText(summary)
            lastError = null
            reload()
        }
    }

    fun heardFailure(category: ErrorCategory, message: String) {
        app.scope.launch {
            lastError = if (category == ErrorCategory.AUTH) "Sign in again: $message" else message
            reload()
        }
    }

    private val listener = object : SyncListener {
        override fun onProgress(event: SyncProgressEvent) {
            app.scope.launch { progress = event }
        }

        override fun onConflicts(count: ULong) {}
    }

    fun syncNow() = run { library ->
        heard(library.sync().syncNow(app.boundRequest, listener))
    }

    /** Reads the status, the recent runs, conflicts, history and the held-deletions dialog again. */
    fun reload() {
        val library = app.library ?: return
        app.scope.launch {
            try {
                statusText = library.syncStatusText(null)
                status = library.sync().status()
                log = library.sync().log(20u)
                conflicts = library.conflictTexts()
                history = library.sync().conflictHistory()
                val confirmation = library.deletionConfirmation()
                // A sync that holds back a different set asks again, even after "Not now".
                if (confirmation?.total != deletionConfirmation?.total) confirmationPostponed = false
                deletionConfirmation = confirmation
            } catch (e: ShelfmarkException) {
                lastError = e.message
            }
        }
    }

    fun resolve(conflict: SyncConflict, choice: ConflictChoice) = run { library ->
        library.sync().resolve(conflict.libraryId, conflict.key, choice)
        reload()
        app.browser?.refresh()
    }

    fun restore(entry: ConflictHistoryEntry) = run { library ->
        library.sync().restoreFromHistory(entry.libraryId, entry.id)
        reload()
    }

    fun confirmDeletions() = run { library ->
        library.sync().confirmDeletions()
        heard(library.sync().syncNow(app.boundRequest, listener))
    }

    fun reset(mode: SyncResetMode) = run { library ->
        val report = library.sync().resetSync(mode, app.boundRequest, listener)
        resetBackup = report.backupPath
        heard(report.summary)
    }

    private fun run(action: suspend (org.shelfmark.LibraryHandle) -> Unit) {
        val library = app.library ?: return
        if (running) return
        running = true
        lastError = null
        app.scope.launch {
            try {
                action(library)
            } catch (e: ShelfmarkException) {
                lastError = when (e.category) {
                    ErrorCategory.NETWORK -> "Cannot reach the server: ${e.message}"
                    ErrorCategory.AUTH -> "Sign in again: ${e.message}"
                    else -> e.message
                }
            } finally {
                running = false
                progress = null
                // A failed run is in the log too, with its kind.
                reload()
            }
        }
    }
}
