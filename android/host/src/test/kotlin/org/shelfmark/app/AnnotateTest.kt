package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.FileStatusKind
import org.shelfmark.app.ui.Tags

/** Annotating a PDF attachment: downloaded on open, its page drawn, annotations added, edited and deleted. */
class AnnotateTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun addEditDeleteAnnotations() {
        val attachment = fixture.attachPdf("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        val library = { app.library!! }
        rule.showApp(app)
        rule.waitForTag(Tags.row(fixture.keys.getValue("On the Origin of Species"))).performClick()
        rule.waitForTag(Tags.attachment(attachment)).assertTextContains("Not downloaded", substring = true).performClick()

        // Opening downloads the file first, then draws its first page.
        rule.waitForTag(Tags.PDF_PAGE)
        rule.waitForText("Page 1 of 2")
        assertEquals(FileStatusKind.Downloaded, runBlocking { library().files().state(attachment).status })

        rule.onNodeWithTag(Tags.ANNOTATION_COMMENT).performScrollTo().performTextReplacement("Finches vary by island")
        rule.onNodeWithTag(Tags.ANNOTATION_SAVE).performScrollTo().performClick()
        rule.waitForText("Finches vary by island")
        val added = runBlocking { library().annotations().list(attachment) }.single()
        assertEquals("highlight", added.annotationType)
        assertEquals("1", added.pageLabel)
        assertEquals("Finches vary by island", added.comment)

        rule.onNodeWithText("Edit").performScrollTo().performClick()
        rule.onNodeWithTag(Tags.ANNOTATION_COMMENT).performScrollTo().performTextReplacement("Pigeons too")
        rule.onNodeWithTag(Tags.ANNOTATION_SAVE).performScrollTo().performClick()
        rule.waitForText("Pigeons too")
        assertEquals("Pigeons too", runBlocking { library().annotations().list(attachment) }.single().comment)

        rule.onNodeWithText("Delete").performScrollTo().performClick()
        rule.waitForNoText("Pigeons too")
        assertTrue(runBlocking { library().annotations().list(attachment) }.isEmpty())
    }
}
