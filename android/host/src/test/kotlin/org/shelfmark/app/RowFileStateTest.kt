package org.shelfmark.app

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithTag
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import kotlinx.coroutines.runBlocking
import org.shelfmark.DownloadRequest
import org.shelfmark.FileScope
import org.shelfmark.KeyStorage
import org.shelfmark.app.ui.Tags

/** List rows: each attachment's file state under the item's line. */
class RowFileStateTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun rowShowsItsAttachmentsFileState() {
        val attachment = fixture.attachPdf("On the Origin of Species")
        val item = fixture.keys.getValue("On the Origin of Species")
        val app = fixture.app(signedIn = true) { library ->
            val keyFile = fixture.appDir.resolve("credentials").path
            assertTrue(library.files().download(listOf(attachment), DownloadRequest(true, KeyStorage.File(keyFile)), null).finished().single().ok)
        }
        rule.showApp(app)
        rule.waitUntil(WAIT_MS) { fileLine(item) == "Downloaded" }
        // Items without attachments have no file line.
        rule.waitForTag(Tags.row(fixture.keys.getValue("On Computable Numbers")))
        assertEquals(null, fileLine(fixture.keys.getValue("On Computable Numbers")))
    }

    @Test
    fun rowFollowsDownloadsAndEvictions() {
        val attachment = fixture.attachPdf("On the Origin of Species")
        val item = fixture.keys.getValue("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        rule.waitUntil(WAIT_MS) { fileLine(item) == "Not downloaded" }

        // Neither a download nor an eviction changes the library: the row hears of them as file changes.
        val keyFile = fixture.appDir.resolve("credentials").path
        assertTrue(runBlocking { app.library!!.files().download(listOf(attachment), DownloadRequest(true, KeyStorage.File(keyFile)), null).finished() }.single().ok)
        rule.waitUntil(WAIT_MS) { fileLine(item) == "Downloaded" }
        runBlocking { app.library!!.files().evict(FileScope.All) }
        rule.waitUntil(WAIT_MS) { fileLine(item) == "Not downloaded" }
    }

    /** The file line of row `key` (the row merges its texts, so the line is looked up in the unmerged tree). */
    private fun fileLine(key: String): String? =
        rule.onAllNodesWithTag(Tags.rowFiles(key), useUnmergedTree = true).fetchSemanticsNodes().singleOrNull()
            ?.config?.getOrNull(SemanticsProperties.Text)?.joinToString { it.text }
}
