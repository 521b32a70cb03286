"""The generated Python bindings (the third language UniFFI generates from
the same library) open a library, import, list, search and report errors
with their category. `cargo xtask test` sets SHELFMARK_FFI_PYTHON to the
folder holding shelfmark_ffi.py and the library beside it."""

import asyncio
import importlib
import os
import sys

import pytest

RIS = """TY  - BOOK
AU  - Darwin, Charles
T1  - On the Origin of Species
PY  - 1859
ER  - 

TY  - JOUR
AU  - Lovelace, Ada
T1  - Sketch of the Analytical Engine
PY  - 1843
ER  - 
"""


@pytest.fixture(scope="module")
def ffi():
    folder = os.environ.get("SHELFMARK_FFI_PYTHON")
    if not folder:
        pytest.fail("SHELFMARK_FFI_PYTHON must name the generated Python bindings (cargo xtask test sets it)")
    sys.path.insert(0, folder)
    try:
        return importlib.import_module("shelfmark_ffi")
    finally:
        sys.path.remove(folder)


def test_python_bindings_work_end_to_end(ffi, tmp_path):
    async def scenario():
        library = await ffi.create_library(str(tmp_path / "papers.shelfmark"), ffi.LibraryOptions())
        report = await library.transfer().import_text(
            "snippet.ris", RIS, ffi.ImportOptions(format=None, collection=None, on_duplicate=ffi.OnDuplicate.SKIP)
        )
        assert report.format == ffi.Format.RIS
        assert len(report.created) == 2

        query = ffi.ItemListQuery(filter=ffi.ItemFilter(), sort=ffi.SortField.DATE, descending=False, limit=10, offset=0)
        page = await library.items().list(query)
        assert [row.year for row in page.rows] == [1843, 1859]
        assert page.rows[1].item_type_label == "Book"

        found = await library.items().search(
            ffi.ItemSearchQuery(text="darw", mode=ffi.SearchMode.QUICK, filter=ffi.ItemFilter(), limit=10, offset=0)
        )
        assert [row.title for row in found.rows] == ["On the Origin of Species"]

        with pytest.raises(ffi.ShelfmarkError.NotFound) as missing:
            await library.items().get("ZZZZZZZZ")
        assert "ZZZZZZZZ" in str(missing.value)

    asyncio.run(scenario())
