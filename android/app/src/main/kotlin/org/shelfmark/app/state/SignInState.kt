package org.shelfmark.app.state

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.launch
import org.shelfmark.ShelfmarkException
import org.shelfmark.SyncListener
import org.shelfmark.SyncProgressEvent
import org.shelfmark.SyncRequest
import org.shelfmark.SyncStage
import org.shelfmark.signIn
import java.net.URI

/** How the user signs in: with the account's e-mail and password (the server makes a key for this device), or with an API key. */
enum class SignInMethod { PASSWORD, API_KEY }

/**
 * The sign-in screen: a server address with an e-mail address and
 * password or an API key, then the first sync with its progress.
 */
class SignInState(private val app: AppState) {
    var method by mutableStateOf(SignInMethod.PASSWORD)
    var serverUrl by mutableStateOf("")
    var email by mutableStateOf("")
    var password by mutableStateOf("")
    var apiKey by mutableStateOf("")
    var error: String? by mutableStateOf(null)
        private set
    var busy by mutableStateOf(false)
        private set

    /** The stage of the first sync being shown, with its counts. */
    var progress: SyncProgressEvent? by mutableStateOf(null)
        private set

    /**
     * The stage the first sync was at when the library was shown: Indexing
     * when a large download's full text is indexed after its items are in,
     * null when it was shown at the end.
     */
    var shownAt: SyncStage? by mutableStateOf(null)
        private set

    /** Every stage the first sync went through, in order. */
    val stagesSeen = mutableListOf<SyncStage>()

    /**
     * Signs in (with the password, the server makes this device a key),
     * then runs the first sync with the key, which binds the library file to
     * the account and keeps the key. As soon as the items are in (the
     * `Indexing` stage), the library is shown; the sync finishes in the
     * background.
     */
    fun signIn() {
        val address = serverUrl.trim()
        val addressProblem = addressProblem(address)
        if (addressProblem != null) {
            error = addressProblem
            return
        }
        if (method == SignInMethod.API_KEY && apiKey.isBlank()) {
            error = "Enter the API key from the server's settings page."
            return
        }
        val library = app.library ?: return
        error = null
        busy = true
        stagesSeen.clear()
        shownAt = null
        app.scope.launch {
            val request = try {
                if (method == SignInMethod.PASSWORD) {
                    val account = signIn(address, email.trim(), password, app.platform.deviceName)
                    SyncRequest(account.serverUrl, account.userId, account.apiKey, app.keyStorage, false)
                } else {
                    SyncRequest(address.trimEnd('/'), null, apiKey.trim(), app.keyStorage, false)
                }
            } catch (e: ShelfmarkException) {
                error = signInMessage(e, address, method)
                busy = false
                return@launch
            }
            var shown = false
            val listener = object : SyncListener {
                override fun onProgress(event: SyncProgressEvent) {
                    app.scope.launch {
                        stagesSeen.add(event.stage)
                        progress = event
                        if (!shown && event.stage == SyncStage.INDEXING) {
                            shown = true
                            shownAt = event.stage
                            app.signedIn()
                        }
                    }
                }

                override fun onConflicts(count: ULong) {}
            }
            try {
                val summary = library.sync().syncNow(request, listener)
                app.sync.heard(summary)
                if (!shown) {
                    shown = true
                    app.signedIn()
                }
                app.startBackgroundWork()
            } catch (e: ShelfmarkException) {
                error = signInMessage(e, address, method)
            } finally {
                busy = false
            }
        }
    }

    companion object {
        /** Why `address` cannot be a server address, or null when it can. */
        fun addressProblem(address: String): String? {
            val example = "Enter the server address, like https://sync.example.org"
            if (address.isEmpty()) return example
            val uri = try {
                URI(address)
            } catch (_: Exception) {
                return "“$address” is not a web address. $example"
            }
            if (uri.scheme !in setOf("http", "https") || uri.host.isNullOrEmpty()) {
                return "“$address” is not a web address. $example"
            }
            return null
        }

        fun signInMessage(e: ShelfmarkException, address: String, method: SignInMethod): String = when (e) {
            is ShelfmarkException.Auth ->
                if (method == SignInMethod.PASSWORD) "Wrong e-mail address or password." else "The server did not accept this key. Check it and try again."
            is ShelfmarkException.Network -> "Cannot reach $address. Check the address and your connection."
            else -> e.message ?: "Signing in failed."
        }
    }
}
