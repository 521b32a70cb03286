package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import kotlinx.coroutines.runBlocking
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.junit.Assert.assertEquals
import org.shelfmark.FieldValue
import org.shelfmark.app.ui.Tags

/** Sync status and the conflicts screen: both sides' values, keep the online one, the history. */
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
    }
}
