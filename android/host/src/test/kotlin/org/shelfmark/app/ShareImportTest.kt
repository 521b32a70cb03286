package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.app.desktop.QueuedPicker
import org.shelfmark.app.desktop.RecordingShareSheet
import org.shelfmark.app.ui.Tags
import java.io.File

/** Sharing a reference as a citation and as a RIS file; importing a RIS file with its report. */
class ShareImportTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun shareCitationAndRis() {
        val app = fixture.app(signedIn = true)
        val sheet = app.platform.share as RecordingShareSheet
        rule.showApp(app)
        rule.waitForTag(Tags.row(fixture.keys.getValue("On Computable Numbers"))).performClick()
        rule.waitForTag(Tags.SHARE).performClick()
        rule.waitForText("Turing")
        rule.onNodeWithTag(Tags.SHARE_PREVIEW).assertTextContains("1937", substring = true)

        rule.onNodeWithTag(Tags.SHARE_TEXT).performClick()
        rule.waitFor { sheet.shared.size == 1 }
        assertEquals("text/plain", sheet.shared[0].mimeType)
        assertTrue(sheet.shared[0].content, "On Computable Numbers" in sheet.shared[0].content)

        rule.onNodeWithTag(Tags.SHARE_RIS).performClick()
        rule.waitFor { sheet.shared.size == 2 }
        val ris = sheet.shared[1]
        assertTrue("${ris.fileName}", ris.fileName?.endsWith(".ris") == true)
        assertTrue(ris.content, "TY  - JOUR" in ris.content && "On Computable Numbers" in ris.content && "Turing" in ris.content)
    }

    @Test
    fun importARisFileShowsTheReport() {
        val app = fixture.app(signedIn = true)
        val file = File(fixture.appDir, "from-a-colleague.ris")
        file.writeText(
            """
            TY  - BOOK
            AU  - Darwin, Charles
            TI  - On the Origin of Species
            PY  - 1859
            ER  - 

            TY  - JOUR
            AU  - Shannon, Claude E.
            TI  - A Mathematical Theory of Communication
            JO  - Bell System Technical Journal
            PY  - 1948
            ER  - 
            """.trimIndent() + "\n",
        )
        (app.platform.picker as QueuedPicker).next.add(file.path)
        rule.showApp(app)
        rule.waitForTagText(Tags.ITEM_COUNT, "5 references")
        rule.onNodeWithTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("Import")).performClick()

        rule.waitForTag(Tags.IMPORT_REPORT).assertTextContains("Imported 1 reference", substring = true)
        rule.onNodeWithTag(Tags.IMPORT_REPORT).assertTextContains("1 reference was already in the library, not imported again.", substring = true)
        rule.onNodeWithText("Show the library").performClick()
        rule.waitForText("A Mathematical Theory of Communication")
        rule.waitForTagText(Tags.ITEM_COUNT, "6 references")
    }
}
