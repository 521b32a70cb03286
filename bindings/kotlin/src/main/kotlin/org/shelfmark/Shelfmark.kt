// Hand-written conveniences over the generated bindings: an error's
// category, and listeners as Kotlin Flows.
package org.shelfmark

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.channels.Channel

/** The category of a Shelfmark failure, for deciding how to react to it. */
val ShelfmarkException.category: ErrorCategory
    get() = when (this) {
        is ShelfmarkException.Auth -> ErrorCategory.AUTH
        is ShelfmarkException.Network -> ErrorCategory.NETWORK
        is ShelfmarkException.Quota -> ErrorCategory.QUOTA
        is ShelfmarkException.Conflict -> ErrorCategory.CONFLICT
        is ShelfmarkException.InvalidInput -> ErrorCategory.INVALID_INPUT
        is ShelfmarkException.NotFound -> ErrorCategory.NOT_FOUND
        is ShelfmarkException.Cancelled -> ErrorCategory.CANCELLED
        is ShelfmarkException.Storage -> ErrorCategory.STORAGE
        is ShelfmarkException.Internal -> ErrorCategory.INTERNAL
    }

/**
 * Every committed change to the library, as a cold Flow: collecting it
 * subscribes, cancelling the collection unsubscribes.
 */
fun LibraryHandle.changes(): Flow<LibraryChanges> = callbackFlow {
    val handle = subscribe(object : LibraryListener {
        override fun onChange(changes: LibraryChanges) {
            trySendBlocking(changes)
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.buffer(Channel.UNLIMITED)

/**
 * The sidebar kept current, as a cold Flow: the sidebar at once, then the
 * whole sidebar again after each change that alters it (a slow collector
 * gets the newest). Cancelling the collection stops it.
 */
fun LibraryHandle.sidebarUpdates(): Flow<List<SidebarSection>> = callbackFlow {
    val handle = watchSidebar(object : SidebarListener {
        override fun onSidebar(sections: List<SidebarSection>) {
            trySendBlocking(sections)
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.conflate()

/**
 * Which attachments' files changed state on this device (downloaded,
 * downloading, removed, waiting for upload), as a cold Flow of their keys;
 * read their states again with `files().states(...)`. Cancelling the
 * collection stops it.
 */
fun LibraryHandle.fileChanges(): Flow<List<String>> = callbackFlow {
    val handle = watchFiles(object : FileListener {
        override fun onFilesChanged(attachmentKeys: List<String>) {
            trySendBlocking(attachmentKeys)
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.buffer(Channel.UNLIMITED)

/**
 * One page of an item list kept current: first a reset holding the page,
 * then the edits each change makes to it. Cancelling the collection stops it.
 */
fun Items.watchList(query: ItemListQuery): Flow<ItemListUpdate> = callbackFlow {
    val handle = watch(query, object : ItemListListener {
        override fun onUpdate(update: ItemListUpdate) {
            trySendBlocking(update)
        }
    })
    awaitClose { handle.cancel(); handle.close() }
}.buffer(Channel.UNLIMITED)

/**
 * Applies a watched page's edits to the rows a list view shows, in order,
 * and returns the new rows.
 */
fun List<ItemRow>.applying(update: ItemListUpdate): List<ItemRow> {
    val rows = toMutableList()
    for (diff in update.diffs) {
        when (diff) {
            is ItemListDiff.Reset -> { rows.clear(); rows.addAll(diff.rows) }
            is ItemListDiff.Insert -> rows.add(diff.index.toInt(), diff.row)
            is ItemListDiff.Remove -> rows.removeAt(diff.index.toInt())
            is ItemListDiff.Set -> rows[diff.index.toInt()] = diff.row
        }
    }
    return rows
}
