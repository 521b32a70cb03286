package org.shelfmark.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.shelfmark.ConflictChoice
import org.shelfmark.ConflictText
import org.shelfmark.SyncResetChoice
import org.shelfmark.syncResetChoices
import org.shelfmark.app.state.AppState
import org.shelfmark.app.state.Screen
import org.shelfmark.app.state.SyncState
import org.shelfmark.syncErrorKindText
import org.shelfmark.syncProgressText
import org.shelfmark.timeAgoText

/** How many recent runs Sync status lists before "Show all". */
private const val RUNS_SHOWN = 5

/** Sync status: each library's state, the last runs with errors by kind, held deletions, reset. */
@Composable
fun SyncStatusScreen(app: AppState, sync: SyncState) {
    LaunchedEffect(sync) { sync.reload() }
    var resetChoice by remember { mutableStateOf<SyncResetChoice?>(null) }
    var allRuns by remember { mutableStateOf(false) }
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = { sync.syncNow() }, enabled = !sync.running, modifier = Modifier.testTag(Tags.SYNC_NOW)) { Text(if (sync.running) "Syncing…" else "Sync now") }
            OutlinedButton(onClick = { app.navigate(Screen.Conflicts) }, modifier = Modifier.testTag("sync.conflicts")) {
                Text("Conflicts (${sync.conflicts.size})")
            }
        }
        sync.progress?.let {
            Text(syncProgressText(it))
            LinearProgressIndicator(Modifier.fillMaxWidth())
        }
        sync.statusText?.let { status ->
            Column(Modifier.semantics(mergeDescendants = true) {}.testTag("sync.headline")) {
                Text(status.headline, style = MaterialTheme.typography.titleMedium)
                status.detail?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
            }
        }
        sync.lastResult?.let { Text(it, modifier = Modifier.testTag("sync.result")) }
        sync.lastError?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag("sync.error")) }
        sync.status.forEach { s ->
            Card(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}.testTag("sync.library:${s.name}")) {
                Column(Modifier.padding(12.dp)) {
                    Text(s.name + if (!s.editable) " (read only)" else "", fontWeight = FontWeight.SemiBold)
                    Text("Version ${s.version} · ${s.unsynced} changes to upload · ${s.conflicts} conflicts", style = MaterialTheme.typography.bodySmall)
                    if (s.fulltextPending > 0u) Text("${s.fulltextPending} items wait to be indexed for search", style = MaterialTheme.typography.bodySmall)
                    s.lastRun?.let { run ->
                        Text("Last run ${timeAgoText(run.started, null)}: ${run.outcome}" + (run.errorKind?.let { " — ${syncErrorKindText(it)}" } ?: ""), style = MaterialTheme.typography.bodySmall)
                    }
                }
            }
        }
        sync.deletionConfirmation?.let { confirmation ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                    Text(confirmation.title, fontWeight = FontWeight.SemiBold)
                    confirmation.groups.forEach { Text(it.summary, style = MaterialTheme.typography.bodySmall) }
                    OutlinedButton(onClick = { sync.reviewDeletions() }, modifier = Modifier.testTag(Tags.DELETIONS_REVIEW)) { Text("Review…") }
                }
            }
        }
        Text("Recent runs", style = MaterialTheme.typography.titleSmall)
        // The latest few; the rest (up to the log's 20) on request, so that reset stays in reach.
        sync.log.take(if (allRuns) sync.log.size else RUNS_SHOWN).forEach { entry ->
            Row(Modifier.fillMaxWidth()) {
                Text(timeAgoText(entry.started, null), style = MaterialTheme.typography.bodySmall, modifier = Modifier.width(120.dp))
                Text(entry.outcome + (entry.errorKind?.let { " · ${syncErrorKindText(it)}" } ?: "") + (entry.message?.let { ": $it" } ?: ""), style = MaterialTheme.typography.bodySmall)
            }
        }
        if (!allRuns && sync.log.size > RUNS_SHOWN) {
            TextButton(onClick = { allRuns = true }, modifier = Modifier.testTag("sync.runs.all")) { Text("Show all ${sync.log.size} runs") }
        }
        Text("Reset sync", style = MaterialTheme.typography.titleSmall)
        // The three ways and their words come from the library, so both apps explain them alike.
        resetChoices.forEach { choice ->
            Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(2.dp)) {
                OutlinedButton(onClick = { resetChoice = choice }, modifier = Modifier.testTag(Tags.reset(choice.mode.name))) { Text(choice.title) }
                Text(choice.description, style = MaterialTheme.typography.bodySmall)
            }
        }
        sync.resetBackup?.let { Text("Backup written to $it", style = MaterialTheme.typography.bodySmall, modifier = Modifier.testTag(Tags.RESET_BACKUP)) }
    }
    resetChoice?.let { choice ->
        AlertDialog(
            onDismissRequest = { resetChoice = null },
            title = { Text(choice.title) },
            text = { Text(choice.confirmation, modifier = Modifier.testTag(Tags.RESET_CONFIRMATION)) },
            confirmButton = {
                TextButton(onClick = { sync.reset(choice.mode); resetChoice = null }, modifier = Modifier.testTag(Tags.RESET_CONFIRM)) {
                    Text(choice.title, color = if (choice.destructive) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.primary)
                }
            },
            dismissButton = { TextButton(onClick = { resetChoice = null }, modifier = Modifier.testTag(Tags.RESET_CANCEL)) { Text("Cancel") } },
        )
    }
}

/** The ways to reset sync, in the library's words; they never change while the app runs. */
private val resetChoices: List<SyncResetChoice> by lazy { syncResetChoices() }

/** Sync conflicts: each field's value here and online; keep either or type a new one. Below, the history with restore. */
@Composable
fun ConflictsScreen(sync: SyncState) {
    LaunchedEffect(sync) { sync.reload() }
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        if (sync.conflicts.isEmpty()) Text("No conflicts.", modifier = Modifier.testTag("conflicts.none"))
        sync.conflicts.forEach { ConflictCard(sync, it) }
        if (sync.history.isNotEmpty()) {
            Text("Resolved earlier", style = MaterialTheme.typography.titleSmall)
            sync.history.forEach { entry ->
                Row(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}.testTag("history:${entry.key}")) {
                    Column(Modifier.weight(1f)) {
                        Text(entry.title, fontWeight = FontWeight.SemiBold)
                        Text("Kept the ${entry.chosen} version of ${entry.fields.joinToString(", ")} on ${entry.resolvedAt}", style = MaterialTheme.typography.bodySmall)
                    }
                    if (entry.restoredAt == null) TextButton(onClick = { sync.restore(entry) }, modifier = Modifier.testTag("history.restore:${entry.key}")) { Text("Restore the other") }
                }
            }
        }
    }
}

@Composable
private fun ConflictCard(sync: SyncState, shown: ConflictText) {
    val conflict = shown.conflict
    val typed = remember(conflict.key) { mutableStateMapOf<String, String>() }
    Card(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}.testTag(Tags.conflict(conflict.key))) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text("${shown.objectLabel} · ${shown.libraryName}", style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.outline)
            Text(shown.title, style = MaterialTheme.typography.titleMedium)
            shown.fields.forEach { f ->
                Text(f.label, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.primary)
                Text("Here: ${f.local}", style = MaterialTheme.typography.bodySmall)
                Text("Online: ${f.remote}", style = MaterialTheme.typography.bodySmall)
                OutlinedTextField(typed[f.field] ?: "", { typed[f.field] = it }, label = { Text("Or type a new value") }, singleLine = true, modifier = Modifier.fillMaxWidth().testTag("conflict.value:${f.field}"))
            }
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { sync.resolve(conflict, ConflictChoice.KeepLocal) }, modifier = Modifier.testTag("conflict.local")) { Text("Keep this device's") }
                OutlinedButton(onClick = { sync.resolve(conflict, ConflictChoice.KeepRemote) }, modifier = Modifier.testTag("conflict.remote")) { Text("Keep online") }
                if (typed.values.any { it.isNotBlank() }) {
                    Button(onClick = { sync.resolve(conflict, ConflictChoice.Values(typed.filterValues { it.isNotBlank() })) }, modifier = Modifier.testTag("conflict.typed")) { Text("Use typed") }
                }
            }
        }
    }
}

/**
 * The library's dialog for deletions a sync held back because they were
 * many: its title and message, what would be deleted by library and
 * direction, and both choices — confirm (then sync again) or leave them
 * held for now (Reset sync on Sync status makes one side equal the other).
 */
@Composable
fun DeletionConfirmationDialog(sync: SyncState) {
    val dialog = sync.deletionDialog ?: return
    AlertDialog(
        onDismissRequest = { sync.postponeDeletions() },
        title = { Text(dialog.title, modifier = Modifier.testTag(Tags.DELETIONS_TITLE)) },
        text = {
            Column(Modifier.verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(dialog.message)
                dialog.groups.forEach { group ->
                    Text(group.libraryName, style = MaterialTheme.typography.labelLarge)
                    Text(group.summary, modifier = Modifier.testTag(Tags.DELETIONS_GROUP))
                    group.objects.take(5).forEach { Text("• ${it.title}", style = MaterialTheme.typography.bodySmall) }
                    if (group.objects.size > 5) Text("and ${group.objects.size - 5} more", style = MaterialTheme.typography.bodySmall)
                }
            }
        },
        confirmButton = {
            TextButton(onClick = { sync.confirmDeletions() }, enabled = !sync.running, modifier = Modifier.testTag(Tags.DELETIONS_CONFIRM)) {
                Text(dialog.confirmLabel, color = MaterialTheme.colorScheme.error)
            }
        },
        dismissButton = {
            TextButton(onClick = { sync.postponeDeletions() }, modifier = Modifier.testTag(Tags.DELETIONS_POSTPONE)) { Text("Not now") }
        },
        modifier = Modifier.testTag(Tags.DELETIONS_DIALOG),
    )
}
