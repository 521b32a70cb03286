package org.shelfmark.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.selection.toggleable
import androidx.compose.material3.Checkbox
import androidx.compose.ui.Alignment
import androidx.compose.ui.semantics.Role
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.shelfmark.app.state.FilesState
import org.shelfmark.fileStatusText

private val budgets = listOf<Pair<Long?, String>>(null to "No limit", 500L to "500 MB", 2_000L to "2 GB")

/** Files: every attachment's state, Wi-Fi only, the cache budget, and removing downloads. */
@Composable
fun FilesScreen(state: FilesState) {
    LaunchedEffect(state) { state.load() }
    LaunchedEffect(state) { state.followFileChanges() }
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
        val settings = state.settings
        Row(Modifier.fillMaxWidth()) {
            Text("Download files on Wi-Fi only", Modifier.weight(1f).padding(top = 12.dp))
            Switch(checked = settings?.unmeteredOnly == true, onCheckedChange = { state.setWifiOnly(it) }, modifier = Modifier.testTag("files.wifi"))
        }
        KeepDownloaded(state)
        Text("Space for downloaded files", style = MaterialTheme.typography.titleSmall)
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            budgets.forEach { (mb, label) ->
                val bytes = mb?.let { (it * 1_000_000).toULong() }
                FilterChip(selected = settings?.cacheBudget == bytes, onClick = { state.setBudgetMb(mb) }, label = { Text(label) })
            }
        }
        OutlinedButton(onClick = { state.evictAll() }, modifier = Modifier.testTag("files.evict")) { Text("Remove all downloaded files") }
        state.message?.let { Text(it, modifier = Modifier.testTag("files.message")) }
        HorizontalDivider()
        if (state.files.isEmpty()) Text("No attachment files.")
        state.files.forEach { f ->
            Column(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}.testTag(Tags.file(f.key))) {
                Text(f.filename ?: f.title ?: f.key, style = MaterialTheme.typography.bodyLarge)
                Text(fileStatusText(f.status), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
        }
    }
}

/**
 * Which files stay on this device: the whole library, or the offline
 * collections ticked here. The library downloads them at each sync (on
 * Wi-Fi only, when that is set) and keeps an offline collection's files
 * when it frees space for downloads.
 */
@Composable
private fun KeepDownloaded(state: FilesState) {
    Text("Keep downloaded on this device", style = MaterialTheme.typography.titleSmall)
    Row(Modifier.fillMaxWidth()) {
        Text("Whole library", Modifier.weight(1f).padding(top = 12.dp))
        Switch(checked = state.keepAll, onCheckedChange = { state.setKeepAll(it) }, modifier = Modifier.testTag(Tags.KEEP_ALL))
    }
    if (state.collectionTree.isNotEmpty()) {
        Text(
            "Offline collections: the files of the references directly in each ticked collection.",
            style = MaterialTheme.typography.bodySmall,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
    }
    state.collectionTree.forEach { row ->
        val checked = state.keepAll || row.key in state.offlineCollections
        Row(
            Modifier.fillMaxWidth()
                .toggleable(checked, enabled = !state.keepAll, role = Role.Checkbox) { state.setOffline(row.key, it) }
                .padding(start = (row.depth.toInt() * 20).dp).testTag(Tags.offlineCollection(row.name)),
            verticalAlignment = Alignment.CenterVertically,
        ) {
            Checkbox(checked = checked, onCheckedChange = null, enabled = !state.keepAll)
            Text(row.name, Modifier.padding(start = 8.dp))
        }
    }
}
