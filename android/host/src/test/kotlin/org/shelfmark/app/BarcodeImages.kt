package org.shelfmark.app

import com.google.zxing.BarcodeFormat
import com.google.zxing.EncodeHintType
import com.google.zxing.oned.EAN13Writer
import org.shelfmark.app.scan.LuminanceFrame
import java.awt.Color
import java.awt.RenderingHints
import java.awt.geom.AffineTransform
import java.awt.image.BufferedImage
import kotlin.random.Random

/** 13 digits: `twelve` with its EAN-13 check digit. */
fun withCheckDigit(twelve: String): String {
    require(twelve.length == 12 && twelve.all { it.isDigit() })
    val sum = twelve.mapIndexed { i, c -> (c - '0') * if (i % 2 == 0) 1 else 3 }.sum()
    return twelve + ((10 - sum % 10) % 10)
}

/**
 * A photograph-like picture of an EAN-13 barcode: drawn by ZXing's writer
 * `barWidth` pixels a module, on a `width`×`height` grey page, turned by
 * `degrees`, with uneven light and sensor noise.
 */
fun barcodePicture(
    digits: String,
    width: Int = 640,
    height: Int = 480,
    barWidth: Int = 3,
    degrees: Double = 0.0,
    noise: Int = 12,
    seed: Int = 7,
): BufferedImage {
    val matrix = EAN13Writer().encode(digits, BarcodeFormat.EAN_13, 0, 0, mapOf(EncodeHintType.MARGIN to 10))
    val code = BufferedImage(matrix.width * barWidth, 60 * barWidth, BufferedImage.TYPE_BYTE_GRAY)
    val g = code.createGraphics()
    g.color = Color(235, 235, 230)
    g.fillRect(0, 0, code.width, code.height)
    g.color = Color(25, 25, 30)
    for (x in 0 until matrix.width) {
        if (matrix[x, 0]) g.fillRect(x * barWidth, 0, barWidth, code.height)
    }
    g.dispose()

    val picture = BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY)
    val p = picture.createGraphics()
    p.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR)
    p.color = Color(120, 110, 100)
    p.fillRect(0, 0, width, height)
    val place = AffineTransform()
    place.translate(width / 2.0, height / 2.0)
    place.rotate(Math.toRadians(degrees))
    place.translate(-code.width / 2.0, -code.height / 2.0)
    p.drawImage(code, place, null)
    p.dispose()

    // Light falling off to one side, and noise as a phone camera has.
    val random = Random(seed)
    val raster = picture.raster
    for (y in 0 until height) {
        for (x in 0 until width) {
            val light = 1.0 - 0.25 * x / width
            val value = raster.getSample(x, y, 0) * light + random.nextInt(-noise, noise + 1)
            raster.setSample(x, y, 0, value.toInt().coerceIn(0, 255))
        }
    }
    return picture
}

/** The picture as a camera's Y plane, each row padded to `rowStride` bytes. */
fun luminanceFrame(picture: BufferedImage, rowStride: Int = picture.width): LuminanceFrame {
    val data = ByteArray(rowStride * picture.height) { 0x55 }
    val raster = picture.raster
    for (y in 0 until picture.height) {
        for (x in 0 until picture.width) {
            data[y * rowStride + x] = raster.getSample(x, y, 0).toByte()
        }
    }
    return LuminanceFrame(data, picture.width, picture.height, rowStride)
}
