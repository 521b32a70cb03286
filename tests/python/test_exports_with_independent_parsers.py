"""Our exports, read back by parsers we did not write."""

import bibtexparser
import rispy
from lxml import etree


def library_titles(shelf):
    items = shelf.json("list", "--limit", "1000")
    return {i["title"] for i in items if i.get("title")}


def test_ris_export_reads_in_rispy(populated):
    text = populated.run("export", "--format", "ris").stdout
    entries = rispy.loads(text)
    titles = library_titles(populated)
    assert len(entries) == len(populated.json("list", "--limit", "1000"))
    exported = {e.get("title") or e.get("primary_title") for e in entries}
    assert titles <= exported, titles - exported
    for entry in entries:
        assert entry["type_of_reference"], entry
    article = next(e for e in entries if (e.get("title") or e.get("primary_title")) == "A study of things")
    assert article["type_of_reference"] == "JOUR"
    assert "Smith, John A." in article["authors"]
    assert article["doi"] == "10.1000/things.2019.003"
    assert set(article["keywords"]) >= {"things", "study"}


def test_bibtex_export_reads_in_bibtexparser(populated):
    text = populated.run("export", "--format", "bibtex").stdout
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys)), "citation keys are unique"
    assert len(library.entries) == len(populated.json("list", "--limit", "1000"))
    titles = {e.fields_dict["title"].value.strip("{}") for e in library.entries if "title" in e.fields_dict}
    assert "A study of things" in titles
    article = next(e for e in library.entries if e.fields_dict.get("doi") and e.fields_dict["doi"].value == "10.1000/things.2019.003")
    assert article.entry_type == "article"
    assert "Smith" in article.fields_dict["author"].value


def test_biblatex_export_reads_in_bibtexparser(populated):
    text = populated.run("export", "--format", "biblatex").stdout
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    assert len(library.entries) == len(populated.json("list", "--limit", "1000"))


def test_endnote_xml_export_is_well_formed_with_one_record_per_item(populated):
    text = populated.run("export", "--format", "endnote-xml").stdout
    root = etree.fromstring(text.encode("utf-8"))
    records = root.findall("./records/record")
    assert len(records) == len(populated.json("list", "--limit", "1000"))
    for record in records:
        ref_type = record.find("ref-type")
        assert ref_type is not None and ref_type.get("name"), etree.tostring(record)


def test_accents_survive_bibtex(shelf):
    shelf.run("add", "book", "title=Über die Natur", "--author", "Müller, Jürgen", "date=1901")
    text = shelf.run("export", "--format", "bibtex").stdout
    entry = bibtexparser.parse_string(text).entries[0]
    author = entry.fields_dict["author"].value
    assert "Müller" in author or '{\\"u}' in author or '\\"u' in author, author
