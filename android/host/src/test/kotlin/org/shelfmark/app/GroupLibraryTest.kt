package org.shelfmark.app

import androidx.compose.ui.test.assertTextEquals
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.KeyStorage
import org.shelfmark.LibraryHandle
import org.shelfmark.LibraryOptions
import org.shelfmark.NewItem
import org.shelfmark.SyncRequest
import org.shelfmark.app.state.AppState
import org.shelfmark.app.ui.Tags
import org.shelfmark.createLibrary

/**
 * Group libraries: signed in with a key that reaches a group, the group is
 * a library of its own in the sidebar, browsed and edited there; a group
 * the key may only read shows no edit controls and its form says why.
 */
class GroupLibraryTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    /** Another user's group with the fixture's user as a writing member, holding one reference. */
    private inner class Group(val name: String) {
        private val owner: LibraryHandle
        private val request: SyncRequest
        val itemKey: String

        init {
            val (ownerId, ownerKey) = fixture.server.user("owner@example.org")
            fixture.server.group(ownerKey, name, fixture.userId)
            val dir = fixture.appDir.resolveSibling("owner")
            dir.mkdirs()
            request = SyncRequest(fixture.server.baseUrl, ownerId, ownerKey, KeyStorage.File(dir.resolve("key").path), false)
            owner = runBlocking { createLibrary(dir.resolve("owner.shelfmark").path, LibraryOptions(false, null)) }
            itemKey = runBlocking {
                owner.sync().syncNow(request, null)
                val group = owner.forLibrary(owner.sidebar().single { it.title == name }.libraryId)
                val created = group.items().create(NewItem("book", mapOf("title" to "Beetles of Kent"), listOf(author("Mary", "Anning")), emptyList(), emptyList()))
                owner.sync().syncNow(request, null)
                created.key
            }
        }

        /** The title the owner sees after syncing. */
        fun titleOnline(): String = runBlocking {
            owner.sync().syncNow(request, null)
            owner.forLibrary(owner.sidebar().single { it.title == name }.libraryId).items().get(itemKey).title
        }
    }

    private fun signIn(app: AppState, key: String) {
        rule.showApp(app, width = 1280.dp, height = 800.dp)
        rule.waitForTag(Tags.SIGN_IN_WITH_KEY).performClick()
        rule.waitForTag(Tags.SIGN_IN_SERVER).performTextReplacement(fixture.server.baseUrl)
        rule.waitForTag(Tags.SIGN_IN_KEY).performTextReplacement(key)
        rule.onNodeWithTag(Tags.SIGN_IN_BUTTON).performClick()
        rule.waitForTag(Tags.row(fixture.keys.getValue("On Computable Numbers")))
    }

    /** Chooses the group's All Items (the second "All Items" of the sidebar: My Library's comes first). */
    private fun openGroup(groupTitle: String) {
        rule.waitForText(groupTitle)
        rule.waitUntil(WAIT_MS) { rule.onAllNodesWithTag(Tags.sidebar("All Items")).fetchSemanticsNodes().size == 2 }
        rule.onAllNodesWithTag(Tags.sidebar("All Items"))[1].performScrollTo().performClick()
    }

    @Test
    fun groupIsBrowsedAndEdited() {
        val group = Group("Field Station")
        val app = fixture.app(signedIn = false)
        signIn(app, fixture.key)
        openGroup("Field Station")
        rule.waitForTag(Tags.row(group.itemKey)).performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextEquals("Beetles of Kent")
        rule.onNodeWithTag(Tags.EDIT).performClick()
        rule.waitForTag(Tags.editField("title")).performTextReplacement("Beetles of Kent and Sussex")
        rule.onNodeWithTag(Tags.EDIT_SAVE).performScrollTo().performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextEquals("Beetles of Kent and Sussex")
        val groupHere = runBlocking { app.library!!.sidebar().single { it.title == "Field Station" }.libraryId }
        assertEquals("Beetles of Kent and Sussex", runBlocking { app.library!!.forLibrary(groupHere).items().get(group.itemKey) }.title)

        // The edit syncs to the group: its owner sees it.
        rule.onNodeWithTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { !app.sync.running && app.sync.lastResult != null }
        assertEquals("Beetles of Kent and Sussex", group.titleOnline())
    }

    @Test
    fun readOnlyGroupShowsNoEditControlsAndItsFormSaysWhy() {
        val group = Group("Reading Room")
        val readingKey = fixture.server.key(fixture.userId, groups = "read")
        val app = fixture.app(signedIn = false)
        signIn(app, readingKey)
        rule.waitForText("Reading Room (read only)")
        openGroup("Reading Room")
        rule.waitForTag(Tags.row(group.itemKey)).performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextEquals("Beetles of Kent")
        for (control in listOf(Tags.EDIT, Tags.TRASH, Tags.NOTE_ADD, Tags.COLLECTIONS_PICK, Tags.NEW_ITEM)) {
            assertTrue("no $control in a read-only group", rule.onAllNodesWithTag(control).fetchSemanticsNodes().isEmpty())
        }

        rule.onNodeWithTag(Tags.VIEW_FIELDS).performClick()
        rule.waitForTag(Tags.EDIT_ERROR).assertTextEquals("this library is read-only: changes to it cannot be saved")
        assertTrue(rule.onAllNodesWithTag(Tags.EDIT_SAVE).fetchSemanticsNodes().isEmpty())
        val groupHere = runBlocking { app.library!!.sidebar().single { it.title == "Reading Room" }.libraryId }
        assertEquals("Beetles of Kent", runBlocking { app.library!!.forLibrary(groupHere).items().get(group.itemKey) }.title)
    }
}
