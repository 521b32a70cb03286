// The barcode scanner on a device: CameraX shows the camera's picture and
// hands frames to an analyser, whose Y plane (the brightness) goes to the
// shared decoder (org.shelfmark.app.scan.IsbnBarcodeDecoder: ZXing, then
// the library's identifier parsing), off the main thread.
package org.shelfmark.app.android

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.util.Size
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.core.resolutionselector.ResolutionSelector
import androidx.camera.core.resolutionselector.ResolutionStrategy
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Box
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import org.shelfmark.app.platform.BarcodeScanner
import org.shelfmark.app.scan.BarcodeRead
import org.shelfmark.app.scan.IsbnBarcodeDecoder
import org.shelfmark.app.scan.LuminanceFrame
import java.util.concurrent.Executors

/** The back camera reading books' barcodes; offered only on devices with a camera. */
class CameraBarcodeScanner(private val context: Context) : BarcodeScanner {
    override val available: Boolean
        get() = context.packageManager.hasSystemFeature(PackageManager.FEATURE_CAMERA_ANY)

    @Composable
    override fun Viewfinder(modifier: Modifier, onRead: (BarcodeRead) -> Unit) {
        val context = LocalContext.current
        var allowed by remember {
            mutableStateOf(ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED)
        }
        val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted -> allowed = granted }
        LaunchedEffect(Unit) { if (!allowed) ask.launch(Manifest.permission.CAMERA) }
        if (!allowed) {
            Box(modifier, contentAlignment = Alignment.Center) {
                TextButton(onClick = { ask.launch(Manifest.permission.CAMERA) }) { Text("Allow the camera to scan barcodes") }
            }
            return
        }
        val lifecycleOwner = LocalLifecycleOwner.current
        val deliver by rememberUpdatedState(onRead)
        val previewView = remember { PreviewView(context) }
        DisposableEffect(lifecycleOwner) {
            val analyser = Executors.newSingleThreadExecutor()
            val main = ContextCompat.getMainExecutor(context)
            val decoder = IsbnBarcodeDecoder()
            val preview = Preview.Builder().build()
            val analysis = ImageAnalysis.Builder()
                // Enough pixels across a barcode held at reading distance.
                .setResolutionSelector(
                    ResolutionSelector.Builder()
                        .setResolutionStrategy(ResolutionStrategy(Size(1280, 720), ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER))
                        .build(),
                )
                .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                .build()
            analysis.setAnalyzer(analyser) { image ->
                val read = image.use { decoder.decode(brightness(it)) }
                if (read != null) main.execute { deliver(read) }
            }
            val providerFuture = ProcessCameraProvider.getInstance(context)
            var provider: ProcessCameraProvider? = null
            providerFuture.addListener({
                val cameras = providerFuture.get()
                preview.setSurfaceProvider(previewView.surfaceProvider)
                cameras.bindToLifecycle(lifecycleOwner, CameraSelector.DEFAULT_BACK_CAMERA, preview, analysis)
                provider = cameras
            }, main)
            onDispose {
                provider?.unbind(preview, analysis)
                analysis.clearAnalyzer()
                analyser.shutdown()
            }
        }
        AndroidView(factory = { previewView }, modifier = modifier)
    }
}

/** The frame's Y plane: one byte of brightness a pixel (YUV_420_888, ImageAnalysis's default). */
private fun brightness(image: ImageProxy): LuminanceFrame {
    val plane = image.planes[0]
    val buffer = plane.buffer
    val bytes = ByteArray(buffer.remaining())
    buffer.get(bytes)
    return LuminanceFrame(bytes, image.width, image.height, plane.rowStride)
}
