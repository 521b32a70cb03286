// Reading a book's ISBN from a camera frame: the frame's brightness goes to
// ZXing's EAN-13 reader, and what it reads is checked by the library's own
// identifier parsing (the same that looks identifiers up), so only a real
// ISBN — 978 or 979, check digit right — is offered. No android.* here:
// the host tests decode generated barcode images with this same class.
package org.shelfmark.app.scan

import com.google.zxing.BarcodeFormat
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.LuminanceSource
import com.google.zxing.MultiFormatReader
import com.google.zxing.NotFoundException
import com.google.zxing.PlanarYUVLuminanceSource
import com.google.zxing.ReaderException
import com.google.zxing.common.GlobalHistogramBinarizer
import com.google.zxing.common.HybridBinarizer
import org.shelfmark.recogniseIdentifiers

/**
 * One frame's brightness, a byte per pixel (the Y plane of a camera's
 * YUV_420_888 image), rows `rowStride` bytes apart.
 */
class LuminanceFrame(val data: ByteArray, val width: Int, val height: Int, val rowStride: Int = width) {
    init {
        require(width > 0 && height > 0 && rowStride >= width) { "a frame of $width×$height with rows of $rowStride bytes" }
        require(data.size >= rowStride * (height - 1) + width) { "${data.size} bytes are too few for the frame" }
    }

    /** The frame turned a quarter clockwise, rows packed. */
    fun rotatedQuarter(): LuminanceFrame {
        val turned = ByteArray(width * height)
        for (y in 0 until height) {
            val row = y * rowStride
            for (x in 0 until width) {
                turned[x * height + (height - 1 - y)] = data[row + x]
            }
        }
        return LuminanceFrame(turned, height, width)
    }
}

/** A barcode read from a frame: its digits, and the ISBN they are when they are one. */
data class BarcodeRead(val text: String, val isbn: String?) {
    /** Why the barcode cannot be added, when it is not an ISBN. */
    val problem: String?
        get() = if (isbn == null) "The barcode $text is not a book's ISBN" else null
}

/** Finds EAN-13 barcodes in frames, in either orientation, and says whether each is an ISBN. */
class IsbnBarcodeDecoder {
    private val reader = MultiFormatReader().apply {
        setHints(
            mapOf(
                DecodeHintType.POSSIBLE_FORMATS to listOf(BarcodeFormat.EAN_13),
                DecodeHintType.TRY_HARDER to true,
            ),
        )
    }

    /** The barcode in `frame`, or null when none can be read. */
    fun decode(frame: LuminanceFrame): BarcodeRead? {
        // Bars run across the rows in one orientation only: a camera held
        // upright sees a horizontal barcode turned a quarter.
        val text = read(frame) ?: read(frame.rotatedQuarter()) ?: return null
        return BarcodeRead(text, isbnOf(text))
    }

    private fun read(frame: LuminanceFrame): String? {
        val source: LuminanceSource = PlanarYUVLuminanceSource(
            frame.data, frame.rowStride, frame.height, 0, 0, frame.width, frame.height, false,
        )
        // The hybrid binarizer copes with uneven light; the histogram one
        // with small, blurry barcodes.
        for (bitmap in listOf(BinaryBitmap(HybridBinarizer(source)), BinaryBitmap(GlobalHistogramBinarizer(source)))) {
            try {
                return reader.decodeWithState(bitmap).text
            } catch (_: NotFoundException) {
                // Not in this rendering; try the next.
            } catch (_: ReaderException) {
                // A misread (bad checksum or format): as good as none.
            } finally {
                reader.reset()
            }
        }
        return null
    }

    companion object {
        /** `text` as the library reads it: the ISBN it is, or null. */
        fun isbnOf(text: String): String? =
            recogniseIdentifiers(text).singleOrNull()?.takeIf { it.identifierKind == "ISBN" }?.identifier
    }
}
