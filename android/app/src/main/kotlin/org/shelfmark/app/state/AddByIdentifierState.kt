package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import org.shelfmark.ItemDetail
import org.shelfmark.LibraryHandle
import org.shelfmark.LookupAddStatus
import org.shelfmark.LookupDuplicateAction
import org.shelfmark.LookupSettings
import org.shelfmark.LookupStatus
import org.shelfmark.Lookups
import org.shelfmark.ShelfmarkException
import org.shelfmark.app.scan.BarcodeRead
import org.shelfmark.recogniseIdentifiers

/** Where one identifier of the text is. */
sealed interface IdentifierOutcome {
    data object LookingUp : IdentifierOutcome
    data object Adding : IdentifierOutcome

    /** A new item was made: `key`. */
    data class Added(val key: String) : IdentifierOutcome

    /** The library already has it as `key` (why: "same DOI 10.…"). */
    data class AlreadyInLibrary(val key: String, val reason: String?) : IdentifierOutcome

    /** No service knows the identifier. */
    data class NotFound(val message: String) : IdentifierOutcome

    /** Not a valid identifier, a service unreachable or refusing: the library's words. */
    data class Failed(val message: String) : IdentifierOutcome
}

/** One identifier found in the text, with what became of it. */
class IdentifierRow(
    /** As it was written. */
    val input: String,
    /** "DOI", "ISBN", "PMID", "PMCID" or "arXiv"; null when not valid. */
    val kind: String?,
    /** The identifier written with its kind, looked up on its own. */
    val labelled: String?,
    outcome: IdentifierOutcome,
) {
    var outcome: IdentifierOutcome by mutableStateOf(outcome)

    /** The item found (the added one, or the library's own), to show its title. */
    var item: ItemDetail? by mutableStateOf(null)

    /** The key to open, once there is one. */
    val key: String?
        get() = when (val o = outcome) {
            is IdentifierOutcome.Added -> o.key
            is IdentifierOutcome.AlreadyInLibrary -> o.key
            else -> null
        }
}

/**
 * Add by identifier: DOIs, ISBNs, PubMed ids and arXiv ids typed, pasted as
 * a list or scanned from a book's barcode. The library finds the
 * identifiers in the text, looks each up and adds what it found (one
 * identifier already in the library adds nothing and offers that item).
 * Each identifier is its own row, so a long list fills in as answers come.
 */
class AddByIdentifierState(
    private val library: LibraryHandle,
    private val scope: CoroutineScope,
    private val settings: LookupSettings,
    /** The collection added items go into, if any. */
    private val collectionKey: String?,
) {
    var text by mutableStateOf("")
    val rows = mutableStateListOf<IdentifierRow>()
    var running by mutableStateOf(false)
        private set

    /** A message about the whole run (no identifiers in the text, lookups unavailable). */
    var error: String? by mutableStateOf(null)
        private set

    /** What the scanner read last ("ISBN 978… added to the list", or why a barcode is not one). */
    var scanMessage: String? by mutableStateOf(null)
        private set

    private var lookups: Lookups? = null

    val canAdd: Boolean get() = !running && text.isNotBlank()

    /** How many identifiers made a new item, and how many the library had. */
    val summary: String?
        get() {
            if (rows.isEmpty() || running) return null
            val added = rows.count { it.outcome is IdentifierOutcome.Added }
            val existing = rows.count { it.outcome is IdentifierOutcome.AlreadyInLibrary }
            val failed = rows.size - added - existing
            return listOfNotNull(
                "Added $added ${plural(added.toLong(), "reference")}",
                if (existing > 0) "$existing already in the library" else null,
                if (failed > 0) "$failed not added" else null,
            ).joinToString(", ")
        }

    /** Looks up every identifier of the text and adds what is found. */
    fun addAll() {
        if (!canAdd) return
        val found = recogniseIdentifiers(text)
        rows.clear()
        if (found.isEmpty()) {
            error = "No DOI, ISBN, PubMed id or arXiv id in the text."
            return
        }
        error = null
        found.forEach { id ->
            val problem = id.problem
            rows.add(
                IdentifierRow(
                    input = id.input,
                    kind = id.identifierKind,
                    labelled = id.labelled,
                    outcome = if (problem != null) IdentifierOutcome.Failed("malformed: $problem") else IdentifierOutcome.LookingUp,
                ),
            )
        }
        running = true
        scope.launch {
            try {
                val client = lookups ?: library.lookups(settings).also { lookups = it }
                // The services' own pacing is in the library; this only keeps
                // a long list from opening every lookup at once.
                val gate = Semaphore(CONCURRENT_LOOKUPS)
                rows.filter { it.outcome == IdentifierOutcome.LookingUp }
                    .map { row -> scope.launch { gate.withPermit { lookUpAndAdd(client, row) } } }
                    .joinAll()
            } catch (e: ShelfmarkException) {
                error = "Lookups are not available: ${e.message}"
                rows.filter { it.outcome == IdentifierOutcome.LookingUp }.forEach { it.outcome = IdentifierOutcome.Failed(e.message ?: "") }
            } finally {
                running = false
            }
        }
    }

    private suspend fun lookUpAndAdd(client: Lookups, row: IdentifierRow) {
        val labelled = row.labelled ?: return
        try {
            val result = client.lookup(labelled).firstOrNull()
            if (result == null) {
                row.outcome = IdentifierOutcome.NotFound("not found")
                return
            }
            row.item = result.preview
            when (result.status) {
                LookupStatus.FOUND -> {
                    row.outcome = IdentifierOutcome.Adding
                    val added = client.addFromLookup(listOf(result), collectionKey, LookupDuplicateAction.USE_EXISTING).firstOrNull()
                    val key = added?.key
                    row.outcome = when {
                        key == null -> IdentifierOutcome.Failed("not added")
                        added.status == LookupAddStatus.EXISTING -> IdentifierOutcome.AlreadyInLibrary(key, null)
                        else -> IdentifierOutcome.Added(key)
                    }
                }
                LookupStatus.ALREADY_IN_LIBRARY -> {
                    val key = result.existingKey
                    row.outcome = if (key != null) IdentifierOutcome.AlreadyInLibrary(key, result.duplicateReason) else IdentifierOutcome.Failed("already in the library")
                    if (key != null) row.item = runCatching { library.items().get(key) }.getOrNull() ?: result.preview
                }
                LookupStatus.NOT_FOUND -> row.outcome = IdentifierOutcome.NotFound(result.message ?: "not found")
                else -> row.outcome = IdentifierOutcome.Failed(result.message ?: result.status.name.lowercase())
            }
        } catch (e: ShelfmarkException) {
            row.outcome = IdentifierOutcome.Failed(e.message ?: "the lookup failed")
        }
    }

    /** A barcode the camera read: an ISBN joins the text on a line of its own (once). */
    fun scanned(read: BarcodeRead) {
        val isbn = read.isbn
        if (isbn == null) {
            scanMessage = read.problem
            return
        }
        val lines = text.lines().map { it.trim() }.filter { it.isNotEmpty() }
        if (lines.any { line -> recogniseIdentifiers(line).any { it.identifier == isbn } }) {
            scanMessage = "ISBN $isbn is on the list"
            return
        }
        text = (lines + isbn).joinToString("\n")
        scanMessage = "ISBN $isbn added to the list"
    }

    /** Starts again with an empty text. */
    fun clear() {
        if (running) return
        text = ""
        rows.clear()
        error = null
        scanMessage = null
    }

    private companion object {
        const val CONCURRENT_LOOKUPS = 4
    }
}
