package org.shelfmark.app.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.ExperimentalFoundationApi
import androidx.compose.foundation.clickable
import androidx.compose.foundation.combinedClickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyListState
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationDrawerItem
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import org.shelfmark.ItemRow
import org.shelfmark.app.state.AppState
import org.shelfmark.app.state.LibraryBrowserState
import org.shelfmark.app.state.regularItemTypes
import org.shelfmark.app.state.Screen
import org.shelfmark.app.state.sortChoices
import org.shelfmark.syncProgressText

/** The sidebar: each library's rows as the library lays them out, then the app's other screens. */
@Composable
fun Sidebar(app: AppState, browser: LibraryBrowserState, onChosen: () -> Unit) {
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(12.dp).testTag(Tags.SIDEBAR)) {
        Text("Shelfmark", style = MaterialTheme.typography.titleLarge, color = MaterialTheme.colorScheme.primary, modifier = Modifier.padding(12.dp))
        browser.sections.forEach { section ->
            SectionLabel(section.title + if (!section.editable) " (read only)" else "")
            section.rows.forEach { row ->
                NavigationDrawerItem(
                    label = { Text(row.title, maxLines = 1, overflow = TextOverflow.Ellipsis) },
                    badge = row.itemCount?.let { { Text(it.toString()) } },
                    selected = browser.selection?.id == row.id,
                    onClick = { browser.select(row); onChosen() },
                    modifier = Modifier.padding(start = (row.depth.toInt() * 16).dp).testTag(Tags.sidebar(row.title)),
                )
            }
        }
        HorizontalDivider(Modifier.padding(vertical = 8.dp))
        listOf("Sync status" to Screen.SyncStatus, "Files" to Screen.Files).forEach { (label, screen) ->
            NavigationDrawerItem(
                label = { Text(label) },
                selected = false,
                onClick = { onChosen(); app.navigate(screen) },
                modifier = Modifier.testTag(Tags.sidebar(label)),
            )
        }
        NavigationDrawerItem(
            label = { Text("Import a file…") },
            selected = false,
            onClick = { onChosen(); app.platform.picker.pickImportFile { path -> if (path != null) app.openFile(path) } },
            modifier = Modifier.testTag(Tags.sidebar("Import")),
        )
    }
}

@Composable
private fun SectionLabel(text: String) {
    Text(text, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.outline, modifier = Modifier.padding(start = 16.dp, top = 12.dp, bottom = 4.dp))
}

/** The item list of the sidebar's choice: sort, quick search, and rows read a page at a time. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun LibraryListScreen(
    app: AppState,
    browser: LibraryBrowserState,
    onMenu: (() -> Unit)?,
    onOpen: (String) -> Unit,
    selectedKey: String?,
    listState: LazyListState = rememberLazyListState(),
) {
    Scaffold(
        topBar = {
            val chosen = browser.chosenKeys
            if (chosen.isNotEmpty()) {
                // Choosing references to share together: the bar says how many and offers Share.
                TopAppBar(
                    title = { Text("${chosen.size} chosen", modifier = Modifier.testTag(Tags.CHOSEN_COUNT)) },
                    navigationIcon = { BarButton("✕", Tags.CHOSEN_CANCEL) { browser.clearChosen() } },
                    actions = {
                        TextButton(
                            onClick = { app.navigate(Screen.Share(chosen.toList())); browser.clearChosen() },
                            modifier = Modifier.testTag(Tags.CHOSEN_SHARE),
                        ) { Text("Share") }
                    },
                )
            } else {
                TopAppBar(
                    title = { Text(browser.title, maxLines = 1, overflow = TextOverflow.Ellipsis) },
                    navigationIcon = { if (onMenu != null) BarButton("☰", Tags.MENU, onMenu) },
                    actions = {
                        if (browser.editable) NewItemMenu(app, browser)
                        TextButton(onClick = { app.sync.syncNow() }, enabled = !app.sync.running, modifier = Modifier.testTag(Tags.SYNC_NOW)) {
                            Text(if (app.sync.running) "Syncing…" else "Sync")
                        }
                        SortMenu(browser)
                    },
                )
            }
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            SyncBanner(app)
            OutlinedTextField(
                value = browser.searchText,
                onValueChange = { browser.searchFor(it) },
                placeholder = { Text("Search title, creator, year") },
                singleLine = true,
                modifier = Modifier.fillMaxWidth().padding(horizontal = 12.dp, vertical = 4.dp).testTag(Tags.SEARCH),
            )
            Row(Modifier.padding(horizontal = 12.dp), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                FilterChip(
                    selected = browser.searchEverything,
                    onClick = { browser.searchFor(browser.searchText, !browser.searchEverything) },
                    label = { Text("Everything (abstracts, notes, annotations)") },
                    modifier = Modifier.testTag(Tags.SEARCH_EVERYTHING),
                )
            }
            val rows = browser.rows
            Text(
                "${rows.total} ${if (rows.total == 1) "reference" else "references"}",
                style = MaterialTheme.typography.labelMedium,
                color = MaterialTheme.colorScheme.outline,
                modifier = Modifier.padding(horizontal = 16.dp, vertical = 4.dp).testTag(Tags.ITEM_COUNT),
            )
            if (browser.showsConflicts) {
                // The rows say which items; the conflicts screen shows each field here and online.
                Button(
                    onClick = { app.navigate(Screen.Conflicts) },
                    modifier = Modifier.padding(horizontal = 12.dp, vertical = 4.dp).testTag(Tags.RESOLVE_CONFLICTS),
                ) { Text("Resolve conflicts…") }
            }
            browser.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp)) }
            LazyColumn(Modifier.fillMaxSize().testTag(Tags.ITEM_LIST), state = listState) {
                items(rows.total, key = { it }) { index ->
                    val row = rows.rowAt(index)
                    if (row == null) {
                        val page = rows.pageOf(index)
                        LaunchedEffect(rows, page) { runCatching { rows.ensurePage(page) } }
                        Spacer(Modifier.fillMaxWidth().height(72.dp))
                    } else {
                        // Only rows with attachments read file states; the others compose nothing for it.
                        val fileStates = if (row.numChildren > 0u || row.itemType == "attachment") {
                            produceState(emptyList<String>(), row, browser.shown, browser.fileStatesVersion) {
                                value = browser.fileStatusTexts(row.key)
                            }.value
                        } else {
                            emptyList()
                        }
                        val choosing = browser.chosenKeys.isNotEmpty()
                        ItemRowView(
                            row,
                            selected = row.key == selectedKey || row.key in browser.chosenKeys,
                            onClick = { if (choosing) browser.toggleChosen(row.key) else onOpen(row.key) },
                            onLongClick = { browser.toggleChosen(row.key) },
                            fileStates = fileStates,
                        )
                    }
                    HorizontalDivider()
                }
            }
        }
    }
}

/** "New": references by identifier, or a new item of any type, in the chosen collection. */
@Composable
private fun NewItemMenu(app: AppState, browser: LibraryBrowserState) {
    var open by remember { mutableStateOf(false) }
    TextButton(onClick = { open = true }, modifier = Modifier.testTag(Tags.NEW_ITEM)) { Text("New") }
    DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
        DropdownMenuItem(
            text = { Text("By identifier (DOI, ISBN…)") },
            onClick = { open = false; app.navigate(Screen.AddByIdentifier(browser.collection)) },
            modifier = Modifier.testTag(AddTags.MENU_ITEM),
        )
        // Read when the menu first opens, not while the list's first frame is composed.
        regularItemTypes.forEach { type ->
            DropdownMenuItem(
                text = { Text(type.label) },
                onClick = { open = false; app.navigate(Screen.NewItem(type.name, browser.collection)) },
                modifier = Modifier.testTag("new:${type.name}"),
            )
        }
    }
}

@Composable
private fun SortMenu(browser: LibraryBrowserState) {
    var open by remember { mutableStateOf(false) }
    TextButton(onClick = { open = true }, modifier = Modifier.testTag("sort")) {
        Text("Sort: " + (sortChoices.firstOrNull { it.first == browser.sort }?.second ?: ""))
    }
    DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
        sortChoices.forEach { (field, label) ->
            DropdownMenuItem(
                text = { Text(label) },
                onClick = { open = false; browser.sortBy(field) },
                modifier = Modifier.testTag(Tags.sort(label)),
            )
        }
    }
}

/**
 * The last sync's outcome, or the running sync's stage (the first sync's
 * too: the list is shown while it indexes for search).
 */
@Composable
fun SyncBanner(app: AppState) {
    val sync = app.sync
    val firstSync = app.signIn.progress?.takeIf { app.signIn.busy }
    val text = (sync.progress ?: firstSync)?.let { syncProgressText(it) } ?: sync.lastError ?: sync.lastResult ?: return
    Column(
        Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.secondaryContainer).clickable { app.navigate(Screen.SyncStatus) }
            .padding(horizontal = 16.dp, vertical = 8.dp).testTag(Tags.SYNC_BANNER),
    ) {
        Text(text, style = MaterialTheme.typography.bodySmall, color = if (sync.lastError != null && sync.progress == null && firstSync == null) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSecondaryContainer)
        if (sync.running || firstSync != null) LinearProgressIndicator(Modifier.fillMaxWidth().padding(top = 4.dp))
    }
}

/**
 * One list row: title, creators, year, type, how many notes and attachments
 * it has, and each attachment's file state. A long press ticks it for sharing
 * with others.
 */
@OptIn(ExperimentalFoundationApi::class)
@Composable
fun ItemRowView(row: ItemRow, selected: Boolean, onClick: () -> Unit, onLongClick: (() -> Unit)? = null, fileStates: List<String> = emptyList()) {
    Column(
        Modifier.fillMaxWidth()
            .background(if (selected) MaterialTheme.colorScheme.primaryContainer else MaterialTheme.colorScheme.surface)
            .combinedClickable(onLongClick = onLongClick, onClick = onClick)
            .padding(horizontal = 16.dp, vertical = 10.dp)
            .testTag(Tags.row(row.key)),
    ) {
        Text(row.title.ifEmpty { "(untitled)" }, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.SemiBold, maxLines = 2, overflow = TextOverflow.Ellipsis)
        val meta = listOfNotNull(
            row.creatorSummary.takeIf { it.isNotEmpty() },
            row.year?.toString(),
            row.itemTypeLabel,
            row.numChildren.takeIf { it > 0u }?.let { "$it attached" },
        ).joinToString(" · ")
        Text(meta, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant, maxLines = 1, overflow = TextOverflow.Ellipsis)
        if (fileStates.isNotEmpty()) {
            Text(
                fileStates.joinToString(" · "),
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.outline,
                maxLines = 1,
                overflow = TextOverflow.Ellipsis,
                modifier = Modifier.testTag(Tags.rowFiles(row.key)),
            )
        }
    }
}
