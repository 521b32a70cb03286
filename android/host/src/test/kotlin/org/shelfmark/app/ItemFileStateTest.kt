package org.shelfmark.app

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.DownloadRequest
import org.shelfmark.FileScope
import org.shelfmark.FileStatusKind
import org.shelfmark.KeyStorage
import org.shelfmark.app.ui.Tags

/** The item screen: its attachments' file states follow downloads and evictions while it is open. */
class ItemFileStateTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun itemScreenFollowsItsAttachmentsFiles() = followsFiles(tablet = false)

    @Test
    fun itemBesideTheListFollowsItsAttachmentsFiles() = followsFiles(tablet = true)

    private fun followsFiles(tablet: Boolean) {
        val attachment = fixture.attachPdf("On the Origin of Species")
        val item = fixture.keys.getValue("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        if (tablet) rule.showApp(app, width = 1280.dp, height = 800.dp) else rule.showApp(app)
        rule.waitForTag(Tags.row(item)).performClick()
        rule.waitUntil(WAIT_MS) { fileLine(attachment) == "Not downloaded" }

        // A download from the server elsewhere in the app (a sync of offline files, the PDF viewer)
        // changes no item: the open screen hears of it as a file change.
        val keyFile = fixture.appDir.resolve("credentials").path
        val done = runBlocking { app.library!!.files().download(listOf(attachment), DownloadRequest(true, KeyStorage.File(keyFile)), null).finished() }
        assertTrue(done.single().ok)
        rule.waitUntil(WAIT_MS) { fileLine(attachment) == "Downloaded" }

        runBlocking { app.library!!.files().evict(FileScope.All) }
        rule.waitUntil(WAIT_MS) { fileLine(attachment) == "Not downloaded" }
        assertEquals(FileStatusKind.NotDownloaded, runBlocking { app.library!!.files().state(attachment).status })
    }

    /** The file line of attachment `key` on the item screen (the card merges its texts, so it is read from the unmerged tree). */
    private fun fileLine(key: String): String? =
        rule.onAllNodesWithTag(Tags.attachmentFile(key), useUnmergedTree = true).fetchSemanticsNodes().singleOrNull()
            ?.config?.getOrNull(SemanticsProperties.Text)?.joinToString { it.text }
}
