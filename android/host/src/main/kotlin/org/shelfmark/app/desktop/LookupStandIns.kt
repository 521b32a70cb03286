package org.shelfmark.app.desktop

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import org.shelfmark.LookupService
import org.shelfmark.LookupServiceUrl
import org.shelfmark.LookupSettings
import java.net.InetSocketAddress
import java.net.URLDecoder
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.Executors

/**
 * The metadata services on loopback, answering as each documents its
 * answers: the DOI resolver's CSL-JSON by content negotiation (404 for a
 * DOI it does not know, as Crossref's and DataCite's APIs), Open Library's
 * books API keyed `ISBN:…`, an empty Google Books search, and arXiv asking
 * to wait ten minutes (429 with `Retry-After`). For the UI tests and the
 * screenshots; nothing leaves the machine.
 */
class LookupStandIns : AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    val baseUrl: String

    /** Paths asked for, in order. */
    val asked = CopyOnWriteArrayList<String>()

    init {
        server.executor = Executors.newFixedThreadPool(4)
        server.createContext("/") { exchange -> exchange.use { answer(it) } }
        server.start()
        baseUrl = "http://127.0.0.1:${server.address.port}"
    }

    /** Lookups sent here instead of to the public services. */
    val settings: LookupSettings
        get() = LookupSettings(
            contact = "tests@example.org",
            serviceUrls = listOf(
                LookupService.DOI_RESOLVER to "doi",
                LookupService.CROSSREF to "crossref",
                LookupService.DATA_CITE to "datacite",
                LookupService.OPEN_LIBRARY to "openlibrary",
                LookupService.GOOGLE_BOOKS to "googlebooks",
                LookupService.NCBI to "ncbi",
                LookupService.ARXIV to "arxiv",
            ).map { (service, path) -> LookupServiceUrl(service, "$baseUrl/$path") },
        )

    private fun answer(exchange: HttpExchange) {
        val path = URLDecoder.decode(exchange.requestURI.rawPath, Charsets.UTF_8)
        val query = exchange.requestURI.rawQuery.orEmpty().split('&').associate {
            val (name, value) = (it.split('=', limit = 2) + "").take(2)
            name to URLDecoder.decode(value, Charsets.UTF_8)
        }
        asked.add(path)
        when {
            path.startsWith("/doi/") -> {
                val csl = WORKS[path.removePrefix("/doi/").lowercase()]
                when {
                    "application/vnd.citationstyles.csl+json" !in exchange.requestHeaders.getFirst("Accept").orEmpty() -> reply(exchange, 406, "text/plain", "Not Acceptable")
                    csl != null -> reply(exchange, 200, "application/vnd.citationstyles.csl+json", csl)
                    else -> reply(exchange, 404, "text/html", "<html><body>DOI Not Found</body></html>")
                }
            }
            path.startsWith("/crossref/works/") -> reply(exchange, 404, "text/plain", "Resource not found.")
            path.startsWith("/datacite/dois/") -> reply(exchange, 404, "application/vnd.api+json", """{"errors":[{"status":"404","title":"The resource you are looking for doesn't exist."}]}""")
            path == "/openlibrary/api/books" -> {
                val found = query["bibkeys"].orEmpty().split(',').mapNotNull { key -> BOOKS[key.removePrefix("ISBN:")]?.let { "\"$key\": $it" } }
                reply(exchange, 200, "application/json", found.joinToString(", ", "{", "}"))
            }
            path == "/googlebooks/books/v1/volumes" -> reply(exchange, 200, "application/json", """{"kind": "books#volumes", "totalItems": 0}""")
            path.startsWith("/arxiv/") -> {
                exchange.responseHeaders.add("Retry-After", "600")
                reply(exchange, 429, "text/plain", "Rate exceeded.")
            }
            else -> reply(exchange, 404, "text/plain", "no such service path")
        }
    }

    private fun reply(exchange: HttpExchange, status: Int, type: String, body: String) {
        val bytes = body.toByteArray()
        exchange.responseHeaders.add("Content-Type", type)
        exchange.sendResponseHeaders(status, bytes.size.toLong())
        exchange.responseBody.use { it.write(bytes) }
    }

    override fun close() {
        server.stop(0)
        (server.executor as? java.util.concurrent.ExecutorService)?.shutdownNow()
    }

    companion object {
        /** A journal article the DOI resolver knows (its CSL-JSON, trimmed). */
        const val ARTICLE_DOI = "10.1038/nature12373"
        const val ARTICLE_TITLE = "Nanometre-scale thermometry in a living cell"

        /** A book Open Library knows. */
        const val BOOK_ISBN = "9780262033848"
        const val BOOK_TITLE = "Introduction to algorithms"

        private val WORKS = mapOf(
            ARTICLE_DOI to """
                {"type": "article-journal", "DOI": "10.1038/nature12373", "title": "$ARTICLE_TITLE",
                 "container-title": "Nature", "volume": "500", "issue": "7460", "page": "54-58",
                 "publisher": "Springer Science and Business Media LLC", "ISSN": ["0028-0836", "1476-4687"],
                 "author": [{"given": "G.", "family": "Kucsko"}, {"given": "P. C.", "family": "Maurer"}, {"given": "M. D.", "family": "Lukin"}],
                 "issued": {"date-parts": [[2013, 7, 31]]}, "URL": "https://doi.org/10.1038/nature12373"}
            """.trimIndent(),
        )

        private val BOOKS = mapOf(
            BOOK_ISBN to """
                {"url": "https://openlibrary.org/books/OL22569434M/Introduction_to_algorithms", "key": "/books/OL22569434M",
                 "title": "$BOOK_TITLE",
                 "authors": [{"url": "https://openlibrary.org/authors/OL2638122A", "name": "Thomas H. Cormen"}, {"url": "https://openlibrary.org/authors/OL2638123A", "name": "Charles E. Leiserson"}],
                 "number_of_pages": 1292, "identifiers": {"isbn_10": ["0262033844"], "isbn_13": ["9780262033848"]},
                 "publishers": [{"name": "MIT Press"}], "publish_places": [{"name": "Cambridge, Mass"}], "publish_date": "2009"}
            """.trimIndent(),
        )
    }
}
