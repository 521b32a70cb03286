package org.shelfmark.app

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.longClick
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTouchInput
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.app.desktop.RecordingShareSheet
import org.shelfmark.app.state.Screen
import org.shelfmark.app.ui.Tags

/** Several references chosen in the list (a long press, then taps) and shared together in a chosen style and as BibTeX. */
class ShareSeveralTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun chosenReferencesAreSharedTogether() {
        val darwin = fixture.keys.getValue("On the Origin of Species")
        val turing = fixture.keys.getValue("On Computable Numbers")
        val kuhn = fixture.keys.getValue("The Structure of Scientific Revolutions")
        val app = fixture.app(signedIn = true)
        val sheet = app.platform.share as RecordingShareSheet
        rule.showApp(app)

        // A long press starts choosing; taps then tick and untick instead of opening.
        rule.waitForTag(Tags.row(darwin)).performTouchInput { longClick() }
        rule.waitForTag(Tags.CHOSEN_COUNT).assertTextContains("1 chosen")
        rule.onNodeWithTag(Tags.row(turing)).performClick()
        rule.onNodeWithTag(Tags.row(kuhn)).performClick()
        rule.onNodeWithTag(Tags.row(kuhn)).performClick()
        rule.onNodeWithTag(Tags.CHOSEN_COUNT).assertTextContains("2 chosen")
        assertEquals(Screen.Library, app.screen)
        rule.onNodeWithTag(Tags.CHOSEN_SHARE).performClick()

        // The bibliography in IEEE numbers both entries.
        rule.waitForTag(Tags.style("ieee")).performClick()
        rule.waitUntil(WAIT_MS) { preview().let { "[2]" in it && "On the Origin of Species" in it && "On Computable Numbers" in it } }
        rule.onNodeWithTag(Tags.SHARE_TEXT).performScrollTo().performClick()
        rule.waitFor { sheet.shared.size == 1 }
        assertTrue(sheet.shared[0].content, "[1]" in sheet.shared[0].content && "[2]" in sheet.shared[0].content)

        rule.onNodeWithTag(Tags.SHARE_BIBTEX).performScrollTo().performClick()
        rule.waitFor { sheet.shared.size == 2 }
        val bib = sheet.shared[1]
        assertTrue("${bib.fileName}", bib.fileName?.endsWith(".bib") == true)
        assertEquals(bib.content, 2, Regex("(?m)^@").findAll(bib.content).count())
        assertTrue(bib.content, "Darwin, Charles" in bib.content && "Turing, Alan" in bib.content && "Kuhn" !in bib.content)

        // Back in the list, nothing is chosen any more: a tap opens the item.
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitForTag(Tags.row(kuhn)).performClick()
        rule.waitFor { app.screen == Screen.Item(kuhn) }
    }

    private fun preview(): String =
        rule.onAllNodesWithTag(Tags.SHARE_PREVIEW).fetchSemanticsNodes().firstOrNull()
            ?.config?.getOrNull(SemanticsProperties.Text)?.joinToString { it.text } ?: ""
}
