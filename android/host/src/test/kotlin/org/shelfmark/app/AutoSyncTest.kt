package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.AutoSyncSettings
import org.shelfmark.FieldValue
import org.shelfmark.LiveUpdates
import org.shelfmark.app.desktop.ManualLifecycle
import org.shelfmark.app.ui.Tags

/**
 * Automatic sync as the core runs it and the platform's lifecycle drives
 * it: a few seconds after an edit, once more on leaving the foreground, and
 * changes made elsewhere arriving as they happen while the app is in front.
 */
class AutoSyncTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    private fun key(title: String) = fixture.keys.getValue(title)

    /** The title the server has for `key`, as the desk reads it after syncing. */
    private fun titleOnServer(key: String): String = runBlocking {
        fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        fixture.desk.items().get(key).title
    }

    /** Retitles `key` through the item's edit form and goes back to the list. */
    private fun retitle(key: String, title: String) {
        rule.waitForTag(Tags.row(key)).performClick()
        rule.waitForTag(Tags.EDIT).performClick()
        rule.waitForTag(Tags.editField("title")).performTextReplacement(title)
        rule.onNodeWithTag(Tags.EDIT_SAVE).performScrollTo().performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextContains(title)
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitForTag(Tags.ITEM_LIST)
    }

    @Test
    fun anEditIsSyncedAfterAQuietPause() {
        val key = key("On Computable Numbers")
        val app = fixture.app(signedIn = true)
        app.autoSyncSettings = AutoSyncSettings(intervalSeconds = 900u, debounceSeconds = 1u)
        rule.showApp(app)
        retitle(key, "On Computable Numbers, with an Application")
        // Nobody pressed Sync: the edit reaches the server by itself.
        rule.waitUntil(WAIT_MS) { titleOnServer(key) == "On Computable Numbers, with an Application" }
        rule.waitForTag(Tags.SYNC_BANNER)
    }

    @Test
    fun leavingTheForegroundSyncsOnceMoreAndComingBackFollowsChangesAgain() {
        val edited = key("On Computable Numbers")
        val lifecycle = { app: org.shelfmark.app.state.AppState -> app.platform.lifecycle as ManualLifecycle }
        val app = fixture.app(signedIn = true)
        // Edits wait ten minutes before syncing: only leaving the foreground syncs this one sooner.
        app.autoSyncSettings = AutoSyncSettings(intervalSeconds = 900u, debounceSeconds = 600u)
        rule.showApp(app)
        rule.waitUntil(WAIT_MS) { app.liveUpdates == LiveUpdates.CONNECTED }

        retitle(edited, "Computable Numbers (phone)")
        assertEquals("On Computable Numbers", titleOnServer(edited))
        lifecycle(app).foreground = false
        rule.waitUntil(WAIT_MS) { titleOnServer(edited) == "Computable Numbers (phone)" }
        assertEquals(LiveUpdates.OFF, app.liveUpdates)

        // In the background nothing is followed; back in front, what changed meanwhile arrives.
        val kuhn = key("The Structure of Scientific Revolutions")
        runBlocking {
            fixture.desk.items().setFields(kuhn, listOf(FieldValue("title", "Structure (desk, meanwhile)")))
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        }
        lifecycle(app).foreground = true
        rule.waitUntil(WAIT_MS) { app.liveUpdates == LiveUpdates.CONNECTED }
        rule.waitForTag(Tags.row(kuhn))
        rule.waitUntil(WAIT_MS) { runCatching { rule.onNodeWithTag(Tags.row(kuhn)).assertTextContains("Structure (desk, meanwhile)", substring = true) }.isSuccess }

        // And while in front, a change made elsewhere shows up as it happens.
        val carson = key("Tidal Rhythms in Estuaries")
        runBlocking {
            fixture.desk.items().setFields(carson, listOf(FieldValue("title", "Tidal Rhythms (desk, live)")))
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        }
        rule.waitUntil(WAIT_MS) { runCatching { rule.onNodeWithTag(Tags.row(carson)).assertTextContains("Tidal Rhythms (desk, live)", substring = true) }.isSuccess }
    }
}
