package org.shelfmark.app

import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
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
import java.io.File

/** Annotating a PDF attachment: downloaded on open, its page drawn, highlights, underlines and notes added with page, colour and comment, edited, deleted and synced. */
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

    @Test
    fun underlinesAndNotesKeepTheirPageColourAndCommentAndSync() {
        val attachment = fixture.attachPdf("On the Origin of Species")
        val item = fixture.keys.getValue("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        val library = { app.library!! }
        rule.showApp(app)
        rule.waitForTag(Tags.row(item)).performClick()
        rule.waitForTag(Tags.attachment(attachment)).performClick()
        rule.waitForText("Page 1 of 2")

        // An underline in blue on page 1, with the words it marks.
        rule.onNodeWithTag(Tags.kind("underline")).performScrollTo().performClick()
        rule.onNodeWithTag("color:#2ea8e5").performScrollTo().performClick()
        rule.onNodeWithTag(Tags.ANNOTATION_TEXT).performScrollTo().performTextReplacement("endless forms most beautiful")
        rule.onNodeWithTag(Tags.ANNOTATION_COMMENT).performScrollTo().performTextReplacement("The closing line")
        rule.onNodeWithTag(Tags.ANNOTATION_SAVE).performScrollTo().performClick()
        rule.waitForText("The closing line")
        val underline = runBlocking { library().annotations().list(attachment) }.single()
        assertEquals(listOf("underline", "#2ea8e5", "1", "endless forms most beautiful"), listOf(underline.annotationType, underline.color, underline.pageLabel, underline.text))
        inCard(underline.key, hasText("Underline")).assertExists()
        inCard(underline.key, hasText("“endless forms most beautiful”")).assertExists()
        inCard(underline.key, hasContentDescription("Blue")).assertExists()

        // A green note on page 2: it marks no text.
        rule.onNodeWithText("Next ›").performScrollTo().performClick()
        rule.waitForText("Page 2 of 2")
        rule.onNodeWithTag(Tags.kind("note")).performScrollTo().performClick()
        rule.onNodeWithTag("color:#5fb236").performScrollTo().performClick()
        rule.onNodeWithTag(Tags.ANNOTATION_COMMENT).performScrollTo().performTextReplacement("Compare with Wallace")
        rule.onNodeWithTag(Tags.ANNOTATION_SAVE).performScrollTo().performClick()
        rule.waitForText("Compare with Wallace")
        val note = runBlocking { library().annotations().list(attachment) }.single { it.annotationType == "note" }
        assertEquals(listOf("#5fb236", "2", null), listOf(note.color, note.pageLabel, note.text))
        inCard(note.key, hasText("Note")).assertExists()
        inCard(note.key, hasContentDescription("Green")).assertExists()
        // Each page lists its own annotations.
        rule.waitForNoText("The closing line")

        // Recolouring the underline keeps its kind and text.
        rule.onNodeWithText("‹ Previous").performScrollTo().performClick()
        rule.waitForText("The closing line")
        inCard(underline.key, hasText("Edit")).performScrollTo().performClick()
        rule.onNodeWithTag("color:#a28ae5").performScrollTo().performClick()
        rule.onNodeWithTag(Tags.ANNOTATION_SAVE).performScrollTo().performClick()
        rule.waitUntil(WAIT_MS) { rule.onAllNodes(hasContentDescription("Purple") and hasAnyAncestor(hasTestTag(Tags.annotation(underline.key)))).fetchSemanticsNodes().isNotEmpty() }
        val recoloured = runBlocking { library().annotations().list(attachment) }.single { it.key == underline.key }
        assertEquals(listOf("underline", "#a28ae5", "endless forms most beautiful"), listOf(recoloured.annotationType, recoloured.color, recoloured.text))

        // The item's screen lists both with their pages.
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitForTag(Tags.attachment(attachment)).assertTextContains("2 annotations", substring = true)
            .assertTextContains("underline p. 1: The closing line", substring = true)
            .assertTextContains("note p. 2: Compare with Wallace", substring = true)

        // They sync as annotation items of the attachment; the PDF is not written.
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        val expected = mapOf("underline" to listOf("#a28ae5", "1", "The closing line"), "note" to listOf("#5fb236", "2", "Compare with Wallace"))
        var onDesk: Map<String, List<String?>> = emptyMap()
        rule.waitUntil(WAIT_MS) {
            onDesk = runBlocking {
                fixture.desk.sync().syncNow(fixture.deskRequest(), null)
                fixture.desk.annotations().list(attachment)
            }.associate { it.annotationType to listOf(it.color, it.pageLabel, it.comment) }
            onDesk == expected
        }
        assertEquals(expected, onDesk)
        val pdf = runBlocking { library().files().open(attachment) }
        assertEquals(TWO_PAGE_PDF, File(pdf).readText(Charsets.ISO_8859_1))
    }

    /** The node matching `matcher` on the card of annotation `key`. */
    private fun inCard(key: String, matcher: SemanticsMatcher): SemanticsNodeInteraction {
        rule.waitForTag(Tags.annotation(key))
        return rule.onNode(matcher and hasAnyAncestor(hasTestTag(Tags.annotation(key))))
    }
}
