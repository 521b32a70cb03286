package org.shelfmark.app

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.assertIsOff
import androidx.compose.ui.test.assertIsOn
import androidx.compose.ui.test.assertTextEquals
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.ItemDetail
import org.shelfmark.ItemKind
import org.shelfmark.app.state.AppState
import org.shelfmark.app.ui.Tags

/** The item screen: notes written, edited and moved to the trash; the item added to and removed from collections. */
class NotesCollectionsTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @Test
    fun notesAreAddedEditedAndTrashed() {
        val item = fixture.keys.getValue("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        rule.waitForTag(Tags.row(item)).performClick()
        rule.waitForTag(Tags.NOTE_ADD).performScrollTo().performClick()
        rule.waitForTag(Tags.NOTE_TEXT).performTextInput("Finches differ & vary\nCompare <pigeons>")
        rule.onNodeWithTag(Tags.NOTE_SAVE).performClick()

        // Stored as the library's note HTML: a paragraph per line, escaped.
        val note = waitForNotes(app, item, 1).single()
        assertEquals("<p>Finches differ &amp; vary</p><p>Compare &lt;pigeons&gt;</p>", note.note)
        rule.waitForTag(Tags.noteText(note.key)).assertTextEquals("Finches differ & vary\nCompare <pigeons>")

        rule.onNodeWithTag(Tags.noteEdit(note.key)).performScrollTo().performClick()
        rule.waitForTag(Tags.NOTE_TEXT).performTextClearance()
        rule.onNodeWithTag(Tags.NOTE_TEXT).performTextInput("Finches of the Galápagos")
        rule.onNodeWithTag(Tags.NOTE_SAVE).performClick()
        rule.waitFor { runBlocking { app.library!!.items().get(note.key) }.note == "<p>Finches of the Galápagos</p>" }
        rule.waitUntil(WAIT_MS) { noteShown(note.key) == "Finches of the Galápagos" }

        rule.onNodeWithTag(Tags.noteDelete(note.key)).performScrollTo().performClick()
        rule.waitUntil(WAIT_MS) { rule.onAllNodesWithTag(Tags.note(note.key)).fetchSemanticsNodes().isEmpty() }
        assertTrue("a deleted note goes to the trash", runBlocking { app.library!!.items().get(note.key) }.inTrash)
    }

    @Test
    fun itemIsAddedToAndRemovedFromCollections() {
        val item = fixture.keys.getValue("On the Origin of Species")
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        rule.waitForTag(Tags.row(item)).performClick()
        rule.waitForTag(Tags.COLLECTIONS_PICK).performScrollTo().performClick()
        // The picker shows the whole tree, subcollections included.
        rule.waitForTag(Tags.collectionChoice("Machines")).assertIsOff()
        rule.onNodeWithTag(Tags.collectionChoice("Biology")).assertIsOff().performClick()
        rule.waitForTag(Tags.collectionChoice("Machines")).performClick()
        rule.waitUntil(WAIT_MS) { collectionsOf(app, item) == setOf("Biology", "Machines") }
        rule.onNodeWithTag(Tags.collectionChoice("Biology")).assertIsOn()
        rule.onNodeWithTag(Tags.COLLECTIONS_DONE).performClick()

        rule.waitForTag(Tags.membership("Machines"))
        rule.onNodeWithTag(Tags.membershipRemove("Biology")).performScrollTo().performClick()
        rule.waitUntil(WAIT_MS) { collectionsOf(app, item) == setOf("Machines") }
        rule.waitUntil(WAIT_MS) { rule.onAllNodesWithTag(Tags.membership("Biology")).fetchSemanticsNodes().isEmpty() }
    }

    private fun waitForNotes(app: AppState, item: String, count: Int): List<ItemDetail> {
        var notes = emptyList<ItemDetail>()
        rule.waitFor {
            notes = runBlocking { app.library!!.items().children(item) }.filter { it.kind == ItemKind.NOTE && !it.inTrash }
            notes.size == count
        }
        return notes
    }

    private fun noteShown(key: String): String? =
        rule.onAllNodesWithTag(Tags.noteText(key)).fetchSemanticsNodes().singleOrNull()
            ?.config?.getOrNull(SemanticsProperties.Text)?.joinToString { it.text }

    private fun collectionsOf(app: AppState, item: String): Set<String> = runBlocking {
        val library = app.library!!
        val names = library.collections().tree().associate { it.key to it.name }
        library.items().get(item).collections.mapNotNull { names[it] }.toSet()
    }
}
