package org.shelfmark.app

import androidx.compose.ui.test.assertIsOff
import androidx.compose.ui.test.assertIsOn
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.DownloadRequest
import org.shelfmark.FileStatusKind
import org.shelfmark.KeyStorage
import org.shelfmark.app.ui.Tags

/** The Files screen: each attachment's state, Wi-Fi only, and removing downloads. */
class FilesTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun statesWifiOnlyAndEvict() {
        val attachment = fixture.attachPdf("On the Origin of Species")
        val app = fixture.app(signedIn = true) { library ->
            val keyFile = fixture.appDir.resolve("credentials").path
            assertTrue(library.files().download(listOf(attachment), DownloadRequest(true, KeyStorage.File(keyFile)), null).finished().single().ok)
        }
        rule.showApp(app)
        rule.onNodeWithTag(Tags.MENU).also { rule.waitForTag(Tags.MENU) }.performClick()
        rule.waitForTag(Tags.sidebar("Files")).performClick()
        rule.waitForTag(Tags.file(attachment)).assertTextContains("Downloaded")

        rule.onNodeWithTag("files.wifi").assertIsOff().performClick()
        rule.waitUntil(WAIT_MS) { runBlocking { app.library!!.files().settings().unmeteredOnly } }
        rule.onNodeWithTag("files.wifi").assertIsOn()

        rule.onNodeWithTag("files.evict").performClick()
        rule.waitForTag("files.message").assertTextContains("Removed 1 downloaded file", substring = true)
        rule.waitForText("Not downloaded")
        assertEquals(FileStatusKind.NotDownloaded, runBlocking { app.library!!.files().state(attachment).status })
    }
}
