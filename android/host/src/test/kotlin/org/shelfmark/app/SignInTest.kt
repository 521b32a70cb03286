package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.SyncStage
import org.shelfmark.app.desktop.LocalServer
import org.shelfmark.app.desktop.RecordingScheduler
import org.shelfmark.app.state.Screen
import org.shelfmark.app.ui.Tags

/** Signing in: clear messages for a malformed address, an unreachable server and a wrong key; then the first sync. */
class SignInTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    private fun signInWithKey(address: String, key: String) {
        rule.waitForTag(Tags.SIGN_IN_WITH_KEY).performClick()
        rule.waitForTag(Tags.SIGN_IN_SERVER).performTextReplacement(address)
        rule.waitForTag(Tags.SIGN_IN_KEY).performTextReplacement(key)
        rule.onNodeWithTag(Tags.SIGN_IN_BUTTON).performClick()
    }

    private fun signInWithPassword(address: String, email: String, password: String) {
        rule.waitForTag(Tags.SIGN_IN_WITH_PASSWORD).performClick()
        rule.waitForTag(Tags.SIGN_IN_SERVER).performTextReplacement(address)
        rule.waitForTag(Tags.SIGN_IN_EMAIL).performTextReplacement(email)
        rule.onNodeWithTag(Tags.SIGN_IN_PASSWORD).performTextReplacement(password)
        rule.onNodeWithTag(Tags.SIGN_IN_BUTTON).performClick()
    }

    @Test
    fun wrongInputsEachSayWhatIsWrongThenTheKeyWorks() {
        val app = fixture.app(signedIn = false)
        rule.showApp(app)

        signInWithKey("sync example org", fixture.key)
        rule.waitForTag(Tags.SIGN_IN_ERROR).assertTextContains("is not a web address", substring = true)

        // Nothing listens on port 9 of this machine.
        signInWithKey("http://127.0.0.1:9", fixture.key)
        rule.waitForText("Cannot reach http://127.0.0.1:9")

        signInWithKey(fixture.server.baseUrl, "0123456789abcdefghijklmn")
        rule.waitForText("did not accept this key")
        assertEquals(Screen.SignIn, app.screen)
        assertEquals(null, runBlocking { app.library?.sync()?.account() })

        signInWithKey(fixture.server.baseUrl, fixture.key)
        rule.waitForTag(Tags.row(fixture.keys.getValue("On Computable Numbers")))
        assertEquals(fixture.userId, runBlocking { app.library?.sync()?.account() }?.userId)
    }

    @Test
    fun passwordSignInFirstSyncShowsProgressThenTheLibrary() {
        val app = fixture.app(signedIn = false)
        rule.showApp(app)
        signInWithPassword(fixture.server.baseUrl, "reader@example.org", "not the password")
        rule.waitForTag(Tags.SIGN_IN_ERROR).assertTextContains("Wrong e-mail address or password.")

        signInWithPassword(fixture.server.baseUrl, "reader@example.org", LocalServer.PASSWORD)

        // The library is shown with the downloaded references.
        rule.waitForTag(Tags.row(fixture.keys.getValue("On Computable Numbers")))
        rule.waitForTagText(Tags.ITEM_COUNT, "5 references")
        val account = runBlocking { app.library?.sync()?.account() }
        assertNotNull(account)
        assertEquals(fixture.userId, account!!.userId)

        // Progress was reported stage by stage, and background sync is scheduled.
        val stages = app.signIn.stagesSeen.toList()
        assertTrue("stages seen: $stages", SyncStage.DOWNLOADING in stages && stages.first() == SyncStage.CONNECTING)
        assertEquals(15L, (app.platform.scheduler as RecordingScheduler).intervalMinutes)
    }
}
