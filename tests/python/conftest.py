"""Shared fixtures: the built `shelfmark` binary and a fresh library."""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "core" / "tests" / "fixtures" / "formats"


class Shelf:
    """Runs the real `shelfmark` binary against one library file."""

    def __init__(self, binary: str, library: Path):
        self.binary = binary
        self.library = library

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [self.binary, "--library", str(self.library), *args],
            capture_output=True,
            text=True,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"shelfmark {args} failed: {done.stderr}")
        return done

    def json(self, *args: str):
        return json.loads(self.run(*args, "--json").stdout)


@pytest.fixture
def shelf(tmp_path: Path) -> Shelf:
    binary = os.environ.get("SHELFMARK_BIN")
    if not binary:
        pytest.fail("SHELFMARK_BIN must point at the built shelfmark binary (cargo xtask test sets it)")
    s = Shelf(binary, tmp_path / "lib.shelfmark")
    s.run("init")
    return s


@pytest.fixture
def populated(shelf: Shelf) -> Shelf:
    """A library holding every fixture file's references."""
    for name in ["endnote.ris", "pubmed.ris", "scopus.bib", "jabref.bib", "endnote.xml", "zotero_csl.json"]:
        shelf.run("import", str(FIXTURES / name), "--on-duplicate", "keep")
    return shelf
