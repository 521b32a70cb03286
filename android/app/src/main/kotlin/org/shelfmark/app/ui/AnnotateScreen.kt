package org.shelfmark.app.ui

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.shelfmark.app.state.AnnotateState
import org.shelfmark.app.state.annotationColorName
import org.shelfmark.app.state.annotationColors
import org.shelfmark.app.state.annotationKinds

private fun parseColor(hex: String): Color =
    hex.removePrefix("#").toLongOrNull(16)?.let { Color(0xFF000000 or it) } ?: Color.Yellow

/** The reader: the page, and beside it (tablets) or below it (phones) the page's annotations and the editor. */
@Composable
fun AnnotateScreen(state: AnnotateState, tablet: Boolean) {
    LaunchedEffect(state) { state.open() }
    state.downloading?.let { (done, total) ->
        Column(Modifier.fillMaxWidth().padding(24.dp)) {
            Text(if (total > 0) "Downloading ${done * 100 / total} %" else "Downloading…")
            if (total > 0) LinearProgressIndicator(progress = { done.toFloat() / total }, modifier = Modifier.fillMaxWidth())
            else LinearProgressIndicator(Modifier.fillMaxWidth())
        }
        return
    }
    if (tablet) {
        Row(Modifier.fillMaxSize()) {
            Box(Modifier.weight(0.6f).fillMaxHeight().verticalScroll(rememberScrollState())) { Page(state) }
            Box(Modifier.weight(0.4f).fillMaxHeight().verticalScroll(rememberScrollState())) { Panel(state) }
        }
    } else {
        Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState())) {
            Page(state)
            Panel(state)
        }
    }
}

@Composable
private fun Page(state: AnnotateState) {
    Column(Modifier.padding(12.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            TextButton(onClick = { state.showPage(state.page - 1) }, enabled = state.page > 0) { Text("‹ Previous") }
            Text("Page ${state.page + 1} of ${state.pageCount}", Modifier.padding(top = 12.dp))
            TextButton(onClick = { state.showPage(state.page + 1) }, enabled = state.page + 1 < state.pageCount) { Text("Next ›") }
        }
        state.pageImage?.let {
            Image(it, contentDescription = "Page ${state.page + 1}", contentScale = ContentScale.FillWidth, modifier = Modifier.fillMaxWidth().border(1.dp, MaterialTheme.colorScheme.outlineVariant).testTag(Tags.PDF_PAGE))
        }
    }
}

@Composable
private fun Panel(state: AnnotateState) {
    Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Text("Annotations on this page", style = MaterialTheme.typography.titleSmall)
        state.onPage().forEach { a ->
            Card(Modifier.fillMaxWidth().testTag(Tags.annotation(a.key))) {
                Row(Modifier.padding(10.dp), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Box(Modifier.size(14.dp).clip(CircleShape).background(parseColor(a.color)).semantics { contentDescription = annotationColorName(a.color) })
                    Column(Modifier.weight(1f)) {
                        Text(a.annotationType.replaceFirstChar { it.uppercase() }, style = MaterialTheme.typography.labelMedium)
                        a.text?.let { Text("“$it”", style = MaterialTheme.typography.bodySmall) }
                        a.comment?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
                    }
                    TextButton(onClick = { state.startEditing(a) }) { Text("Edit") }
                    TextButton(onClick = { state.delete(a) }) { Text("Delete") }
                }
            }
        }
        Text(if (state.editing == null) "New annotation" else "Edit annotation", style = MaterialTheme.typography.titleSmall)
        if (state.editing == null) {
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                annotationKinds.forEach { (kind, label) ->
                    FilterChip(selected = state.kind == kind, onClick = { state.kind = kind }, label = { Text(label) }, modifier = Modifier.testTag(Tags.kind(kind)))
                }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            annotationColors.forEach { hex ->
                Box(
                    Modifier.size(28.dp).clip(CircleShape).background(parseColor(hex))
                        .border(if (state.color == hex) 3.dp else 0.dp, MaterialTheme.colorScheme.onSurface, CircleShape)
                        .clickable { state.color = hex }.semantics { contentDescription = annotationColorName(hex) }.testTag("color:$hex"),
                )
            }
        }
        if (state.kind != "note") {
            OutlinedTextField(state.text, { state.text = it }, label = { Text("Marked text") }, modifier = Modifier.fillMaxWidth().testTag(Tags.ANNOTATION_TEXT))
        }
        OutlinedTextField(state.comment, { state.comment = it }, label = { Text("Comment") }, modifier = Modifier.fillMaxWidth().testTag(Tags.ANNOTATION_COMMENT))
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(onClick = { state.save() }, modifier = Modifier.testTag(Tags.ANNOTATION_SAVE)) { Text(if (state.editing == null) "Add" else "Save") }
            if (state.editing != null) TextButton(onClick = { state.startEditing(null) }) { Text("Cancel") }
        }
    }
}
