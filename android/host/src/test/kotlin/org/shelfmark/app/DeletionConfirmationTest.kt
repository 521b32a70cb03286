package org.shelfmark.app

import androidx.compose.ui.test.assertTextEquals
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.NewItem
import org.shelfmark.app.ui.Tags

/** A sync that would delete many references at once stops and asks, in a modal dialog with the library's words. */
class DeletionConfirmationTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun heldDeletionsAreConfirmedOrLeftHeld() {
        val extra = runBlocking {
            val made = fixture.desk.items().createMany((1..12).map { NewItem("book", mapOf("title" to "Field notebook $it"), emptyList(), emptyList(), emptyList()) })
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
            made.map { it.key }
        }
        val app = fixture.app(signedIn = true)
        // The desk deletes the twelve notebooks for good: on this device that is more than the guard lets through unasked.
        runBlocking {
            fixture.desk.items().trash(extra)
            fixture.desk.items().emptyTrash()
            fixture.desk.sync().syncNow(fixture.deskRequest().copy(confirmDeletions = true), null)
        }
        rule.showApp(app)
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitForTag(Tags.DELETIONS_DIALOG)
        rule.onNodeWithTag(Tags.DELETIONS_TITLE).assertTextEquals("Confirm 12 deletions?")
        rule.onNodeWithTag(Tags.DELETIONS_GROUP).assertTextEquals("12 items deleted online will move to the trash here.")
        rule.onNodeWithTag(Tags.DELETIONS_CONFIRM).assertTextEquals("Delete All")

        // "Not now": the dialog goes, nothing is deleted, the deletions stay held.
        rule.onNodeWithTag(Tags.DELETIONS_POSTPONE).performClick()
        rule.waitUntil(WAIT_MS) { rule.onAllNodesWithTag(Tags.DELETIONS_DIALOG).fetchSemanticsNodes().isEmpty() }
        assertEquals(12, runBlocking { app.library!!.sync().deletionsToConfirm() }.size)
        assertTrue(runBlocking { extra.none { app.library!!.items().get(it).inTrash } })

        // Sync status offers them again; confirming deletes them and syncs.
        rule.onNodeWithTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("Sync status")).performClick()
        rule.waitForTag(Tags.DELETIONS_REVIEW).performScrollTo().performClick()
        rule.waitForTag(Tags.DELETIONS_CONFIRM).performClick()
        rule.waitUntil(WAIT_MS) { rule.onAllNodesWithTag(Tags.DELETIONS_DIALOG).fetchSemanticsNodes().isEmpty() }
        rule.waitFor { runBlocking { app.library!!.sync().deletionsToConfirm() }.isEmpty() }
        assertTrue(runBlocking { extra.all { app.library!!.items().get(it).inTrash } })
    }
}
