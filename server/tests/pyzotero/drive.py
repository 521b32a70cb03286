"""Drives a Shelfmark server with pyzotero through its public methods.

Usage: drive.py <endpoint> <userID> <apiKey> <otherUserID> <otherKey>
Exits non-zero (with a traceback) on the first behaviour that differs from
what pyzotero expects of the Zotero Web API.
"""

import copy
import os
import sys
import tempfile

from pyzotero import zotero


def client(endpoint, user_id, key, kind="user"):
    zot = zotero.Zotero(user_id, kind, key)
    zot.endpoint = endpoint
    return zot


def main():
    endpoint, user_id, key, other_id, other_key = sys.argv[1:6]
    zot = client(endpoint, user_id, key)

    info = zot.key_info()
    assert info["userID"] == int(user_id), info
    assert info["access"]["user"]["write"] is True, info
    assert len(zot.item_fields()) > 100

    template = zot.item_template("book")
    template["title"] = "Pyzotero book"
    template["creators"][0].update(firstName="Ada", lastName="Lovelace")
    created = zot.create_items([template])
    assert set(created) == {"successful", "success", "unchanged", "failed"}, created
    book = created["success"]["0"]
    assert zot.num_items() == 1

    item = zot.item(book)
    assert item["meta"]["creatorSummary"] == "Lovelace", item
    item["data"]["title"] = "Changed"
    assert zot.update_item(item["data"]) is True
    assert zot.item(book)["data"]["title"] == "Changed"
    # Formatted references: pyzotero asks for them as Atom (format=atom).
    bib = zot.items(content="bib", style="apa")
    assert len(bib) == 1 and "csl-entry" in bib[0] and "Lovelace, A." in bib[0], bib
    citation = zot.items(content="citation", style="apa")
    assert len(citation) == 1 and "Lovelace" in citation[0], citation
    csl = zot.items(content="csljson")
    assert csl[0]["title"] == "Changed" and csl[0]["type"] == "book", csl
    data = zot.items(content="json")
    assert data[0]["key"] == book and data[0]["title"] == "Changed", data
    single = zot.item(book, content="bib", style="apa")
    assert "Lovelace, A." in single[0], single
    versions = zot.item_versions()
    assert list(versions) == [book], versions
    last = zot.last_modified_version()
    assert versions[book] == last

    collection = zot.create_collections([{"name": "Reading"}])["success"]["0"]
    assert [c["data"]["name"] for c in zot.collections()] == ["Reading"]
    assert zot.addto_collection(collection, zot.item(book)) is True
    assert [i["key"] for i in zot.collection_items(collection)] == [book]
    assert zot.add_tags(zot.item(book), "alpha", "beta") is True
    assert sorted(zot.tags()) == ["alpha", "beta"]

    # One template, copied: pyzotero's cached item_template() leaves its
    # itemType parameter on the client for the next request.
    article_template = zot.item_template("journalArticle")
    zot.url_params = None
    batch = []
    for i in range(120):
        article = copy.deepcopy(article_template)
        article["title"] = f"Article {i:03}"
        batch.append(article)
    for start in range(0, len(batch), 50):
        zot.create_items(batch[start:start + 50])
    everything = zot.everything(zot.top())
    assert len(everything) == 121, len(everything)
    assert len(zot.item_versions(since=last)) == 121

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "notes.txt")
    with open(path, "w") as f:
        f.write("hello file")
    result = zot.attachment_simple([path], book)
    assert len(result["success"]) == 1 and not result["failure"], result
    children = zot.children(book)
    attachment = [c for c in children if c["data"]["itemType"] == "attachment"][0]
    assert zot.file(attachment["key"]) == b"hello file"

    zot.saved_search("Articles", [{"condition": "title", "operator": "contains", "value": "Article"}])
    assert [s["data"]["name"] for s in zot.searches()] == ["Articles"]

    before_delete = zot.last_modified_version()
    assert zot.delete_item(zot.item(book)) is True
    deleted = zot.deleted(since=before_delete)
    assert sorted(deleted["items"]) == sorted([book, attachment["key"]]), deleted
    assert zot.delete_tags("alpha") is True

    # Groups: the other user's group, which this user has joined.
    other = client(endpoint, other_id, other_key)
    owned = other.groups()
    assert len(owned) == 1 and owned[0]["data"]["owner"] == int(other_id), owned
    joined = zot.groups()
    assert [g["id"] for g in joined] == [owned[0]["id"]], joined
    group_id = joined[0]["id"]
    group = client(endpoint, group_id, key, "group")
    shared = group.item_template("report")
    shared["title"] = "Shared report"
    group.create_items([shared])
    assert [i["data"]["title"] for i in group.items()] == ["Shared report"]
    print("pyzotero: all checks passed")


if __name__ == "__main__":
    main()
