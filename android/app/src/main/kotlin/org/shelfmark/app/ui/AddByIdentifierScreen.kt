package org.shelfmark.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import org.shelfmark.ItemDetail
import org.shelfmark.app.platform.BarcodeScanner
import org.shelfmark.app.state.AddByIdentifierState
import org.shelfmark.app.state.IdentifierOutcome
import org.shelfmark.app.state.IdentifierRow

/** Test tags of the Add by identifier screen. */
object AddTags {
    const val TEXT = "lookup.text"
    const val ADD = "lookup.add"
    const val SCAN = "lookup.scan"
    const val VIEWFINDER = "lookup.viewfinder"
    const val SCAN_MESSAGE = "lookup.scan.message"
    const val SUMMARY = "lookup.summary"
    const val ERROR = "lookup.error"
    const val MENU_ITEM = "new:byIdentifier"

    fun row(input: String) = "lookup.row:$input"
    fun open(input: String) = "lookup.open:$input"
}

/**
 * Add by identifier: a text field taking one identifier or a pasted list,
 * the camera reading a book's barcode, and a row for each identifier
 * saying what became of it, with the item to open.
 */
@Composable
fun AddByIdentifierScreen(state: AddByIdentifierState, scanner: BarcodeScanner, onOpen: (String) -> Unit) {
    var scanning by remember { mutableStateOf(false) }
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        OutlinedTextField(
            value = state.text,
            onValueChange = { state.text = it },
            label = { Text("DOIs, ISBNs, PubMed or arXiv ids") },
            placeholder = { Text("One a line, or paste a reference list") },
            minLines = 3,
            maxLines = 10,
            modifier = Modifier.fillMaxWidth().testTag(AddTags.TEXT),
        )
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
            Button(onClick = { state.addAll() }, enabled = state.canAdd, modifier = Modifier.testTag(AddTags.ADD)) { Text("Add") }
            if (scanner.available) {
                OutlinedButton(onClick = { scanning = !scanning }, modifier = Modifier.testTag(AddTags.SCAN)) {
                    Text(if (scanning) "Stop scanning" else "Scan barcode")
                }
            }
            TextButton(onClick = { state.clear() }, enabled = !state.running) { Text("Clear") }
            if (state.running) CircularProgressIndicator(Modifier.size(24.dp))
        }
        if (scanning) {
            scanner.Viewfinder(Modifier.fillMaxWidth().height(220.dp).testTag(AddTags.VIEWFINDER)) { read -> state.scanned(read) }
            Text(
                state.scanMessage ?: "Hold a book's barcode in the frame",
                style = MaterialTheme.typography.bodyMedium,
                modifier = Modifier.testTag(AddTags.SCAN_MESSAGE),
            )
        }
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag(AddTags.ERROR)) }
        state.summary?.let { Text(it, style = MaterialTheme.typography.titleMedium, modifier = Modifier.testTag(AddTags.SUMMARY)) }
        state.rows.forEach { row ->
            HorizontalDivider()
            IdentifierRowView(row, onOpen)
        }
    }
}

@Composable
private fun IdentifierRowView(row: IdentifierRow, onOpen: (String) -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = 48.dp),
        verticalAlignment = Alignment.CenterVertically,
        horizontalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Column(Modifier.weight(1f).semantics(mergeDescendants = true) {}.testTag(AddTags.row(row.input)), verticalArrangement = Arrangement.spacedBy(2.dp)) {
            Text(
                listOfNotNull(row.kind, row.input).joinToString(" "),
                style = MaterialTheme.typography.labelMedium,
                color = MaterialTheme.colorScheme.outline,
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
            )
            row.item?.let { item ->
                Text(item.title.ifBlank { "Untitled" }, style = MaterialTheme.typography.bodyLarge, maxLines = 2, overflow = TextOverflow.Ellipsis)
                byline(item)?.let { Text(it, style = MaterialTheme.typography.bodySmall, maxLines = 1, overflow = TextOverflow.Ellipsis) }
            }
            val (words, colour) = outcomeText(row.outcome)
            Text(words, style = MaterialTheme.typography.bodyMedium, color = if (colour == Color.Unspecified) MaterialTheme.colorScheme.onSurface else colour)
        }
        val key = row.key
        if (key != null) {
            TextButton(onClick = { onOpen(key) }, modifier = Modifier.testTag(AddTags.open(row.input))) { Text("Open") }
        } else if (row.outcome == IdentifierOutcome.LookingUp || row.outcome == IdentifierOutcome.Adding) {
            Box(Modifier.size(48.dp), contentAlignment = Alignment.Center) { CircularProgressIndicator(Modifier.size(20.dp)) }
        }
    }
}

/** What a row says about its identifier, and in which colour. */
@Composable
private fun outcomeText(outcome: IdentifierOutcome): Pair<String, Color> = when (outcome) {
    IdentifierOutcome.LookingUp -> "Looking up…" to Color.Unspecified
    IdentifierOutcome.Adding -> "Adding…" to Color.Unspecified
    is IdentifierOutcome.Added -> "Added" to MaterialTheme.colorScheme.primary
    is IdentifierOutcome.AlreadyInLibrary -> listOfNotNull("Already in the library", outcome.reason?.let { "($it)" }).joinToString(" ") to MaterialTheme.colorScheme.tertiary
    // The library says "not found at DOI.org, Crossref, DataCite".
    is IdentifierOutcome.NotFound -> outcome.message.replaceFirstChar { it.uppercase() } to MaterialTheme.colorScheme.error
    is IdentifierOutcome.Failed -> "Not added: ${outcome.message}" to MaterialTheme.colorScheme.error
}

/** "Kucsko, Maurer, Lukin · 2013", from the item's creators and date. */
private fun byline(item: ItemDetail): String? {
    val names = item.creators.map { it.lastName.ifBlank { it.firstName } }.filter { it.isNotBlank() }
    val creators = if (names.size > 3) names.take(3).joinToString(", ") + " et al." else names.joinToString(", ")
    val year = item.fields.firstOrNull { it.name == "date" }?.value?.let { Regex("\\d{4}").find(it)?.value }
    return listOfNotNull(creators.ifBlank { null }, year).joinToString(" · ").ifBlank { null }
}
