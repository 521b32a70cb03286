"""Every Swift file of the ShelfmarkKit package and of the iOS app parses
(checked with the tree-sitter Swift grammar, since this machine has no
Swift compiler), and the generated bindings are among them."""

from pathlib import Path

import re

import pytest
import tree_sitter_swift
from tree_sitter import Language, Parser

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "bindings" / "swift"
APP = REPO / "ios"
SWIFT_FILES = sorted(PACKAGE.rglob("*.swift")) + sorted(APP.rglob("*.swift"))
PARSER = Parser(Language(tree_sitter_swift.language()))


DIRECTIVE = re.compile(rb"^[ \t]*#(if|elseif|else|endif)\b.*$", re.MULTILINE)


# A closure whose body is the empty tuple, `{ () }`, which UniFFI writes.
UNIT_CLOSURE = re.compile(rb"\{ \(\) \}")


def without_directives(source: bytes) -> bytes:
    """`source` adjusted around two gaps of the grammar, keeping every line
    where it was: conditional-compilation lines are blanked (the grammar
    cannot parse an `#if` between an attribute and its declaration, which
    UniFFI's output has; every branch is still parsed), and `{ () }` is read
    as the equivalent `{ Void() }` (the grammar has no empty-tuple
    expression)."""
    source = DIRECTIVE.sub(lambda m: b" " * len(m.group(0)), source)
    return UNIT_CLOSURE.sub(b"{ Void() }", source)


def problems(node, found):
    """Collects (line, column, kind) for syntax errors under `node`."""
    if node.type == "ERROR" or node.is_missing:
        kind = "missing " + node.type if node.is_missing else "unexpected text"
        found.append((node.start_point[0] + 1, node.start_point[1] + 1, kind))
        return found
    for child in node.children:
        if child.has_error:
            problems(child, found)
    return found


def test_the_package_and_the_app_have_their_sources():
    names = {p.relative_to(REPO).as_posix() for p in SWIFT_FILES}
    assert "bindings/swift/Package.swift" in names
    assert "bindings/swift/Sources/ShelfmarkKit/Generated/ShelfmarkKit.swift" in names
    assert "bindings/swift/Sources/ShelfmarkKit/AsyncStreams.swift" in names
    assert any(n.startswith("bindings/swift/Tests/ShelfmarkKitTests/") for n in names)
    assert "ios/Shelfmark/App/ShelfmarkApp.swift" in names
    assert any(n.startswith("ios/ShelfmarkTests/") for n in names)
    assert any(n.startswith("ios/ShelfmarkUITests/") for n in names)


@pytest.mark.parametrize("path", SWIFT_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_swift_file_parses(path: Path):
    tree = PARSER.parse(without_directives(path.read_bytes()))
    found = problems(tree.root_node, [])
    assert not found, f"{path.relative_to(REPO)}: syntax errors at " + ", ".join(
        f"{line}:{col} ({kind})" for line, col, kind in found[:10]
    )


def test_the_checker_sees_a_broken_file():
    tree = PARSER.parse(without_directives(b"#if os(iOS)\npublic func broken( -> Int {\n  return 1\n#endif\n"))
    assert problems(tree.root_node, [])
    fine = PARSER.parse(without_directives(b"#if swift(>=5.8)\n@_documentation(visibility: private)\n#endif\npublic func f() -> Int { 1 }\n"))
    assert not problems(fine.root_node, [])
