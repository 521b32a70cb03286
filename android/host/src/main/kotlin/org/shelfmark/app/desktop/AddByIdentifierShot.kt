package org.shelfmark.app.desktop

import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.Surface
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import org.shelfmark.LookupSettings
import org.shelfmark.app.state.AddByIdentifierState
import org.shelfmark.app.state.AppState
import org.shelfmark.app.ui.AddByIdentifierScreen
import org.shelfmark.app.ui.ShelfmarkTheme
import org.shelfmark.app.ui.WithBack

/** A pasted list as the screenshot shows it: two found, a wrong check digit, a service asking to wait. */
private val PASTED = listOf(
    "doi:${LookupStandIns.ARTICLE_DOI}",
    "ISBN 978-0-262-03384-8",
    "ISBN 978-0-262-03384-9",
    "arXiv:1706.03762",
).joinToString("\n")

/** Add by identifier with [PASTED] added through `settings` (the stand-in services). */
@Composable
fun AddByIdentifierShot(app: AppState, settings: LookupSettings) {
    val library = app.library ?: return
    val state = remember {
        AddByIdentifierState(library, app.scope, settings, null).apply {
            text = PASTED
            addAll()
        }
    }
    ShelfmarkTheme {
        Surface(Modifier.fillMaxSize()) {
            WithBack(app, "Add by identifier") { AddByIdentifierScreen(state, app.platform.scanner) {} }
        }
    }
}
