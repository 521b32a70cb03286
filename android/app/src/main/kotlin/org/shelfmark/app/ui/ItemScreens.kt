package org.shelfmark.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.selection.toggleable
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Checkbox
import androidx.compose.ui.Alignment
import androidx.compose.ui.semantics.Role
import org.shelfmark.noteText
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AssistChip
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.shelfmark.FieldKind
import org.shelfmark.app.state.AppState
import org.shelfmark.app.state.ItemDetailState
import org.shelfmark.app.state.ItemEditState
import org.shelfmark.app.state.Screen
import org.shelfmark.fileStatusText

/** A note being written: a new one (`key` null) or an existing one, with the text as typed. */
private data class NoteDraft(val key: String?, val text: String)

/** The item: fields in the type's order, creators, tags, notes, attachments with their files and annotations. */
@Composable
fun ItemDetailScreen(app: AppState, state: ItemDetailState) {
    LaunchedEffect(state) { state.load() }
    LaunchedEffect(state) { state.followFileChanges() }
    val item = state.item
    var noteDraft by remember(state) { mutableStateOf<NoteDraft?>(null) }
    var picking by remember(state) { mutableStateOf(false) }
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag(Tags.DETAIL_ERROR)) }
        if (item == null) return@Column
        // Read-only group libraries and items in the trash show no edit controls.
        val editable = (app.browser?.editable ?: true) && !item.inTrash
        Text(item.itemTypeLabel.uppercase(), style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.primary)
        Text(item.title.ifEmpty { "(untitled)" }, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.testTag(Tags.DETAIL_TITLE))
        if (item.inTrash) Text("In the trash", color = MaterialTheme.colorScheme.error)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            if (!item.inTrash) {
                if (editable) {
                    Button(onClick = { app.navigate(Screen.Edit(item.key)) }, modifier = Modifier.testTag(Tags.EDIT)) { Text("Edit") }
                } else {
                    OutlinedButton(onClick = { app.navigate(Screen.Edit(item.key)) }, modifier = Modifier.testTag(Tags.VIEW_FIELDS)) { Text("All fields") }
                }
                OutlinedButton(onClick = { app.navigate(Screen.Share(listOf(item.key))) }, modifier = Modifier.testTag(Tags.SHARE)) { Text("Share") }
                if (editable) TextButton(onClick = { state.trash { } }, modifier = Modifier.testTag(Tags.TRASH)) { Text("Move to trash") }
            } else if (app.browser?.editable ?: true) {
                Button(onClick = { state.restore { } }, modifier = Modifier.testTag(Tags.RESTORE)) { Text("Restore") }
            }
        }
        if (item.creators.isNotEmpty()) {
            Section("Creators")
            item.creators.forEach { c ->
                Labelled(c.label, listOf(c.lastName, c.firstName).filter { it.isNotEmpty() }.joinToString(", "), tag = null)
            }
        }
        Section("Fields")
        item.fields.filter { it.name != "title" }.forEach { Labelled(it.label, it.value, Tags.field(it.name)) }
        if (item.tags.isNotEmpty()) {
            Section("Tags")
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                item.tags.forEach { AssistChip(onClick = {}, label = { Text(it.name) }) }
            }
        }
        if (state.attachments.isNotEmpty()) {
            Section("Attachments")
            state.attachments.forEach { attachment ->
                Card(
                    Modifier.fillMaxWidth().clickable { app.navigate(Screen.Annotate(attachment.detail.key)) }
                        .testTag(Tags.attachment(attachment.detail.key)),
                ) {
                    Column(Modifier.padding(12.dp)) {
                        Text(attachment.detail.title.ifEmpty { attachment.file?.filename ?: "Attachment" }, fontWeight = FontWeight.SemiBold)
                        Text(
                            listOfNotNull(
                                attachment.file?.let { fileStatusText(it.status) },
                                attachment.annotations.size.takeIf { it > 0 }?.let { "$it annotations" },
                            ).joinToString(" · "),
                            style = MaterialTheme.typography.bodySmall,
                            modifier = Modifier.testTag(Tags.attachmentFile(attachment.detail.key)),
                        )
                        attachment.annotations.take(3).forEach { a ->
                            Text("• ${a.annotationType} p. ${a.pageLabel ?: "?"}: ${a.comment ?: a.text ?: ""}", style = MaterialTheme.typography.bodySmall)
                        }
                    }
                }
            }
        }
        if (editable || state.notes.isNotEmpty()) {
            NotesSection(state, editable, onWrite = { noteDraft = it })
        }
        if (editable || state.memberships.isNotEmpty()) {
            CollectionsSection(state, editable, onPick = { picking = true })
        }
    }
    noteDraft?.let { draft -> NoteEditor(draft, onSave = { text -> state.saveNote(draft.key, text) { noteDraft = null } }, onCancel = { noteDraft = null }) }
    if (picking) CollectionPicker(state, onDone = { picking = false })
}

@Composable
private fun NotesSection(state: ItemDetailState, editable: Boolean, onWrite: (NoteDraft) -> Unit) {
    Section("Notes") {
        if (editable) TextButton(onClick = { onWrite(NoteDraft(null, "")) }, modifier = Modifier.testTag(Tags.NOTE_ADD)) { Text("Add note") }
    }
    state.notes.forEach { note ->
        Card(Modifier.fillMaxWidth().testTag(Tags.note(note.key))) {
            Column(Modifier.padding(start = 12.dp, end = 4.dp, top = 12.dp, bottom = 4.dp)) {
                Text(noteText(note.note ?: ""), modifier = Modifier.testTag(Tags.noteText(note.key)))
                if (editable) {
                    Row(Modifier.align(Alignment.End)) {
                        TextButton(onClick = { onWrite(NoteDraft(note.key, noteText(note.note ?: ""))) }, modifier = Modifier.testTag(Tags.noteEdit(note.key))) { Text("Edit") }
                        TextButton(onClick = { state.deleteNote(note.key) }, modifier = Modifier.testTag(Tags.noteDelete(note.key))) { Text("Move to trash") }
                    }
                }
            }
        }
    }
}

@Composable
private fun CollectionsSection(state: ItemDetailState, editable: Boolean, onPick: () -> Unit) {
    Section("Collections") {
        if (editable && state.collectionTree.isNotEmpty()) {
            TextButton(onClick = onPick, modifier = Modifier.testTag(Tags.COLLECTIONS_PICK)) { Text("Add to collection…") }
        }
    }
    if (state.memberships.isEmpty()) Text("In no collection", style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.outline)
    state.memberships.forEach { collection ->
        Row(Modifier.fillMaxWidth().testTag(Tags.membership(collection.name)), verticalAlignment = Alignment.CenterVertically) {
            Text(collection.name, Modifier.weight(1f))
            if (editable) {
                TextButton(onClick = { state.setInCollection(collection.key, false) }, modifier = Modifier.testTag(Tags.membershipRemove(collection.name))) { Text("Remove") }
            }
        }
    }
}

/** The collection tree with a tick for each collection the item is in; ticking adds it there, unticking takes it out. */
@Composable
private fun CollectionPicker(state: ItemDetailState, onDone: () -> Unit) {
    val member = state.item?.collections?.toSet() ?: emptySet()
    AlertDialog(
        onDismissRequest = onDone,
        title = { Text("Collections") },
        text = {
            Column(Modifier.verticalScroll(rememberScrollState())) {
                state.collectionTree.forEach { row ->
                    val checked = row.key in member
                    Row(
                        Modifier.fillMaxWidth().toggleable(checked, role = Role.Checkbox) { state.setInCollection(row.key, it) }
                            .padding(start = (row.depth.toInt() * 20).dp).testTag(Tags.collectionChoice(row.name)),
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        Checkbox(checked = checked, onCheckedChange = null)
                        Text(row.name, Modifier.padding(start = 8.dp))
                    }
                }
            }
        },
        confirmButton = { TextButton(onClick = onDone, modifier = Modifier.testTag(Tags.COLLECTIONS_DONE)) { Text("Done") } },
    )
}

/** Writes a note as plain text; the library stores it as note HTML, one paragraph per line. */
@Composable
private fun NoteEditor(draft: NoteDraft, onSave: (String) -> Unit, onCancel: () -> Unit) {
    var text by remember(draft) { mutableStateOf(draft.text) }
    AlertDialog(
        onDismissRequest = onCancel,
        title = { Text(if (draft.key == null) "New note" else "Edit note") },
        text = {
            OutlinedTextField(
                value = text,
                onValueChange = { text = it },
                minLines = 4,
                modifier = Modifier.fillMaxWidth().testTag(Tags.NOTE_TEXT),
            )
        },
        confirmButton = {
            TextButton(onClick = { onSave(text) }, enabled = text.isNotBlank(), modifier = Modifier.testTag(Tags.NOTE_SAVE)) { Text("Save") }
        },
        dismissButton = { TextButton(onClick = onCancel) { Text("Cancel") } },
    )
}

/** A section's heading under a divider, with what it offers (a button) at its end. */
@Composable
private fun Section(title: String, action: @Composable () -> Unit = {}) {
    Column {
        HorizontalDivider()
        Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
            Text(title, style = MaterialTheme.typography.titleSmall, color = MaterialTheme.colorScheme.primary, modifier = Modifier.weight(1f).padding(top = 8.dp))
            action()
        }
    }
}

@Composable
private fun Labelled(label: String, value: String, tag: String?) {
    Row(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}.then(if (tag != null) Modifier.testTag(tag) else Modifier)) {
        Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.outline, modifier = Modifier.width(130.dp))
        Text(value, style = MaterialTheme.typography.bodyMedium)
    }
}

/** The edit form: the type, every field of the type in order, creators and tags. Read-only libraries show the values only. */
@Composable
fun ItemEditScreen(app: AppState, state: ItemEditState) {
    LaunchedEffect(state) { state.load() }
    val form = state.form ?: return
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        if (form.editable) TypeMenu(state, form.itemTypeLabel) else Text(form.itemTypeLabel)
        state.error?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag(Tags.EDIT_ERROR)) }
        if (state.movedToExtra.isNotEmpty()) {
            Text(
                "Saving moves to Extra: " + state.movedToExtra.joinToString(", ") { "${it.label} (${it.value})" },
                style = MaterialTheme.typography.bodySmall,
                modifier = Modifier.testTag("edit.moved"),
            )
        }
        Text("Creators", style = MaterialTheme.typography.titleSmall, color = MaterialTheme.colorScheme.primary)
        state.creators.forEachIndexed { index, creator ->
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedTextField(creator.lastName, { creator.lastName = it }, label = { Text("Last name") }, singleLine = true, enabled = form.editable, modifier = Modifier.weight(1f))
                OutlinedTextField(creator.firstName, { creator.firstName = it }, label = { Text("First name") }, singleLine = true, enabled = form.editable, modifier = Modifier.weight(1f))
                if (form.editable) TextButton(onClick = { state.removeCreator(index) }) { Text("Remove") }
            }
        }
        if (form.editable) TextButton(onClick = { state.addCreator() }, modifier = Modifier.testTag(Tags.ADD_CREATOR)) { Text("Add creator") }
        Text("Fields", style = MaterialTheme.typography.titleSmall, color = MaterialTheme.colorScheme.primary)
        state.fields.forEach { draft ->
            OutlinedTextField(
                value = draft.value,
                onValueChange = { draft.value = it },
                label = { Text(draft.field.label) },
                singleLine = draft.field.kind != FieldKind.MULTI_LINE,
                enabled = form.editable,
                modifier = Modifier.fillMaxWidth().testTag(Tags.editField(draft.field.name)),
            )
        }
        OutlinedTextField(
            value = state.tags,
            onValueChange = { state.tags = it },
            label = { Text("Tags (comma-separated)") },
            enabled = form.editable,
            modifier = Modifier.fillMaxWidth().testTag(Tags.EDIT_TAGS),
        )
        if (form.editable) {
            Button(
                onClick = { state.save { saved -> if (state.key == null) { app.back(); app.navigate(Screen.Item(saved.key)) } else app.back() } },
                enabled = !state.saving,
                modifier = Modifier.fillMaxWidth().testTag(Tags.EDIT_SAVE),
            ) { Text("Save") }
        }
    }
}

@Composable
private fun TypeMenu(state: ItemEditState, label: String) {
    var open by remember { mutableStateOf(false) }
    OutlinedButton(onClick = { open = true }, modifier = Modifier.testTag("edit.type")) { Text("Type: $label") }
    DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
        state.types.forEach { t ->
            DropdownMenuItem(text = { Text(t.label) }, onClick = { open = false; state.changeType(t.name) }, modifier = Modifier.testTag("type:${t.name}"))
        }
    }
}
