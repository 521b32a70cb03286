package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.KeyStorage
import org.shelfmark.LibraryOptions
import org.shelfmark.NewItem
import org.shelfmark.ShelfmarkException
import org.shelfmark.SyncListener
import org.shelfmark.SyncProgressEvent
import org.shelfmark.SyncRequest
import org.shelfmark.SyncStage
import org.shelfmark.app.desktop.FolderStorage
import org.shelfmark.app.desktop.ManualLifecycle
import org.shelfmark.app.state.Screen
import org.shelfmark.app.ui.Tags
import org.shelfmark.createLibrary

/**
 * A first sync that brings many items indexes their full text last (the
 * `Indexing` stage): the library is browsable before that is done.
 */
class FirstSyncIndexingTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    private lateinit var plankton: String

    /** Enough references on the server for a first sync to leave their full text for its last stage. */
    @Before
    fun manyReferences() {
        runBlocking {
            val many = (1..MANY).map { n ->
                NewItem("journalArticle", mapOf("title" to "Field Notes $n", "date" to "2020"), listOf(author("Ann", "Field")), emptyList(), emptyList())
            } + NewItem(
                "journalArticle",
                mapOf("title" to "Glowing Plankton of the Night Sea", "date" to "2021", "abstractNote" to "Dinoflagellates flash when the water is disturbed"),
                listOf(author("Edith", "Widder")),
                emptyList(),
                emptyList(),
            )
            plankton = fixture.desk.items().createMany(many).last().key
            fixture.desk.sync().syncNow(fixture.deskRequest(), null)
        }
    }

    @Test
    fun theListIsBrowsableBeforeFullTextIndexingFinishes() {
        // The first sync stops as its Indexing stage begins: the items are in, their full text is not indexed yet.
        val storage = FolderStorage(fixture.appDir)
        val stages = mutableListOf<SyncStage>()
        runBlocking {
            val library = createLibrary(storage.libraryPath, LibraryOptions(false, null))
            val stopAtIndexing = object : SyncListener {
                override fun onProgress(event: SyncProgressEvent) {
                    synchronized(stages) { stages.add(event.stage) }
                    if (event.stage == SyncStage.INDEXING) library.sync().cancel()
                }

                override fun onConflicts(count: ULong) {}
            }
            try {
                library.sync().syncNow(SyncRequest(fixture.server.baseUrl, null, fixture.key, KeyStorage.File(storage.keyFilePath), false), stopAtIndexing)
            } catch (_: ShelfmarkException) {
                // Cancelled during Indexing, as intended.
            }
            library.close()
        }
        assertTrue("stages: $stages", SyncStage.INDEXING in stages)

        // In the background, automatic sync does not run, so the index stays as the first sync left it.
        val app = fixture.app(signedIn = false)
        (app.platform.lifecycle as ManualLifecycle).foreground = false
        rule.showApp(app)
        waitForCount(MANY + 1 + seedReferences.size)
        assertEquals(Screen.Library, app.screen)

        // Sorting and quick search (titles, creators, years) work already; the abstract is not found yet.
        rule.waitForTag("sort").performClick()
        rule.waitForTag(Tags.sort("Creator")).performClick()
        rule.waitUntil(WAIT_MS) { rule.shownRowKeys().firstOrNull() == fixture.keys.getValue("Tidal Rhythms in Estuaries") }
        rule.onNodeWithTag(Tags.SEARCH).performTextReplacement("plankton")
        rule.waitForRows(listOf(plankton))
        rule.onNodeWithTag(Tags.SEARCH_EVERYTHING).performClick()
        rule.waitUntil(WAIT_MS) { app.browser?.searchEverything == true }
        rule.waitForRows(listOf(plankton))
        rule.onNodeWithTag(Tags.SEARCH).performTextReplacement("dinoflagellates")
        // The search for the new text has read its page, and it is empty.
        rule.waitUntil(WAIT_MS) {
            val browser = app.browser!!
            browser.searchText == "dinoflagellates" && browser.rows.loaded > 0 && rule.shownRowKeys().isEmpty()
        }

        // An item opens with its abstract.
        rule.onNodeWithTag(Tags.SEARCH).performTextReplacement("plankton")
        rule.waitForTag(Tags.row(plankton)).performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextContains("Glowing Plankton of the Night Sea")
        rule.waitForText("Dinoflagellates flash")
        rule.onNodeWithTag(Tags.BACK).performClick()

        // The next sync indexes what is left: now "everything" finds the abstract's words.
        rule.waitForTag(Tags.SYNC_NOW).performClick()
        rule.waitUntil(WAIT_MS) { app.sync.lastResult != null && !app.sync.running }
        rule.onNodeWithTag(Tags.SEARCH).performTextReplacement("dinoflagellates")
        rule.waitForRows(listOf(plankton))
    }

    @Test
    fun signingInShowsTheLibraryWhileTheFirstSyncIndexes() {
        val app = fixture.app(signedIn = false)
        rule.showApp(app)
        rule.waitForTag(Tags.SIGN_IN_WITH_KEY).performClick()
        rule.waitForTag(Tags.SIGN_IN_SERVER).performTextReplacement(fixture.server.baseUrl)
        rule.waitForTag(Tags.SIGN_IN_KEY).performTextReplacement(fixture.key)
        rule.onNodeWithTag(Tags.SIGN_IN_BUTTON).performClick()

        rule.waitForTag(Tags.ITEM_COUNT, timeout = 60_000)
        rule.waitUntil(60_000) { !app.signIn.busy }
        val stages = app.signIn.stagesSeen.toList()
        // The library was shown at the Indexing stage, before the sync's end.
        assertTrue("stages: $stages", SyncStage.INDEXING in stages)
        assertEquals(SyncStage.INDEXING, app.signIn.shownAt)
        waitForCount(MANY + 1 + seedReferences.size)
        rule.onNodeWithTag(Tags.SEARCH).performTextReplacement("dinoflagellates")
        rule.onNodeWithTag(Tags.SEARCH_EVERYTHING).performClick()
        rule.waitForRows(listOf(plankton))
    }

    private fun waitForCount(total: Int) = rule.waitForTagText(Tags.ITEM_COUNT, "$total references")

    private companion object {
        /** More than a first sync indexes as it goes. */
        const val MANY = 600
    }
}
