package org.shelfmark.app.desktop

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.withContext
import org.shelfmark.app.platform.BarcodeScanner
import org.shelfmark.app.scan.BarcodeRead
import org.shelfmark.app.scan.IsbnBarcodeDecoder
import org.shelfmark.app.scan.LuminanceFrame

/**
 * The camera's stand-in: frames handed to [show] (images of barcodes a
 * test draws) go through the same decoder the Android camera's frames do.
 */
class FrameScanner : BarcodeScanner {
    private val frames = Channel<LuminanceFrame>(Channel.UNLIMITED)
    private val decoder = IsbnBarcodeDecoder()

    override val available: Boolean get() = true

    /** Puts `frame` in front of the camera. */
    fun show(frame: LuminanceFrame) {
        frames.trySend(frame)
    }

    @Composable
    override fun Viewfinder(modifier: Modifier, onRead: (BarcodeRead) -> Unit) {
        Box(modifier.background(Color.Black), contentAlignment = Alignment.Center) {
            Text("Camera", color = Color.White)
        }
        LaunchedEffect(Unit) {
            for (frame in frames) {
                withContext(Dispatchers.Default) { decoder.decode(frame) }?.let(onRead)
            }
        }
    }
}
