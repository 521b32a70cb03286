package org.shelfmark.app

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Test
import org.shelfmark.app.scan.IsbnBarcodeDecoder
import org.shelfmark.app.scan.LuminanceFrame
import kotlin.random.Random

/**
 * The barcode decoder on pictures of real EAN-13 barcodes drawn by ZXing's
 * writer: an ISBN is read in any orientation a camera sees it, from a
 * frame with padded rows, tilted and noisy; a barcode that is not an ISBN
 * is read but refused; a frame without a barcode gives nothing.
 */
class IsbnBarcodeDecoderTest {
    private val decoder = IsbnBarcodeDecoder()

    @Test
    fun aBooksBarcodeIsReadAsItsIsbn() {
        val read = decoder.decode(luminanceFrame(barcodePicture("9780262033848")))
        assertNotNull(read)
        assertEquals("9780262033848", read!!.text)
        assertEquals("9780262033848", read.isbn)
        assertNull(read.problem)
    }

    @Test
    fun a979IsbnIsAnIsbnToo() {
        val isbn = withCheckDigit("979103230569")
        assertEquals(isbn, decoder.decode(luminanceFrame(barcodePicture(isbn)))?.isbn)
    }

    @Test
    fun aBarcodeSeenAQuarterTurnedIsRead() {
        // A phone held upright sees a horizontal barcode turned, as the sensor is landscape.
        for (degrees in listOf(90.0, -90.0, 180.0)) {
            val picture = barcodePicture("9780262033848", width = 480, height = 640, barWidth = 3, degrees = degrees)
            assertEquals("turned $degrees°", "9780262033848", decoder.decode(luminanceFrame(picture))?.isbn)
        }
    }

    @Test
    fun aFrameWithPaddedRowsASlightTiltAndNoiseIsRead() {
        val picture = barcodePicture("9780306406157", barWidth = 2, degrees = 4.0, noise = 25, seed = 3)
        val frame = luminanceFrame(picture, rowStride = picture.width + 64)
        assertEquals("9780306406157", decoder.decode(frame)?.isbn)
    }

    @Test
    fun aGroceryBarcodeIsReadButIsNoIsbn() {
        val read = decoder.decode(luminanceFrame(barcodePicture("4006381333931")))
        assertNotNull(read)
        assertEquals("4006381333931", read!!.text)
        assertNull(read.isbn)
        assertEquals("The barcode 4006381333931 is not a book's ISBN", read.problem)
    }

    @Test
    fun aFrameWithoutABarcodeGivesNothing() {
        val random = Random(11)
        val noise = ByteArray(640 * 480) { random.nextInt(256).toByte() }
        assertNull(decoder.decode(LuminanceFrame(noise, 640, 480)))
        assertNull(decoder.decode(LuminanceFrame(ByteArray(640 * 480) { 0x7f }, 640, 480)))
    }

    @Test
    fun theLibrarysParsingDecidesWhatIsAnIsbn() {
        assertEquals("9780262033848", IsbnBarcodeDecoder.isbnOf("9780262033848"))
        assertNull(IsbnBarcodeDecoder.isbnOf("9780262033849")) // wrong check digit
        assertNull(IsbnBarcodeDecoder.isbnOf("9771234567003")) // an ISSN's EAN
    }
}
