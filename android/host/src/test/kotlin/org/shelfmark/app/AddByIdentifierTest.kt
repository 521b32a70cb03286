package org.shelfmark.app

import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.RuleChain
import org.junit.rules.TestRule
import org.shelfmark.ItemListQuery
import org.shelfmark.SortField
import org.shelfmark.app.desktop.FrameScanner
import org.shelfmark.app.desktop.LookupStandIns
import org.shelfmark.app.ui.AddTags
import org.shelfmark.app.ui.Tags

/**
 * Add by identifier against the library and the metadata services on
 * loopback: a pasted list with a DOI, an ISBN with a wrong check digit, a
 * DOI no service knows and an arXiv id whose service asks to wait, plus a
 * book's barcode read by the scanner; each row says what became of its
 * identifier, the found ones are in the library and open, and the same DOI
 * again is the library's item rather than a second one.
 */
class AddByIdentifierTest {
    private val fixture = Fixture()
    private val rule = createComposeRule()
    private val services = LookupStandIns()

    @get:Rule
    val rules: TestRule = RuleChain.outerRule(fixture).around(rule)

    @org.junit.After
    fun stopServices() = services.close()

    @Test
    fun aPastedListAndAScannedBarcodeAreAddedRowByRow() {
        val app = fixture.app(signedIn = true)
        app.lookupSettings = services.settings
        val scanner = app.platform.scanner as FrameScanner
        rule.showApp(app)
        rule.waitForTagText(Tags.ITEM_COUNT, "5 references")
        rule.onNodeWithTag(Tags.NEW_ITEM).performClick()
        rule.waitForTag(AddTags.MENU_ITEM).performClick()

        rule.waitForTag(AddTags.TEXT).performTextReplacement(
            "doi:${LookupStandIns.ARTICLE_DOI}\nISBN 978-0-262-03384-9\n10.5555/nobody-knows\narXiv:1706.03762",
        )
        // The scanner: a grocery barcode is refused, a book's joins the list once.
        rule.onNodeWithTag(AddTags.SCAN).performClick()
        rule.waitForTag(AddTags.VIEWFINDER)
        scanner.show(luminanceFrame(barcodePicture("4006381333931")))
        rule.waitForText("The barcode 4006381333931 is not a book's ISBN")
        scanner.show(luminanceFrame(barcodePicture(LookupStandIns.BOOK_ISBN, degrees = 90.0, width = 480, height = 640)))
        rule.waitForText("ISBN ${LookupStandIns.BOOK_ISBN} added to the list")
        scanner.show(luminanceFrame(barcodePicture(LookupStandIns.BOOK_ISBN)))
        rule.waitForText("ISBN ${LookupStandIns.BOOK_ISBN} is on the list")
        rule.onNodeWithTag(AddTags.TEXT).assertTextContains(LookupStandIns.BOOK_ISBN, substring = true)

        rule.onNodeWithTag(AddTags.ADD).performClick()
        rule.waitForTag(AddTags.SUMMARY).assertTextContains("Added 2 references, 3 not added")
        rule.onNodeWithTag(AddTags.row("doi:${LookupStandIns.ARTICLE_DOI}")).run {
            assertTextContains("Added")
            assertTextContains(LookupStandIns.ARTICLE_TITLE)
            assertTextContains("Kucsko, Maurer, Lukin · 2013")
        }
        rule.onNodeWithTag(AddTags.row(LookupStandIns.BOOK_ISBN)).run {
            assertTextContains("Added")
            assertTextContains(LookupStandIns.BOOK_TITLE)
        }
        rule.onNodeWithTag(AddTags.row("978-0-262-03384-9")).assertTextContains("check digit", substring = true)
        rule.onNodeWithTag(AddTags.row("10.5555/nobody-knows")).assertTextContains("Not found", substring = true)
        rule.onNodeWithTag(AddTags.row("arXiv:1706.03762"))
            .assertTextContains("arXiv.org limits the rate of requests; try again in 600 s", substring = true)

        val library = requireNotNull(app.library)
        val titles = runBlocking { library.items().list(ItemListQuery(sort = SortField.TITLE)).rows.map { it.title } }
        assertEquals(7, titles.size)
        assertTrue(titles.toString(), LookupStandIns.ARTICLE_TITLE in titles && LookupStandIns.BOOK_TITLE in titles)

        // The added item opens.
        rule.onNodeWithTag(AddTags.open("doi:${LookupStandIns.ARTICLE_DOI}")).performClick()
        rule.waitForTag(Tags.DETAIL_TITLE).assertTextContains(LookupStandIns.ARTICLE_TITLE)
        rule.onNodeWithTag(Tags.BACK).performClick()
        // Back on the screen, the rows are as they were.
        rule.waitForTag(AddTags.SUMMARY).assertTextContains("Added 2 references, 3 not added")
        rule.onNodeWithTag(AddTags.row(LookupStandIns.BOOK_ISBN)).assertTextContains("Added")

        // The same DOI again: the library's item, nothing new.
        rule.onNodeWithText("Clear").performClick()
        rule.onNodeWithTag(AddTags.TEXT).performTextReplacement("https://doi.org/${LookupStandIns.ARTICLE_DOI}")
        rule.onNodeWithTag(AddTags.ADD).performClick()
        rule.waitForTag(AddTags.SUMMARY).assertTextContains("Added 0 references, 1 already in the library")
        rule.onNodeWithTag(AddTags.row("https://doi.org/${LookupStandIns.ARTICLE_DOI}"))
            .assertTextContains("Already in the library (same DOI ${LookupStandIns.ARTICLE_DOI})")
        assertEquals(7, runBlocking { library.items().list(ItemListQuery(sort = SortField.TITLE)).total.toInt() })
    }
}
