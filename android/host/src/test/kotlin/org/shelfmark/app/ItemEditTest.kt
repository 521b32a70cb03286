package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.app.ui.Tags

/** Viewing an item with its fields labelled, and editing it: an invalid value is refused and nothing is saved. */
class ItemEditTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun viewEditRefuseAndSave() {
        val app = fixture.app(signedIn = true)
        val key = fixture.keys.getValue("Sketch of the Analytical Engine")
        rule.showApp(app)
        rule.waitForTag(Tags.row(key)).performClick()
        rule.waitForTag(Tags.field("publicationTitle")).assertTextContains("Publication", substring = true).assertTextContains("Scientific Memoirs", substring = true)
        rule.onNodeWithTag(Tags.field("pages")).assertTextContains("666-731", substring = true)
        rule.waitForText("Lovelace, Ada")

        rule.onNodeWithTag(Tags.EDIT).performClick()
        rule.waitForTag(Tags.editField("title")).performTextReplacement("Sketch of the Analytical Engine (translated)")
        rule.onNodeWithTag(Tags.EDIT_TAGS).performScrollTo().performTextReplacement("computing, " + "x".repeat(300))
        rule.onNodeWithTag(Tags.EDIT_SAVE).performScrollTo().performClick()
        rule.waitForTag(Tags.EDIT_ERROR).assertTextContains("Tags", substring = true)
        val unchanged = runBlocking { app.library!!.items().get(key) }
        assertEquals("Sketch of the Analytical Engine", unchanged.title)
        assertEquals(listOf("computing"), unchanged.tags.map { it.name })

        rule.onNodeWithTag(Tags.EDIT_TAGS).performScrollTo().performTextReplacement("computing, history")
        rule.onNodeWithTag(Tags.EDIT_SAVE).performScrollTo().performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextContains("Sketch of the Analytical Engine (translated)")
        val saved = runBlocking { app.library!!.items().get(key) }
        assertEquals("Sketch of the Analytical Engine (translated)", saved.title)
        assertEquals(setOf("computing", "history"), saved.tags.map { it.name }.toSet())
        assertEquals("Scientific Memoirs", saved.fields.single { it.name == "publicationTitle" }.value)
    }

    @Test
    fun newItemOfAnyTypeAndChangeType() {
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        rule.waitForTag(Tags.NEW_ITEM).performClick()
        rule.waitForTag("new:book").performClick()
        rule.waitForTag(Tags.editField("edition")).performTextReplacement("2nd")
        rule.onNodeWithTag(Tags.editField("title")).performTextReplacement("A Brief History of Time")

        // A journal article has no edition field: it is shown as moving to Extra.
        rule.onNodeWithTag("edit.type").performScrollTo().performClick()
        rule.waitForTag("type:journalArticle").performScrollTo().performClick()
        rule.waitForTag("edit.moved").assertTextContains("Edition (2nd)", substring = true)
        rule.onNodeWithTag(Tags.EDIT_SAVE).performScrollTo().performClick()

        rule.waitForTag(Tags.DETAIL_TITLE).assertTextContains("A Brief History of Time")
        rule.waitForText("Journal Article".uppercase())
        val created = runBlocking { app.library!!.items().search(org.shelfmark.ItemSearchQuery("Brief History", org.shelfmark.SearchMode.QUICK, org.shelfmark.ItemFilter(), 10u, 0u)) }.rows.single()
        assertEquals("journalArticle", created.itemType)
    }
}
