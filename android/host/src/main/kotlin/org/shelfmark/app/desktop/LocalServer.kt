package org.shelfmark.app.desktop

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A real `shelfmark-server` process on loopback with its own data folder,
 * for the UI tests and the screenshots (the binary comes from the
 * `shelfmark.server.bin` property).
 */
class LocalServer(private val data: Path) : AutoCloseable {
    private val binary = requireNotNull(System.getProperty("shelfmark.server.bin")) {
        "set -Dshelfmark.server.bin to the shelfmark-server binary"
    }
    private val process: Process = ProcessBuilder(binary, "--data-dir", data.also { Files.createDirectories(it) }.toString(), "--listen", "127.0.0.1:0")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .also { it.environment()["SHELFMARK_LOG"] = "warn" }
        .start()
    val baseUrl: String

    init {
        val reader = process.inputStream.bufferedReader()
        var url: String? = null
        while (url == null) {
            val line = reader.readLine() ?: error("the server stopped before listening")
            url = line.trim().removePrefix("shelfmark-server listening on ").takeIf { it != line.trim() }
        }
        baseUrl = url
        Thread { reader.useLines { lines -> lines.forEach { } } }.apply { isDaemon = true }.start()
    }

    private fun admin(vararg args: String): String {
        val admin = ProcessBuilder(listOf(binary, "--data-dir", data.toString()) + args).start()
        val out = admin.inputStream.bufferedReader().readText()
        val err = admin.errorStream.bufferedReader().readText()
        check(admin.waitFor(60, TimeUnit.SECONDS) && admin.exitValue() == 0) { "admin ${args.toList()} failed: $err" }
        return out
    }

    /** A new user and a full-access API key: (user id, key). */
    fun user(email: String): Pair<ULong, String> {
        val id = admin("user", "add", "--email", email, "--password", PASSWORD).split(Regex("\\s+"))[1]
        val key = admin("key", "create", "--user", id).trim()
        return id.toULong() to key
    }

    /** Another API key of user `id`, with `groups` (`none`, `read` or `write`) access to the user's groups. */
    fun key(id: ULong, groups: String): String = admin("key", "create", "--user", id.toString(), "--groups", groups).trim()

    /** A group owned by the user of `ownerKey`, with user `memberId` as a member who may write; the group's id. */
    fun group(ownerKey: String, name: String, memberId: ULong): Long {
        val created = call(ownerKey, "POST", "/groups", """{"name": ${'"'}$name${'"'}}""", expect = 201)
        val id = requireNotNull(Regex("\"id\"\\s*:\\s*(\\d+)").find(created)) { "no group id in $created" }.groupValues[1].toLong()
        call(ownerKey, "PUT", "/groups/$id/members/$memberId", """{"role": "member", "write": true}""", expect = 204)
        return id
    }

    /** Sets user `id`'s online storage quota to `megabytes`, as an administrator would. */
    fun quota(id: ULong, megabytes: Int) {
        admin("quota", "set", "--user", id.toString(), megabytes.toString())
    }

    /** Revokes API key `key`, as its owner would from the server's settings page. */
    fun revoke(key: String) {
        call(key, "DELETE", "/keys/current", "", expect = 204)
    }

    private fun call(key: String, method: String, path: String, body: String, expect: Int): String {
        val request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl + path))
            .header("Zotero-API-Key", key)
            .header("Zotero-API-Version", "3")
            .header("Content-Type", "application/json")
            .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .build()
        val response = java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() == expect) { "$method $path: ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    override fun close() {
        process.destroy()
        process.waitFor(10, TimeUnit.SECONDS)
    }

    companion object {
        const val PASSWORD = "secret pass"
    }
}
