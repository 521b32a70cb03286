package org.shelfmark.app

import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.FileStatusKind
import org.shelfmark.app.desktop.ManualConnectivity
import org.shelfmark.app.state.AppState
import org.shelfmark.app.ui.Tags

/** Wi-Fi only: the platform's network reaches the library, and syncs download files only off metered networks; the cache budget is stored. */
class WifiOnlyTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun filesWaitForAnUnmeteredNetwork() {
        val attachment = fixture.attachPdf("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        val network = app.platform.connectivity as ManualConnectivity
        network.metered = true
        rule.showApp(app)
        rule.onNodeWithTag(Tags.MENU).also { rule.waitForTag(Tags.MENU) }.performClick()
        rule.waitForTag(Tags.sidebar("Files")).performClick()
        rule.waitForTag("files.wifi").performClick()
        rule.waitFor { runBlocking { app.library!!.files().settings().unmeteredOnly } }

        // Keeping every file syncs at once, but on a metered network the file waits.
        rule.waitFor { !app.sync.running }
        val runsBefore = runs(app)
        rule.onNodeWithTag(Tags.KEEP_ALL).performScrollTo().performClick()
        rule.waitFor { runBlocking { app.library!!.files().settings() }.download is org.shelfmark.FileDownloadPolicy.All }
        rule.waitFor { runs(app) > runsBefore && !app.sync.running }
        assertEquals(FileStatusKind.NotDownloaded, status(app, attachment))

        // On Wi-Fi (as ConnectivityManager would report), the next sync downloads it.
        network.metered = false
        rule.waitFor {
            if (!app.sync.running) app.sync.syncNow()
            status(app, attachment) == FileStatusKind.Downloaded
        }

        rule.onNodeWithText("500 MB").performScrollTo().performClick()
        rule.waitFor { runBlocking { app.library!!.files().settings() }.cacheBudget == 500_000_000uL }
    }

    /** How many sync runs the library's log holds. */
    private fun runs(app: AppState) = runBlocking { app.library!!.sync().log(100u) }.size

    private fun status(app: AppState, key: String) = runBlocking { app.library!!.files().state(key).status }
}
