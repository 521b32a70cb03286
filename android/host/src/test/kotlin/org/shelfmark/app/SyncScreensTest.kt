package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.shelfmark.FieldValue
import org.shelfmark.ItemListQuery
import org.shelfmark.SortField
import org.shelfmark.app.ui.Tags
import java.io.File

/** Sync status and the conflicts screen: both sides' values, keep the online one or type one, the history with restore, reset. */
class SyncScreensTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun statusConflictAndHistory() {
        val key = fixture.keys.getValue("The Structure of Scientific Revolutions")
        // Both devices retitle the book before syncing again.
        val app = fixture.app(signedIn = true) { library ->
            library.items().setFields(key, listOf(FieldValue("title", "Structure (phone)")))
        }
        runBlocking {
            fixture.desk.items().setFields(key, listOf(FieldValue("title", "Structure (desk)")))
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        }
        rule.showApp(app)
        rule.onNodeWithTag(Tags.MENU).also { rule.waitForTag(Tags.MENU) }.performClick()
        rule.waitForTag(Tags.sidebar("Sync status")).performClick()
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitForTag("sync.conflicts")
        rule.waitUntil(WAIT_MS) { app.sync.conflicts.size == 1 && !app.sync.running }
        rule.onNodeWithTag("sync.conflicts").assertTextContains("Conflicts (1)")
        rule.waitForTag("sync.library:My Library").assertTextContains("1 conflicts", substring = true)

        rule.onNodeWithTag("sync.conflicts").performClick()
        rule.waitForTag(Tags.conflict(key)).assertTextContains("Here: Structure (phone)", substring = true)
            .assertTextContains("Online: Structure (desk)", substring = true)
        rule.onNodeWithTag("conflict.remote").performScrollTo().performClick()
        rule.waitForTag("conflicts.none")
        rule.waitForTag("history:$key").assertTextContains("Kept the remote version", substring = true)
        assertEquals("Structure (desk)", runBlocking { app.library!!.items().get(key) }.title)

        // Restoring from the history brings back the version not chosen, as an edit here.
        rule.onNodeWithTag("history.restore:$key").performScrollTo().performClick()
        rule.waitFor { runBlocking { app.library!!.items().get(key) }.title == "Structure (phone)" }
    }

    @Test
    fun aTypedValueResolvesAndResetAsksFirst() {
        val key = fixture.keys.getValue("The Structure of Scientific Revolutions")
        val app = fixture.app(signedIn = true) { library ->
            library.items().setFields(key, listOf(FieldValue("title", "Structure (phone)")))
        }
        runBlocking {
            fixture.desk.items().setFields(key, listOf(FieldValue("title", "Structure (desk)")))
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        }
        rule.showApp(app)
        rule.onNodeWithTag(Tags.MENU).also { rule.waitForTag(Tags.MENU) }.performClick()
        rule.waitForTag(Tags.sidebar("Sync status")).performClick()
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { app.sync.conflicts.size == 1 && !app.sync.running }
        // The outcome in the library's words.
        rule.waitForTag("sync.result").assertTextContains("1 conflict to resolve", substring = true)
        rule.onNodeWithTag("sync.conflicts").performClick()

        // The field is named by its label, the conflict by what it is and where.
        rule.waitForTag(Tags.conflict(key)).assertTextContains("Title", substring = true)
            .assertTextContains("Item · My Library", substring = true)
        rule.onNodeWithTag("conflict.value:title").performTextReplacement("The Structure of Scientific Revolutions")
        rule.onNodeWithTag("conflict.typed").performScrollTo().performClick()
        rule.waitForTag("conflicts.none")
        assertEquals("The Structure of Scientific Revolutions", runBlocking { app.library!!.items().get(key) }.title)

        // Reset explains itself in the library's words and does nothing until confirmed.
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitForTag(Tags.reset("MERGE")).performScrollTo().performClick()
        rule.waitForTag(Tags.RESET_CONFIRMATION).assertTextContains("A backup of this library is written first.", substring = true)
        rule.onNodeWithTag(Tags.RESET_CANCEL).performClick()
        rule.waitUntil(WAIT_MS) { rule.onAllNodesWithTag(Tags.RESET_CONFIRMATION).fetchSemanticsNodes().isEmpty() }
        assertEquals(null, app.sync.resetBackup)

        rule.onNodeWithTag(Tags.reset("MERGE")).performScrollTo().performClick()
        rule.waitForTag(Tags.RESET_CONFIRM).performClick()
        rule.waitForTag(Tags.RESET_BACKUP, timeout = 60_000)
        val backup = app.sync.resetBackup
        assertTrue("backup at $backup", backup != null && File(backup).isFile)
        // Merging pairs both sides again: nothing is lost or duplicated.
        rule.waitUntil(WAIT_MS) { !app.sync.running }
        assertEquals("The Structure of Scientific Revolutions", runBlocking { app.library!!.items().get(key) }.title)
        assertEquals(5uL, runBlocking { app.library!!.items().list(ItemListQuery(sort = SortField.TITLE)) }.total)
    }
}
