package org.shelfmark.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.DrawerValue
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.ModalDrawerSheet
import androidx.compose.material3.ModalNavigationDrawer
import androidx.compose.material3.PermanentDrawerSheet
import androidx.compose.material3.PermanentNavigationDrawer
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Snackbar
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.material3.VerticalDivider
import androidx.compose.material3.rememberDrawerState
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import org.shelfmark.app.state.AddByIdentifierState
import org.shelfmark.app.state.AnnotateState
import org.shelfmark.app.state.AppState
import org.shelfmark.app.state.FilesState
import org.shelfmark.app.state.ImportState
import org.shelfmark.app.state.ItemDetailState
import org.shelfmark.app.state.ItemEditState
import org.shelfmark.app.state.LibraryBrowserState
import org.shelfmark.app.state.Screen
import org.shelfmark.app.state.ShareState

/** Wider than this, the sidebar is a permanent pane and the list and the item sit side by side. */
val TabletWidth = 840.dp

/** The whole app: sign-in, then the library browser and the screens it opens. */
@Composable
fun ShelfmarkApp(app: AppState) {
    LaunchedEffect(app) { if (app.screen == Screen.Loading) app.start() }
    ShelfmarkTheme {
        Surface(Modifier.fillMaxSize()) {
            BoxWithConstraints(Modifier.fillMaxSize()) {
                val tablet = maxWidth >= TabletWidth
                Column(Modifier.fillMaxSize()) {
                    Box(Modifier.weight(1f)) { Content(app, tablet) }
                    app.notice?.let { notice ->
                        Snackbar(
                            modifier = Modifier.padding(8.dp),
                            action = { TextButton(onClick = { app.notice = null }) { Text("Dismiss") } },
                        ) { Text(notice) }
                    }
                }
                DeletionConfirmationDialog(app.sync)
            }
        }
    }
}

@Composable
private fun Content(app: AppState, tablet: Boolean) {
    val library = app.library
    val browser = app.browser
    when (val screen = app.screen) {
        Screen.Loading -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
        Screen.SignIn -> SignInScreen(app.signIn)
        Screen.Library -> if (browser != null) LibraryLayout(app, browser, tablet, selectedKey = null)
        is Screen.Item -> if (browser != null && tablet) {
            LibraryLayout(app, browser, tablet, selectedKey = screen.key)
        } else if (library != null) {
            val state = remember(screen.key) { ItemDetailState(browser?.shown ?: library, app.scope, screen.key) }
            WithBack(app, "Item") { ItemDetailScreen(app, state) }
        }
        is Screen.Edit -> if (library != null) {
            val handle = browser?.shown ?: library
            val state = remember(screen.key) { ItemEditState(handle, app.scope, screen.key) }
            WithBack(app, "Edit") { ItemEditScreen(app, state) }
        }
        is Screen.NewItem -> if (library != null) {
            val handle = browser?.shown ?: library
            val state = remember(screen) { ItemEditState(handle, app.scope, null, screen.itemType, screen.collection) }
            WithBack(app, "New item") { ItemEditScreen(app, state) }
        }
        is Screen.AddByIdentifier -> if (library != null) {
            val state = remember(screen) {
                screen.state ?: AddByIdentifierState(browser?.shown ?: library, app.scope, app.lookupSettings, screen.collection).also { screen.state = it }
            }
            WithBack(app, "Add by identifier") { AddByIdentifierScreen(state, app.platform.scanner) { key -> app.navigate(Screen.Item(key)) } }
        }
        is Screen.Annotate -> if (library != null) {
            val state = remember(screen.attachmentKey) {
                AnnotateState(library, app.scope, app.platform.pdf, app.keyStorage, screen.attachmentKey)
            }
            WithBack(app, "Annotate") { AnnotateScreen(state, tablet) }
        }
        is Screen.Share -> if (library != null) {
            val state = remember(screen.keys) { ShareState(library, app.scope, app.platform.share, screen.keys) }
            WithBack(app, "Share") { ShareScreen(state) }
        }
        is Screen.Import -> if (library != null) {
            val state = remember(screen.path) { ImportState(library, app.scope, screen.path) }
            WithBack(app, "Import") { ImportScreen(app, state) }
        }
        Screen.SyncStatus -> WithBack(app, "Sync") { SyncStatusScreen(app, app.sync) }
        Screen.Conflicts -> WithBack(app, "Sync conflicts") { ConflictsScreen(app.sync) }
        Screen.Files -> if (library != null) {
            val state = remember { FilesState(library, app.scope, onKeepChanged = { app.sync.syncNow() }) }
            WithBack(app, "Files") { FilesScreen(state) }
        }
    }
}

/** A screen opened from the library, with a top bar and a way back. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun WithBack(app: AppState, title: String, content: @Composable () -> Unit) {
    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(title) },
                navigationIcon = {
                    if (app.canGoBack) {
                        TextButton(onClick = { app.back() }, modifier = Modifier.testTag(Tags.BACK)) { Text("‹ Back") }
                    }
                },
            )
        },
    ) { padding -> Box(Modifier.padding(padding).fillMaxSize()) { content() } }
}

/**
 * The library: on tablets a permanent sidebar, the list and the selected
 * item side by side; on phones the sidebar is a drawer and an item opens
 * as its own screen.
 */
@Composable
private fun LibraryLayout(app: AppState, browser: LibraryBrowserState, tablet: Boolean, selectedKey: String?) {
    val open: (String) -> Unit = { key ->
        if (tablet && app.screen is Screen.Item) app.back()
        app.navigate(Screen.Item(key))
    }
    if (tablet) {
        PermanentNavigationDrawer(
            drawerContent = {
                PermanentDrawerSheet(Modifier.width(280.dp)) { Sidebar(app, browser, onChosen = { if (app.screen is Screen.Item) app.back() }) }
            },
        ) {
            Row(Modifier.fillMaxSize()) {
                Box(Modifier.weight(0.45f).fillMaxHeight()) {
                    LibraryListScreen(app, browser, onMenu = null, onOpen = open, selectedKey = selectedKey)
                }
                VerticalDivider()
                Box(Modifier.weight(0.55f).fillMaxHeight()) {
                    val library = app.library
                    if (selectedKey != null && library != null) {
                        val state = remember(selectedKey) { ItemDetailState(browser.shown, app.scope, selectedKey) }
                        ItemDetailScreen(app, state)
                    } else {
                        Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
                            Text("Choose a reference", style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.outline)
                        }
                    }
                }
            }
        }
    } else {
        val drawer = rememberDrawerState(DrawerValue.Closed)
        val scope = rememberCoroutineScope()
        ModalNavigationDrawer(
            drawerState = drawer,
            drawerContent = {
                ModalDrawerSheet(Modifier.width(300.dp)) {
                    Sidebar(app, browser, onChosen = { scope.launch { drawer.close() } })
                }
            },
        ) {
            LibraryListScreen(app, browser, onMenu = { scope.launch { drawer.open() } }, onOpen = open, selectedKey = null)
        }
    }
}

/** A small text button used for menus in top bars. */
@Composable
fun BarButton(label: String, tag: String, onClick: () -> Unit) {
    IconButton(onClick = onClick, modifier = Modifier.testTag(tag)) { Text(label, style = MaterialTheme.typography.titleLarge) }
}
