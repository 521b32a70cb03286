"""Seeds a fresh server with a small library for the API fuzzer.

Usage: seed.py BASE_URL API_KEY USER_ID

Writes, through the API itself, items of several types (with creators,
tags, a date, a child note and an attachment with full text), nested
collections, a saved search, a setting, a deletion, and a group with an
item. The objects the document's examples name (keys ABCD2345 and
EFGH5678, the attachment, with a file) exist, so
the fuzzer reaches existing objects as well as missing ones. Prints
`{"userID": …, "groupID": …}`.
"""

import hashlib
import json
import sys
import urllib.parse
import urllib.request

EXAMPLE_KEY = "ABCD2345"


def main():
    base, key, user_id = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3])

    def send(method, url, data, headers):
        request = urllib.request.Request(url, data=data, method=method)
        for name, value in headers.items():
            request.add_header(name, value)
        with urllib.request.urlopen(request) as response:
            text = response.read().decode()
            return json.loads(text) if text.strip() else None

    def call(method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Zotero-API-Key": key, "Content-Type": "application/json", **(headers or {})}
        return send(method, base + path, data, all_headers)

    def attach_file(lib, item_key, content):
        """Uploads `content` as the attachment's file, as Zotero clients do."""
        form = {"Zotero-API-Key": key, "Content-Type": "application/x-www-form-urlencoded", "If-None-Match": "*"}
        fields = {"md5": hashlib.md5(content).hexdigest(), "filename": "kuhn.pdf",
                  "filesize": len(content), "mtime": 1700000000000}
        path = f"{base}{lib}/items/{item_key}/file"
        answer = send("POST", path, urllib.parse.urlencode(fields).encode(), form)
        if answer.get("exists"):
            return
        send("POST", answer["url"], content, {"Content-Type": "application/octet-stream"})
        send("POST", path, urllib.parse.urlencode({"upload": answer["uploadKey"]}).encode(), form)

    def write(lib, kind, objects):
        report = call("POST", f"{lib}/{kind}", objects)
        if report["failed"]:
            raise SystemExit(f"seeding {kind} failed: {report['failed']}")
        return report

    def seed_library(lib):
        write(lib, "collections", [
            {"key": EXAMPLE_KEY, "name": "Reading"},
            {"key": "CDEF3456", "name": "Thesis", "parentCollection": EXAMPLE_KEY},
        ])
        write(lib, "items", [
            {
                "key": EXAMPLE_KEY,
                "itemType": "book",
                "title": "The Structure of Scientific Revolutions",
                "creators": [{"creatorType": "author", "firstName": "Thomas", "lastName": "Kuhn"}],
                "date": "1962",
                "publisher": "University of Chicago Press",
                "tags": [{"tag": "philosophy"}, {"tag": "science", "type": 1}],
                "collections": [EXAMPLE_KEY],
            },
            {
                "key": "BCDE2345",
                "itemType": "journalArticle",
                "title": "On Computable Numbers",
                "creators": [{"creatorType": "author", "name": "Alan Turing"}],
                "date": "1936-11-12",
                "DOI": "10.1112/plms/s2-42.1.230",
                "url": "https://example.org/turing",
                "tags": [{"tag": "computing"}],
                "collections": ["CDEF3456"],
            },
            {"key": "DEFG4567", "itemType": "note", "parentItem": EXAMPLE_KEY, "note": "<p>Paradigms</p>"},
            {
                "key": "EFGH5678",
                "itemType": "attachment",
                "parentItem": EXAMPLE_KEY,
                "linkMode": "imported_file",
                "title": "Full text",
                "contentType": "application/pdf",
                "filename": "kuhn.pdf",
            },
            {"key": "FGHJ6789", "itemType": "book", "title": "Removed later"},
        ])
        attach_file(lib, "EFGH5678", f"%PDF-1.4 seeded for {lib}\n".encode())
        call("PUT", f"{lib}/items/EFGH5678/fulltext", {"content": "normal science", "indexedPages": 1, "totalPages": 1})
        write(lib, "searches", [{
            "key": EXAMPLE_KEY,
            "name": "Kuhn",
            "conditions": [{"condition": "creator", "operator": "contains", "value": "Kuhn"}],
        }])
        version = call("GET", f"{lib}/items/FGHJ6789")["version"]
        call("DELETE", f"{lib}/items/FGHJ6789", headers={"If-Unmodified-Since-Version": str(version)})
        call("POST", f"{lib}/settings", {"tagColors": {"value": [{"name": "science", "color": "#ff0000"}]}})

    seed_library(f"/users/{user_id}")
    group = call("POST", "/groups", {"name": "Fuzzing group", "description": "Seeded"})
    seed_library(f"/groups/{group['id']}")
    print(json.dumps({"userID": user_id, "groupID": group["id"]}))


if __name__ == "__main__":
    main()
