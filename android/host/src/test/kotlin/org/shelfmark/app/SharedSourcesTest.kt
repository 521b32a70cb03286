package org.shelfmark.app

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/** The screens and state holders compile on the host only while they stay free of Android's own APIs. */
class SharedSourcesTest {
    @Test
    fun sharedSourcesImportNothingFromAndroid() {
        val shared = File("../app/src/main/kotlin")
        val files = shared.walkTopDown().filter { it.extension == "kt" }.toList()
        assertTrue("no shared sources found in ${shared.absolutePath}", files.size >= 10)
        val offending = files.flatMap { file ->
            file.readLines().filter { it.trim().startsWith("import android.") }.map { "${file.name}: ${it.trim()}" }
        }
        assertEquals(emptyList<String>(), offending)
    }
}
