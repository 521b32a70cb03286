package org.shelfmark.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import org.shelfmark.app.state.SignInMethod
import org.shelfmark.app.state.SignInState
import org.shelfmark.syncProgressText

/** Sign-in: the server's address and an API key; the first sync's progress below. */
@Composable
fun SignInScreen(state: SignInState) {
    Box(Modifier.fillMaxSize().padding(24.dp), contentAlignment = Alignment.TopCenter) {
        Column(Modifier.widthIn(max = 480.dp).fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(16.dp)) {
            Text("Shelfmark", style = MaterialTheme.typography.displaySmall, color = MaterialTheme.colorScheme.primary)
            Text(
                "Sign in to your library server to sync your references to this device.",
                style = MaterialTheme.typography.bodyLarge,
            )
            OutlinedTextField(
                value = state.serverUrl,
                onValueChange = { state.serverUrl = it },
                label = { Text("Server address") },
                placeholder = { Text("https://sync.example.org") },
                singleLine = true,
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
                enabled = !state.busy,
                modifier = Modifier.fillMaxWidth().testTag(Tags.SIGN_IN_SERVER),
            )
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                FilterChip(
                    selected = state.method == SignInMethod.PASSWORD,
                    onClick = { state.method = SignInMethod.PASSWORD },
                    label = { Text("E-mail and password") },
                    modifier = Modifier.testTag(Tags.SIGN_IN_WITH_PASSWORD),
                )
                FilterChip(
                    selected = state.method == SignInMethod.API_KEY,
                    onClick = { state.method = SignInMethod.API_KEY },
                    label = { Text("API key") },
                    modifier = Modifier.testTag(Tags.SIGN_IN_WITH_KEY),
                )
            }
            if (state.method == SignInMethod.PASSWORD) {
                OutlinedTextField(
                    value = state.email,
                    onValueChange = { state.email = it },
                    label = { Text("E-mail address") },
                    singleLine = true,
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Email),
                    enabled = !state.busy,
                    modifier = Modifier.fillMaxWidth().testTag(Tags.SIGN_IN_EMAIL),
                )
                OutlinedTextField(
                    value = state.password,
                    onValueChange = { state.password = it },
                    label = { Text("Password") },
                    singleLine = true,
                    visualTransformation = PasswordVisualTransformation(),
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password),
                    enabled = !state.busy,
                    modifier = Modifier.fillMaxWidth().testTag(Tags.SIGN_IN_PASSWORD),
                )
            } else OutlinedTextField(
                value = state.apiKey,
                onValueChange = { state.apiKey = it },
                label = { Text("API key") },
                singleLine = true,
                visualTransformation = PasswordVisualTransformation(),
                enabled = !state.busy,
                modifier = Modifier.fillMaxWidth().testTag(Tags.SIGN_IN_KEY),
            )
            state.error?.let {
                Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag(Tags.SIGN_IN_ERROR))
            }
            Button(
                onClick = { state.signIn() },
                enabled = !state.busy,
                modifier = Modifier.fillMaxWidth().testTag(Tags.SIGN_IN_BUTTON),
            ) { Text(if (state.busy) "Signing in…" else "Sign in") }
            if (state.busy) {
                val event = state.progress
                Column(Modifier.testTag(Tags.SIGN_IN_PROGRESS), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    if (event != null && event.total > 0u) {
                        LinearProgressIndicator(
                            progress = { (event.done.toFloat() / event.total.toFloat()).coerceIn(0f, 1f) },
                            modifier = Modifier.fillMaxWidth(),
                        )
                    } else {
                        LinearProgressIndicator(Modifier.fillMaxWidth())
                    }
                    Text(event?.let { syncProgressText(it) } ?: "Connecting", style = MaterialTheme.typography.bodyMedium)
                }
            }
        }
    }
}
