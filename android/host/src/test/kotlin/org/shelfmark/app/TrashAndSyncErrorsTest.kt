package org.shelfmark.app

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertNull
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.app.desktop.ManualLifecycle
import org.shelfmark.app.ui.Tags

/** Moving a reference to the trash and restoring it; failed syncs and refused uploads named by their kind on Sync status. */
class TrashAndSyncErrorsTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    private fun openSidebarRow(title: String) {
        rule.waitForTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar(title)).performScrollTo().performClick()
    }

    private fun inTrashOnDesk(key: String): Boolean = runBlocking {
        fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        fixture.desk.items().get(key).inTrash
    }

    @Test
    fun aReferenceMovedToTheTrashIsListedThereAndRestored() {
        val key = fixture.keys.getValue("The Structure of Scientific Revolutions")
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        rule.waitForTag(Tags.row(key)).performClick()
        rule.waitForTag(Tags.TRASH).performClick()
        rule.waitForText("In the trash")
        rule.waitForTag(Tags.RESTORE)
        rule.onNodeWithTag(Tags.BACK).performClick()

        // Gone from All Items, counted and listed in Trash, and trashed on the other device after a sync.
        rule.waitUntil(WAIT_MS) { rule.shownRowKeys().size == 4 && key !in rule.shownRowKeys() }
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { inTrashOnDesk(key) }
        rule.waitForTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("Trash")).performScrollTo().assertTextContains("1", substring = true).performClick()
        rule.waitForRows(listOf(key))

        // Restored from there: back in All Items, here and on the other device.
        rule.onNodeWithTag(Tags.row(key)).performClick()
        rule.waitForTag(Tags.RESTORE).performClick()
        rule.waitForTag(Tags.EDIT)
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitForRows(emptyList())
        openSidebarRow("All Items")
        rule.waitUntil(WAIT_MS) { rule.shownRowKeys().size == 5 && key in rule.shownRowKeys() }
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { !inTrashOnDesk(key) }
    }

    /** The app on Sync status after one successful sync, without automatic sync (the runs here are the ones pressed). */
    private fun syncStatusAfterOneSync(): org.shelfmark.app.state.AppState {
        val app = fixture.app(signedIn = true)
        (app.platform.lifecycle as ManualLifecycle).foreground = false
        rule.showApp(app)
        openSidebarRow("Sync status")
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitForTag("sync.result")
        rule.waitUntil(WAIT_MS) { !app.sync.running }
        return app
    }

    @Test
    fun aRevokedKeyIsNamedASignInProblem() {
        val app = syncStatusAfterOneSync()
        // The key was revoked from elsewhere.
        fixture.server.revoke(fixture.key)
        rule.onNodeWithTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { app.sync.lastError?.startsWith("Sign in again") == true }
        rule.waitForTag("sync.error").assertTextContains("Sign in again", substring = true)
        // The failed run is listed with its kind.
        rule.waitForText("Sign-in problem")
    }

    @Test
    fun anUnreachableServerIsNamedANetworkProblem() {
        val app = syncStatusAfterOneSync()
        // The server went away (stopped, or the phone lost its connection).
        fixture.server.close()
        rule.onNodeWithTag(Tags.SYNC_NOW).performClick()
        // The client retries a refused connection for about 15 s, for the
        // personal library and again for the account's group list.
        rule.waitUntil(UNREACHABLE_MS) { !app.sync.running && app.sync.lastError != null }
        rule.waitForTag("sync.error").assertTextContains("Cannot reach the server", substring = true)
        // The failed run is listed with its kind.
        rule.waitForText("Network problem")
    }

    @Test
    fun anUploadRefusedForFullStorageIsNamedOnSyncStatus() {
        val app = syncStatusAfterOneSync()
        // The account has 1 MB of online storage; a 1.5 MB PDF is attached here.
        fixture.server.quota(fixture.userId, 1)
        val item = fixture.keys.getValue("On the Origin of Species")
        val pdf = fixture.appDir.resolve("Atlas.pdf")
        pdf.writeBytes((TWO_PAGE_PDF + "%" + "x".repeat(1_500_000) + "\n").toByteArray(Charsets.ISO_8859_1))
        val attachment = runBlocking { app.library!!.files().attach(item, pdf.path) }.key
        rule.onNodeWithTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { !app.sync.running && app.sync.log.firstOrNull()?.errorKind == "storage quota" }

        // The metadata synced (no error for the whole run); the summary line, the library's last run and the run's row name the full storage.
        assertNull(app.sync.lastError)
        rule.waitForTag("sync.result").assertTextContains("Synced", substring = true)
        rule.waitForTag("sync.result").assertTextContains("My Library: files not synced (Online storage full)", substring = true)
        rule.waitForTag("sync.library:My Library").assertTextContains("Online storage full", substring = true)
        rule.waitForText("ok · Online storage full")

        // The attachment on its item says why its file is not online.
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitForTag(Tags.row(item)).performClick()
        rule.waitUntil(WAIT_MS) { fileLine(attachment)?.startsWith("Upload failed: online storage full") == true }
    }

    /** The file line of attachment `key` on the item screen (read from the unmerged tree: the card merges its texts). */
    private fun fileLine(key: String): String? =
        rule.onAllNodesWithTag(Tags.attachmentFile(key), useUnmergedTree = true).fetchSemanticsNodes().singleOrNull()
            ?.config?.getOrNull(SemanticsProperties.Text)?.joinToString { it.text }
}

private const val UNREACHABLE_MS = 90_000L
