"""Add by identifier on the web pages, in Chromium with JavaScript off:
identifiers pasted into the library's box are looked up at stand-in
services on loopback (the DOI resolver's CSL-JSON, Open Library's books
API), the found ones are added and linked, the others say why, and the
same DOI again is the library's item rather than a second one.
"""

import json
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, Server, required_env

ARTICLE = {
    "type": "article-journal",
    "DOI": "10.1038/nature12373",
    "title": "Nanometre-scale thermometry in a living cell",
    "container-title": "Nature",
    "volume": "500",
    "page": "54-58",
    "author": [
        {"given": "G.", "family": "Kucsko"},
        {"given": "P. C.", "family": "Maurer"},
    ],
    "issued": {"date-parts": [[2013, 7, 31]]},
}
BOOK = {
    "title": "Introduction to algorithms",
    "authors": [{"name": "Thomas H. Cormen"}, {"name": "Charles E. Leiserson"}],
    "publishers": [{"name": "MIT Press"}],
    "publish_date": "2009",
    "identifiers": {"isbn_13": ["9780262033848"]},
}


class Services(BaseHTTPRequestHandler):
    """The metadata services as they answer: content negotiation at the DOI
    resolver, 404 from Crossref and DataCite for DOIs they do not know, Open
    Library keyed `ISBN:…`, an empty Google Books search."""

    def do_GET(self):
        url = urlparse(self.path)
        path = unquote(url.path)
        query = parse_qs(url.query)
        if path.startswith("/doi/"):
            if "application/vnd.citationstyles.csl+json" not in self.headers.get("Accept", ""):
                return self.reply(406, "text/plain", "Not Acceptable")
            if path[len("/doi/"):].lower() == ARTICLE["DOI"]:
                return self.reply(200, "application/vnd.citationstyles.csl+json", json.dumps(ARTICLE))
            return self.reply(404, "text/html", "<html><body>DOI Not Found</body></html>")
        if path == "/openlibrary/api/books":
            keys = query.get("bibkeys", [""])[0].split(",")
            found = {k: BOOK for k in keys if k == "ISBN:9780262033848"}
            return self.reply(200, "application/json", json.dumps(found))
        if path == "/googlebooks/books/v1/volumes":
            return self.reply(200, "application/json", json.dumps({"kind": "books#volumes", "totalItems": 0}))
        self.reply(404, "text/plain", "Resource not found.")

    def reply(self, status, content_type, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def lookup_server():
    """A server whose `[lookup]` configuration names the stand-in services."""
    services = ThreadingHTTPServer(("127.0.0.1", 0), Services)
    threading.Thread(target=services.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{services.server_address[1]}"
    with tempfile.TemporaryDirectory() as data:
        config = Path(data) / "server.toml"
        urls = "".join(
            f'{name}_url = "{base}/{path}"\n'
            for name, path in [
                ("doi", "doi"), ("crossref", "crossref"), ("datacite", "datacite"),
                ("openlibrary", "openlibrary"), ("googlebooks", "googlebooks"),
                ("ncbi", "ncbi"), ("arxiv", "arxiv"),
            ]
        )
        config.write_text(f'[lookup]\ncontact = "admin@example.org"\n{urls}')
        server = Server(required_env("SHELFMARK_SERVER_BIN"), Path(data) / "data", ["--config", str(config)])
        try:
            yield server
        finally:
            server.stop()
            services.shutdown()


def test_pasted_identifiers_are_added_and_listed_without_javascript(lookup_server, browser, screenshots):
    lookup_server.add_user("ada@example.org")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(lookup_server.base + "/")
    page.fill("#email", "ada@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("My Library")

    page.fill("#identifiers", "doi:10.1038/nature12373\nISBN 978-0-262-03384-8\n978-0-262-03384-9\n10.5555/nobody-knows")
    page.click("#add-by-identifier button")
    expect(page.locator("h1")).to_have_text("Add by identifier")
    expect(page.locator("#add-summary")).to_have_text("Added 2 references, 2 not added")
    rows = page.locator("#add-results li")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Nanometre-scale thermometry in a living cell")
    expect(rows.nth(0)).to_contain_text("Added")
    expect(rows.nth(1)).to_contain_text("Introduction to algorithms")
    expect(rows.nth(2)).to_contain_text("check digit")
    expect(rows.nth(3)).to_contain_text("Not found at DOI.org, Crossref, DataCite")
    page.screenshot(path=str(screenshots / "add-by-identifier.png"), full_page=True)

    # The added article opens from its row, with what the resolver said.
    rows.nth(0).locator("a").click()
    expect(page.locator("#item-title")).to_have_text("Nanometre-scale thermometry in a living cell")
    expect(page.locator("main")).to_contain_text("Kucsko")

    # Back in the library, both are listed; the same DOI again adds nothing.
    page.click(".crumbs a")
    expect(page.locator("main")).to_contain_text("Introduction to algorithms")
    page.fill("#identifiers", "https://doi.org/10.1038/nature12373")
    page.click("#add-by-identifier button")
    expect(page.locator("#add-summary")).to_have_text("Added 0 references, 1 already in the library")
    expect(page.locator("#add-results li")).to_contain_text("Already in the library (same DOI 10.1038/nature12373)")
    page.click(".crumbs a")
    expect(page.locator("main")).to_contain_text("1–2 of 2")
    context.close()
