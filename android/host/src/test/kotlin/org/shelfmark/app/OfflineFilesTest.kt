package org.shelfmark.app

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.assertIsOff
import androidx.compose.ui.test.assertIsOn
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.FileDownloadPolicy
import org.shelfmark.FileStatusKind
import org.shelfmark.app.state.AppState
import org.shelfmark.app.ui.Tags

/** Files kept on the device: an offline collection's files are downloaded by the next sync, then the whole library's. */
class OfflineFilesTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun offlineCollectionThenWholeLibrary() {
        // The engine sketch is in Machines (under Computing); the Origin is in no collection.
        val inMachines = fixture.attachPdf("Sketch of the Analytical Engine")
        val elsewhere = fixture.attachPdf("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        rule.onNodeWithTag(Tags.MENU).also { rule.waitForTag(Tags.MENU) }.performClick()
        rule.waitForTag(Tags.sidebar("Files")).performClick()
        rule.waitForTag(Tags.file(inMachines)).assertTextContains("Not downloaded", substring = true)

        rule.waitForTag(Tags.offlineCollection("Machines")).performScrollTo().assertIsOff().performClick()
        // Choosing it syncs, and the sync downloads the collection's files only; the screen follows the download.
        rule.waitUntil(WAIT_MS) { status(app, inMachines) == FileStatusKind.Downloaded }
        // The screen hears of it as a file change, a moment after the library has it.
        rule.waitUntil(WAIT_MS) { fileLine(inMachines).contains("Downloaded") }
        rule.waitUntil(WAIT_MS) { !app.sync.running }
        assertEquals(FileStatusKind.NotDownloaded, status(app, elsewhere))
        rule.onNodeWithTag(Tags.offlineCollection("Machines")).assertIsOn()
        rule.onNodeWithTag(Tags.offlineCollection("Computing")).assertIsOff()
        val machines = runBlocking { app.library!!.collections().tree() }.single { it.name == "Machines" }.key
        assertEquals(FileDownloadPolicy.Collections(listOf(machines)), runBlocking { app.library!!.files().settings() }.download)

        rule.onNodeWithTag(Tags.KEEP_ALL).performScrollTo().assertIsOff().performClick()
        rule.waitUntil(WAIT_MS) { status(app, elsewhere) == FileStatusKind.Downloaded }
        rule.waitUntil(WAIT_MS) { fileLine(elsewhere).contains("Downloaded") }
        rule.onNodeWithTag(Tags.KEEP_ALL).assertIsOn()
        assertEquals(FileDownloadPolicy.All, runBlocking { app.library!!.files().settings() }.download)
    }

    /** What the Files screen's row for attachment `key` says (its texts merged). */
    private fun fileLine(key: String): String =
        rule.onAllNodesWithTag(Tags.file(key)).fetchSemanticsNodes().singleOrNull()
            ?.config?.getOrNull(SemanticsProperties.Text)?.joinToString { it.text } ?: ""

    private fun status(app: AppState, key: String) = runBlocking { app.library!!.files().state(key).status }
}
