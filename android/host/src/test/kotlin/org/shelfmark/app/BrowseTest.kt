package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.NewItem
import org.shelfmark.app.state.Screen
import org.shelfmark.app.ui.Tags

/** Browsing: the sidebar's collection tree and saved search, the sort orders (creator, title, date, date added), quick and "everything" search. */
class BrowseTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    private fun key(title: String) = fixture.keys.getValue(title)

    private fun waitForRows(expected: List<String>) = rule.waitForRows(expected)

    @Test
    fun sidebarSortAndSearch() {
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        val byTitle = listOf("On Computable Numbers", "On the Origin of Species", "Sketch of the Analytical Engine", "The Structure of Scientific Revolutions", "Tidal Rhythms in Estuaries").map(::key)
        waitForRows(byTitle)

        // By creator: Carson, Darwin, Kuhn, Lovelace, Turing.
        rule.waitForTag("sort").performClick()
        rule.waitForTag(Tags.sort("Creator")).performClick()
        waitForRows(listOf("Tidal Rhythms in Estuaries", "On the Origin of Species", "The Structure of Scientific Revolutions", "Sketch of the Analytical Engine", "On Computable Numbers").map(::key))

        // By date: 1843, 1859, 1937, 1962, 2019.
        rule.waitForTag("sort").performClick()
        rule.waitForTag(Tags.sort("Date")).performClick()
        waitForRows(listOf("Sketch of the Analytical Engine", "On the Origin of Species", "On Computable Numbers", "The Structure of Scientific Revolutions", "Tidal Rhythms in Estuaries").map(::key))

        // The collection tree: a collection and its subcollection each list their own items.
        rule.onNodeWithTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("Computing")).performClick()
        waitForRows(listOf(key("On Computable Numbers")))
        rule.waitForTagText(Tags.ITEM_COUNT, "1 reference")
        rule.onNodeWithTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("Machines")).performClick()
        waitForRows(listOf(key("Sketch of the Analytical Engine")))

        // The saved search.
        rule.onNodeWithTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("Tagged computing")).performClick()
        waitForRows(listOf("Sketch of the Analytical Engine", "On Computable Numbers").map(::key))

        // Quick search as you type, in My Library; "everything" also finds words of the abstract.
        rule.onNodeWithTag(Tags.MENU).performClick()
        rule.waitForTag(Tags.sidebar("All Items")).performClick()
        rule.onNodeWithTag(Tags.SEARCH).performTextReplacement("tidal")
        waitForRows(listOf(key("Tidal Rhythms in Estuaries")))
        rule.onNodeWithTag(Tags.SEARCH).performTextReplacement("finches")
        waitForRows(emptyList())
        rule.onNodeWithTag(Tags.SEARCH_EVERYTHING).performClick()
        waitForRows(listOf(key("On the Origin of Species")))

        // Opening a row shows the item on its own screen on a phone.
        rule.onNodeWithTag(Tags.row(key("On the Origin of Species"))).performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextContains("On the Origin of Species")
        assertEquals(Screen.Item(key("On the Origin of Species")), app.screen)
    }

    @Test
    fun tabletShowsSidebarListAndItemTogether() {
        val app = fixture.app(signedIn = true)
        rule.showApp(app, width = 1280.dp, height = 800.dp)
        rule.waitForTag(Tags.sidebar("Biology"))
        rule.waitForTag(Tags.row(key("Tidal Rhythms in Estuaries"))).performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextContains("Tidal Rhythms in Estuaries")
        // The list is still there beside it, and the permanent sidebar too.
        rule.onNodeWithTag(Tags.row(key("On Computable Numbers"))).assertTextContains("Turing", substring = true)
        rule.onNodeWithTag(Tags.sidebar("Trash")).performClick()
        rule.waitForTagText(Tags.ITEM_COUNT, "0 references")
    }

    @Test
    fun dateAddedListsTheLatestAdditionsLast() {
        // Added a second apart on the desk, after the seed references: Zebra first, then Aardvark.
        val added = runBlocking {
            listOf("Zebra Stripes in the Serengeti", "Aardvark Burrows").map { title ->
                Thread.sleep(1_100)
                fixture.desk.items().create(NewItem("journalArticle", mapOf("title" to title, "date" to "2001"), listOf(author("Ann", "Field")), emptyList(), emptyList())).key
            }.also { fixture.desk.sync().syncNow(fixture.deskRequest(), null) }
        }
        val (zebra, aardvark) = added
        val app = fixture.app(signedIn = true)
        rule.showApp(app)
        // The whole list in order, as read for the screen (more rows than a phone shows at once).
        fun listed(): List<String> = app.browser?.rows?.let { rows -> (0 until rows.total).mapNotNull { rows.rowAt(it)?.key } } ?: emptyList()
        rule.waitUntil(WAIT_MS) { listed().size == 7 }
        assertEquals(aardvark, listed().first())

        rule.waitForTag("sort").performClick()
        rule.waitForTag(Tags.sort("Date added")).performClick()
        rule.waitUntil(WAIT_MS) { listed().takeLast(2) == listOf(zebra, aardvark) }
        assertEquals(fixture.keys.values.toSet(), listed().take(5).toSet())
        rule.onNodeWithTag("sort").assertTextContains("Sort: Date added")
        // The screen shows the list's top rows: the seed references.
        rule.waitUntil(WAIT_MS) { rule.shownRowKeys().let { it.isNotEmpty() && it == listed().take(it.size) } }
        assertEquals(true, rule.shownRowKeys().first() in fixture.keys.values)

        // Back to title order: Aardvark first again.
        rule.waitForTag("sort").performClick()
        rule.waitForTag(Tags.sort("Title")).performClick()
        rule.waitUntil(WAIT_MS) { listed().size == 7 && listed().first() == aardvark && rule.shownRowKeys().firstOrNull() == aardvark }
    }
}
