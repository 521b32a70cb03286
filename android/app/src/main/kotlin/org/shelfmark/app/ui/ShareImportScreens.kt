package org.shelfmark.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.shelfmark.Format
import org.shelfmark.app.state.AppState
import org.shelfmark.app.state.ImportState
import org.shelfmark.app.state.Screen
import org.shelfmark.app.state.ShareState

/** How many styles the share screen offers before "more" (the library lists the common ones first). */
private const val COMMON_STYLES = 8

/** Share: choose a style, see the citation, share it as text or the references as a file. */
@Composable
fun ShareScreen(state: ShareState) {
    LaunchedEffect(state) { state.load() }
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text("Style", style = MaterialTheme.typography.titleSmall)
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp), modifier = Modifier.fillMaxWidth()) {
            FilterChip(selected = state.bibliography, onClick = { state.choose(state.style ?: return@FilterChip, true) }, label = { Text("Bibliography entry") })
            FilterChip(selected = !state.bibliography, onClick = { state.choose(state.style ?: return@FilterChip, false) }, label = { Text("In-text citation") })
        }
        state.styles.take(COMMON_STYLES).chunked(2).forEach { pair ->
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                pair.forEach { s ->
                    FilterChip(selected = state.style == s.id, onClick = { state.choose(s.id) }, label = { Text(s.title, maxLines = 1) }, modifier = Modifier.weight(1f).testTag(Tags.style(s.id)))
                }
            }
        }
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Card(Modifier.fillMaxWidth()) { Text(state.preview, Modifier.padding(16.dp).testTag(Tags.SHARE_PREVIEW)) }
        Button(onClick = { state.shareCitation() }, modifier = Modifier.fillMaxWidth().testTag(Tags.SHARE_TEXT)) { Text("Share citation") }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(onClick = { state.shareFile(Format.RIS) }, modifier = Modifier.weight(1f).testTag(Tags.SHARE_RIS)) { Text("Share as RIS") }
            OutlinedButton(onClick = { state.shareFile(Format.BIBTEX) }, modifier = Modifier.weight(1f).testTag(Tags.SHARE_BIBTEX)) { Text("Share as BibTeX") }
        }
    }
}

/** Import: runs the import of a file opened with the app and shows its report. */
@Composable
fun ImportScreen(app: AppState, state: ImportState) {
    LaunchedEffect(state) { state.run() }
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(java.io.File(state.path).name, style = MaterialTheme.typography.titleMedium)
        if (state.running) CircularProgressIndicator()
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        val report = state.report ?: return@Column
        val summary = state.summary ?: return@Column
        Column(Modifier.semantics(mergeDescendants = true) {}.testTag(Tags.IMPORT_REPORT), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text(summary.headline, style = MaterialTheme.typography.titleMedium)
            if (summary.byType.isNotEmpty()) {
                Text(summary.byType.joinToString(", ") { "${it.count} ${it.label}" }, style = MaterialTheme.typography.bodyMedium)
            }
            summary.lines.forEach { Text(it) }
            // The records behind "could not be imported" and "kept in Extra", one by one (duplicates were told above).
            val duplicates = report.duplicates.map { it.record }.toSet()
            report.skipped.filter { it.record !in duplicates }.forEach {
                Text("Record ${it.record}: ${it.message}", style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.error)
            }
            report.keptInExtra.forEach { Text("Record ${it.record}: ${it.message}", style = MaterialTheme.typography.bodySmall) }
        }
        Button(onClick = { app.back(); app.browser?.refresh() }) { Text("Show the library") }
        report.created.firstOrNull()?.let { first ->
            OutlinedButton(onClick = { app.navigate(Screen.Item(first)) }) { Text("Open the first imported reference") }
        }
    }
}
