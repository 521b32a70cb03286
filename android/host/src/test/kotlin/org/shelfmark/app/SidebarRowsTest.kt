package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.FieldValue
import org.shelfmark.SearchCondition
import org.shelfmark.SidebarRowKind
import org.shelfmark.app.desktop.ManualLifecycle
import org.shelfmark.app.state.Screen
import org.shelfmark.app.ui.Tags

/** The sidebar's rows beyond collections: Sync Conflicts while a sync left some, and combination saved searches. */
class SidebarRowsTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    private fun key(title: String) = fixture.keys.getValue(title)

    private fun openDrawer() {
        rule.waitForTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("All Items"))
    }

    /** "Keep online" on the conflict card of item `key`. */
    private fun keepOnline(key: String) {
        rule.waitForTag(Tags.conflict(key))
        rule.onNode(hasTestTag("conflict.remote") and hasAnyAncestor(hasTestTag(Tags.conflict(key)))).performScrollTo().performClick()
    }

    private fun hasSidebarRow(title: String) = rule.onAllNodesWithTag(Tags.sidebar(title)).fetchSemanticsNodes().isNotEmpty()

    @Test
    fun theSyncConflictsRowCountsASyncsConflictsAndOpensTheirList() {
        val structure = key("The Structure of Scientific Revolutions")
        val engine = key("Sketch of the Analytical Engine")
        // Both devices retitle two references before syncing again.
        val app = fixture.app(signedIn = true) { library ->
            library.items().setFields(structure, listOf(FieldValue("title", "Structure (phone)")))
            library.items().setFields(engine, listOf(FieldValue("title", "Engine (phone)")))
        }
        runBlocking {
            fixture.desk.items().setFields(structure, listOf(FieldValue("title", "Structure (desk)")))
            fixture.desk.items().setFields(engine, listOf(FieldValue("title", "Engine (desk)")))
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        }
        // Automatic sync waits for the app to come to the foreground: the sync here is the one pressed below.
        (app.platform.lifecycle as ManualLifecycle).foreground = false
        rule.showApp(app)

        // No conflicts yet: no row.
        openDrawer()
        rule.waitForTag(Tags.sidebar("Trash"))
        assertTrue(!hasSidebarRow("Sync Conflicts"))
        rule.onNodeWithTag(Tags.sidebar("All Items")).performClick()

        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { app.sync.conflicts.size == 2 && !app.sync.running }

        // The row appears with the count of items in conflict, and lists them.
        openDrawer()
        rule.waitUntil(WAIT_MS) { hasSidebarRow("Sync Conflicts") }
        rule.onNodeWithTag(Tags.sidebar("Sync Conflicts")).performScrollTo().assertTextContains("2", substring = true).performClick()
        rule.waitUntil(WAIT_MS) { rule.shownRowKeys().toSet() == setOf(structure, engine) }
        rule.waitForTagText(Tags.ITEM_COUNT, "2 references")
        assertTrue(app.browser!!.selection!!.kind is SidebarRowKind.SyncConflicts)

        // Resolving opens the conflicts screen with each field here and online.
        rule.waitForTag(Tags.RESOLVE_CONFLICTS).performClick()
        assertEquals(Screen.Conflicts, app.screen)
        rule.waitForTag(Tags.conflict(structure)).assertTextContains("Here: Structure (phone)", substring = true)
            .assertTextContains("Online: Structure (desk)", substring = true)
        rule.waitForTag(Tags.conflict(engine))
        // Keeping the online version of one leaves one in conflict: the row counts it.
        keepOnline(structure)
        rule.waitUntil(WAIT_MS) { app.sync.conflicts.size == 1 }
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitUntil(WAIT_MS) { rule.shownRowKeys() == listOf(engine) }
        openDrawer()
        rule.waitForTag(Tags.sidebar("Sync Conflicts")).performScrollTo().assertTextContains("1", substring = true)

        // The last one resolved, the row goes away and the list falls back to All Items.
        rule.onNodeWithTag(Tags.sidebar("Sync Conflicts")).performClick()
        rule.waitForTag(Tags.RESOLVE_CONFLICTS).performClick()
        keepOnline(engine)
        rule.waitForTag("conflicts.none")
        rule.onNodeWithTag(Tags.BACK).performClick()
        rule.waitUntil(WAIT_MS) { rule.shownRowKeys().size == 5 }
        openDrawer()
        rule.waitUntil(WAIT_MS) { !hasSidebarRow("Sync Conflicts") }
        assertEquals("Engine (desk)", runBlocking { app.library!!.items().get(engine) }.title)
    }

    @Test
    fun combinationSavedSearchesListTheItemsOfWhatTheyCombine() {
        runBlocking {
            val searches = fixture.desk.savedSearches()
            val tagged = searches.list().single { it.name == "Tagged computing" }
            val computing = fixture.desk.collections().list().single { it.name == "Computing" }
            // Any of: the saved search "Tagged computing", or the tag "evolution".
            searches.create(
                "Computing or evolution",
                listOf(SearchCondition("savedSearch", "is", tagged.key), SearchCondition("tag", "is", "evolution")),
                true,
            )
            // All of: in the collection "Computing" and found by "Tagged computing".
            searches.create(
                "Computing collection, tagged",
                listOf(SearchCondition("collection", "is", computing.key), SearchCondition("savedSearch", "is", tagged.key)),
                false,
            )
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        }
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        openDrawer()
        rule.waitForTag(Tags.sidebar("Computing or evolution"))
        val kinds = app.browser!!.sections.flatMap { it.rows }.associate { it.title to it.kind }
        assertEquals(true, (kinds["Computing or evolution"] as? SidebarRowKind.SavedSearch)?.isCombination)
        assertEquals(true, (kinds["Computing collection, tagged"] as? SidebarRowKind.SavedSearch)?.isCombination)
        assertEquals(false, (kinds["Tagged computing"] as? SidebarRowKind.SavedSearch)?.isCombination)

        rule.onNodeWithTag(Tags.sidebar("Computing or evolution")).performScrollTo().performClick()
        rule.waitForRows(listOf("On Computable Numbers", "On the Origin of Species", "Sketch of the Analytical Engine").map(::key))
        rule.waitForTagText(Tags.ITEM_COUNT, "3 references")

        openDrawer()
        rule.waitForTag(Tags.sidebar("Computing collection, tagged")).performScrollTo().performClick()
        rule.waitForRows(listOf(key("On Computable Numbers")))

        // Tagging another reference here brings it into the combination it now matches.
        runBlocking { app.library!!.items().addTags(key("Tidal Rhythms in Estuaries"), listOf("evolution")) }
        openDrawer()
        rule.waitForTag(Tags.sidebar("Computing or evolution")).performScrollTo().performClick()
        rule.waitForRows(listOf("On Computable Numbers", "On the Origin of Species", "Sketch of the Analytical Engine", "Tidal Rhythms in Estuaries").map(::key))
    }
}
