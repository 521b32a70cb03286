"""The public API of ShelfmarkKit and the uses the iOS app makes of it, both
read with the tree-sitter Swift grammar (this machine has no Swift
compiler).

`kit_api()` lists what the package declares: types with their
initialisers, methods, properties and enum cases (with argument labels and
which parameters have defaults), and top-level functions. `check_uses()`
walks the app's sources, works out the ShelfmarkKit type of each receiver
it can (annotated properties and parameters, locals bound to ShelfmarkKit
calls, loop and closure variables over arrays of them, enum payloads) and
reports every use that does not exist with the labels used."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_swift
from tree_sitter import Language, Node, Parser

REPO = Path(__file__).resolve().parents[2]
KIT_SOURCES = REPO / "bindings" / "swift" / "Sources" / "ShelfmarkKit"
KIT_FILES = [
    KIT_SOURCES / "Generated" / "ShelfmarkKit.swift",
    KIT_SOURCES / "AsyncStreams.swift",
    KIT_SOURCES / "Errors.swift",
]
PARSER = Parser(Language(tree_sitter_swift.language()))

DIRECTIVE = re.compile(rb"^[ \t]*#(if|elseif|else|endif)\b.*$", re.MULTILINE)
UNIT_CLOSURE = re.compile(rb"\{ \(\) \}")


def parse(source: bytes):
    """A tree of `source`, with conditional-compilation lines blanked and
    `{ () }` read as `{ Void() }` (two gaps of the grammar; lines and
    columns stay where they were)."""
    source = DIRECTIVE.sub(lambda m: b" " * len(m.group(0)), source)
    source = UNIT_CLOSURE.sub(b"{ Void() }", source)
    return PARSER.parse(source), source


def text(node: Node | None, source: bytes) -> str:
    return "" if node is None else source[node.start_byte : node.end_byte].decode()


def unticked(name: str) -> str:
    return name[1:-1] if name.startswith("`") and name.endswith("`") else name


# ---------------------------------------------------------------- the API


@dataclass
class Param:
    label: str | None  # None: unlabelled (`_`)
    type: str
    has_default: bool


@dataclass
class Signature:
    params: list[Param]
    returns: str | None = None

    def labels(self) -> list[str | None]:
        return [p.label for p in self.params]

    def accepts(self, used: list[str | None], trailing_closures: int = 0) -> bool:
        """Whether a call with these argument labels (in order), plus
        `trailing_closures` closures after the parentheses, matches: every
        parameter without a default is given, in declaration order."""
        params = self.params
        if trailing_closures:
            if trailing_closures > len(params):
                return False
            params = params[: len(params) - trailing_closures]
        i = 0
        for label in used:
            while i < len(params) and params[i].label != label and params[i].has_default:
                i += 1
            if i == len(params) or params[i].label != label:
                return False
            i += 1
        return all(p.has_default for p in params[i:])

    def describe(self, name: str) -> str:
        return name + "(" + "".join(f"{p.label or '_'}:" for p in self.params) + ")"


@dataclass
class KitType:
    name: str
    kind: str  # struct, enum, class, protocol
    inits: list[Signature] = field(default_factory=list)
    methods: dict[str, list[Signature]] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    cases: dict[str, Signature] = field(default_factory=dict)
    conforms_to: list[str] = field(default_factory=list)


@dataclass
class KitApi:
    types: dict[str, KitType] = field(default_factory=dict)
    functions: dict[str, list[Signature]] = field(default_factory=dict)
    # Members added to standard types (e.g. `[ItemRow].applying(_:)`).
    array_methods: dict[str, dict[str, list[Signature]]] = field(default_factory=dict)


def is_public(node: Node, source: bytes) -> bool:
    for child in node.children:
        if child.type == "modifiers":
            return bool(re.search(r"\b(public|open)\b", text(child, source)))
    return False


def declared_name(node: Node, source: bytes) -> str | None:
    for child in node.children:
        if child.type in ("type_identifier", "simple_identifier"):
            return unticked(text(child, source))
        if child.type == "user_type":
            return text(child, source)
    return None


def signature_of(node: Node, source: bytes) -> Signature:
    """The parameters of a function, initialiser or protocol requirement."""
    params: list[Param] = []
    after_arrow = False
    returns = None
    for child in node.children:
        if child.type == "parameter":
            names = [c for c in child.children if c.type == "simple_identifier"]
            label = unticked(text(names[0], source))
            type_node = next(
                (c for c in child.children if c.is_named and c.type not in ("simple_identifier", *COMMENTS)), None
            )
            params.append(Param(None if label == "_" else label, type_text(type_node, source), False))
        elif child.type == "=" and params:
            params[-1].has_default = True
        elif child.type == "->":
            after_arrow = True
        elif after_arrow and child.is_named and child.type not in ("function_body", "type_constraints", *COMMENTS):
            returns = type_text(child, source)
            after_arrow = False
    return Signature(params, returns)


COMMENTS = ("comment", "multiline_comment")


def type_text(node: Node | None, source: bytes) -> str:
    return re.sub(r"\s+", "", text(node, source)) if node is not None else ""


def enum_case(entry: Node, source: bytes) -> list[tuple[str, Signature]]:
    cases = []
    name = None
    for child in entry.children:
        if child.type == "simple_identifier":
            if name is not None:
                cases.append((name, Signature([])))
            name = unticked(text(child, source))
        elif child.type == "enum_type_parameters" and name is not None:
            params = []
            pending_label = None
            for c in child.children:
                if c.type == "simple_identifier":
                    pending_label = unticked(text(c, source))
                elif c.is_named and c.type not in COMMENTS:
                    params.append(Param(pending_label, type_text(c, source), False))
                    pending_label = None
            cases.append((name, Signature(params)))
            name = None
    if name is not None:
        cases.append((name, Signature([])))
    return cases


def add_members(kit_type: KitType, body: Node, source: bytes, public_only: bool) -> None:
    for member in body.children:
        if member.type in ("function_declaration", "protocol_function_declaration"):
            if public_only and member.type == "function_declaration" and not is_public(member, source):
                continue
            name = declared_name(member, source)
            kit_type.methods.setdefault(name, []).append(signature_of(member, source))
        elif member.type == "init_declaration":
            if public_only and not is_public(member, source):
                continue
            kit_type.inits.append(signature_of(member, source))
        elif member.type in ("property_declaration", "protocol_property_declaration"):
            if public_only and member.type == "property_declaration" and not is_public(member, source):
                continue
            pattern = next((c for c in member.children if c.type == "pattern"), None)
            annotation = next((c for c in member.children if c.type == "type_annotation"), None)
            if pattern is None:
                continue
            name = text(pattern, source).split()[-1]
            kind = annotation.named_children[-1] if annotation is not None else None
            kit_type.properties[unticked(name)] = type_text(kind, source)
        elif member.type == "enum_entry":
            for name, sig in enum_case(member, source):
                kit_type.cases[name] = sig


def kit_api(files=KIT_FILES) -> KitApi:
    api = KitApi()
    extensions = []
    for path in files:
        tree, source = parse(Path(path).read_bytes() if isinstance(path, Path) else path)
        for node in tree.root_node.children:
            if node.type in ("class_declaration", "protocol_declaration"):
                keyword = node.children[0].type if node.children[0].type != "modifiers" else node.children[1].type
                body = next((c for c in node.children if c.type.endswith("_body")), None)
                if keyword == "extension":
                    extensions.append((node, body, source))
                    continue
                if not is_public(node, source):
                    continue
                name = declared_name(node, source)
                if name.startswith("FfiConverter"):
                    continue
                kit_type = api.types.setdefault(name, KitType(name, keyword))
                kit_type.conforms_to += [
                    type_text(c, source) for c in node.children if c.type == "inheritance_specifier"
                ]
                if body is not None:
                    add_members(kit_type, body, source, public_only=(keyword != "protocol"))
            elif node.type == "function_declaration" and is_public(node, source):
                if declared_name(node, source).startswith(("FfiConverter", "uniffi")):
                    continue
                api.functions.setdefault(declared_name(node, source), []).append(signature_of(node, source))
    for node, body, source in extensions:
        name = declared_name(node, source)
        constraint = next((c for c in node.children if c.type == "type_constraints"), None)
        if name == "Array" and constraint is not None:
            element = type_text(constraint.named_children[-1].named_children[-1].named_children[-1], source)
            holder = KitType("[" + element + "]", "extension")
            add_members(holder, body, source, public_only=True)
            for method, sigs in holder.methods.items():
                api.array_methods.setdefault(element, {}).setdefault(method, []).extend(sigs)
        elif name in api.types and body is not None:
            add_members(api.types[name], body, source, public_only=True)
    return api



# ---------------------------------------------------------------- the app's uses

OPAQUE = "<outside ShelfmarkKit>"
# Statements the grammar reads as calls when a closure follows them.
SWIFT_STATEMENTS = {"defer"}  # a value whose type is neither the kit's nor unknown

# Array members whose closure receives the element, and what they return
# ("E": the element, "[E]": an array of it, "E?": an optional element).
ARRAY_MEMBERS = {
    "first": "E?",
    "last": "E?",
    "filter": "[E]",
    "sorted": "[E]",
    "reversed": "[E]",
    "prefix": "[E]",
    "suffix": "[E]",
    "dropFirst": "[E]",
    "dropLast": "[E]",
    "randomElement": "E?",
}
CLOSURE_GETS_ELEMENT = {
    "map", "compactMap", "flatMap", "filter", "first", "last", "contains", "allSatisfy", "forEach",
    "firstIndex", "lastIndex", "sorted", "min", "max", "drop", "prefix",
}


def unwrap(t: str | None) -> str | None:
    while t and t.endswith(("?", "!")):
        t = t[:-1]
    if t and t.startswith("Optional<") and t.endswith(">"):
        t = t[len("Optional<") : -1]
    return t


def top_level_split(t: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in t:
        if ch in "[(<":
            depth += 1
        elif ch in "])>":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def element_of(t: str | None) -> str | None:
    t = unwrap(t)
    if t and t.startswith("[") and t.endswith("]") and len(top_level_split(t[1:-1], ":")) == 1:
        return t[1:-1]
    if t and re.match(r"^(AsyncStream|AsyncThrowingStream)<", t):
        return top_level_split(t[t.index("<") + 1 : -1], ",")[0]
    return None


def dictionary_value(t: str | None) -> str | None:
    t = unwrap(t)
    if t and t.startswith("[") and t.endswith("]"):
        parts = top_level_split(t[1:-1], ":")
        if len(parts) == 2:
            return parts[1] + "?"
    return None


@dataclass
class Use:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class SourceFile:
    path: str
    source: bytes
    tree: object


class UseChecker:
    """Checks every use of ShelfmarkKit in `files` ((display path, source
    bytes) pairs) against `api`. `sdk_types` are the names of the
    platform's types the sources may use; `sdk_functions` its free
    functions."""

    def __init__(self, api: KitApi, files, sdk_types: set[str], sdk_functions: set[str], sdk_members: set[str]):
        self.api = api
        self.sdk_types = sdk_types
        self.sdk_functions = sdk_functions
        self.sdk_members = sdk_members
        self.files = []
        for path, source in files:
            tree, cleaned = parse(source)
            self.files.append(SourceFile(path, cleaned, tree))
        self.problems: list[Use] = []
        self.checked: set[str] = set()
        self.unresolved: list[Use] = []
        self._memo: dict[tuple[str, int], str | None] = {}
        self._reported: set[tuple[str, int, str]] = set()
        self.app_types: dict[str, KitType] = {}
        self.app_extensions: dict[str, KitType] = {}
        self.app_functions: dict[str, list[Signature]] = {}
        self.kit_member_names: set[str] = set()
        for kit in api.types.values():
            self.kit_member_names |= set(kit.methods) | set(kit.properties)
        self.kit_member_names -= {"uniffiCloneHandle"}
        self._index()

    # ------------------------------------------------------------ indexing

    def _index(self) -> None:
        for f in self.files:
            for node in f.tree.root_node.children:
                if node.type in ("class_declaration", "protocol_declaration"):
                    self._index_type(node, f.source)
                elif node.type == "function_declaration":
                    self.app_functions.setdefault(declared_name(node, f.source), []).append(signature_of(node, f.source))

    def _index_type(self, node: Node, source: bytes) -> None:
        keyword = next(c.type for c in node.children if c.type != "modifiers" and not c.type == "attribute")
        name = declared_name(node, source)
        body = next((c for c in node.children if c.type.endswith("_body")), None)
        if keyword == "extension" and (name in self.api.types or name.startswith("Array")):
            holder = self.app_extensions.setdefault(name, KitType(name, "extension"))
        else:
            holder = self.app_types.setdefault(name, KitType(name, keyword))
            holder.conforms_to += [type_text(c, source) for c in node.children if c.type == "inheritance_specifier"]
        if body is None:
            return
        add_members(holder, body, source, public_only=False)
        for member in body.children:
            if member.type in ("class_declaration", "protocol_declaration"):
                self._index_type(member, source)

    # ------------------------------------------------------------ reporting

    def _problem(self, f: SourceFile, node: Node, message: str) -> None:
        key = (f.path, node.start_point[0] + 1, message)
        if key not in self._reported:
            self._reported.add(key)
            self.problems.append(Use(f.path, node.start_point[0] + 1, message))

    def _unresolved(self, f: SourceFile, node: Node, message: str) -> None:
        key = (f.path, node.start_point[0] + 1, message)
        if key not in self._reported:
            self._reported.add(key)
            self.unresolved.append(Use(f.path, node.start_point[0] + 1, message))

    # ------------------------------------------------------------ types

    def is_type_name(self, name: str) -> bool:
        return (
            name in self.api.types or name in self.app_types or name in self.sdk_types
            or name in ("Self", "async", "throws")
        )

    def kit_type(self, t: str | None) -> KitType | None:
        t = unwrap(t)
        return self.api.types.get(t) if t else None

    def enum_type(self, t: str | None) -> KitType | None:
        """The enum `t` names: ShelfmarkKit's, or the app's own (whose
        cases are checked the same way)."""
        kit = self.kit_type(t)
        if kit is not None:
            return kit if kit.kind == "enum" else None
        app = self.app_types.get(unwrap(t)) if t else None
        return app if app is not None and app.kind == "enum" else None

    def _origin(self, enum: KitType) -> str:
        return "ShelfmarkKit" if self.api.types.get(enum.name) is enum else "the app"

    def member(self, f: SourceFile, node: Node, t: str | None, name: str, labels=None, closures=0) -> str | None:
        """The type of member `name` of a value of type `t`; for a call,
        `labels` are the argument labels. Records a problem when `t` is a
        ShelfmarkKit type without that member."""
        if t is None:
            return None
        if t == OPAQUE:
            return OPAQUE
        if t.endswith("?") and name in ("map", "flatMap"):
            return OPAQUE  # Optional's own
        if name == "wrappedValue":
            return t  # a binding's value: bindings stand for their values here
        base = unwrap(t)
        element = element_of(base)
        if element is not None and base.startswith("["):
            kit_methods = self.api.array_methods.get(element, {})
            if name in kit_methods and labels is not None:
                return self._check_call(f, node, f"[{element}]", name, kit_methods[name], labels, closures)
            shape = ARRAY_MEMBERS.get(name)
            if shape is None:
                return OPAQUE
            return shape.replace("E", element)
        if element is not None:
            return OPAQUE
        if base.startswith("[") and dictionary_value(base):
            return OPAQUE
        kit = self.api.types.get(base)
        extension = self.app_extensions.get(base)
        if kit is not None:
            if labels is not None:
                sigs = kit.methods.get(name, []) + (extension.methods.get(name, []) if extension else [])
                if not sigs:
                    if name in kit.properties or (extension and name in extension.properties):
                        return OPAQUE  # a stored closure or a callable value
                    self._problem(f, node, f"{base} has no method {name}(…) in ShelfmarkKit")
                    return None
                return self._check_call(f, node, base, name, sigs, labels, closures)
            if name in kit.properties:
                self.checked.add(f"{base}.{name}")
                return kit.properties[name]
            if extension and name in extension.properties:
                return extension.properties[name]
            if name in kit.methods or (extension and name in extension.methods):
                return OPAQUE
            if name in ("self", "hashValue", "localizedDescription", "errorDescription"):
                return OPAQUE
            self._problem(f, node, f"{base} has no property {name} in ShelfmarkKit")
            return None
        app = self.app_types.get(base)
        if app is not None:
            own_class = app.kind == "class" and not any(
                parent.startswith(("NS", "UI")) for parent in app.conforms_to
            )
            if labels is not None and name in app.methods:
                sigs = app.methods[name]
                if own_class and not any(sig.accepts(labels, closures) for sig in sigs):
                    used = name + "(" + "".join(f"{label or '_'}:" for label in labels) + ")"
                    known = ", ".join(sig.describe(name) for sig in sigs)
                    self._problem(f, node, f"{base}.{used} does not match the app's {known}")
                if node.type == "call_expression":
                    _, expressions, _ = self._arguments(self._node_call_parts(node)[1], f.source)
                    self._check_app_arguments(f, node, app, sigs, labels, expressions)
                return sigs[0].returns or OPAQUE
            if name in app.properties:
                return app.properties[name] or OPAQUE
            if name in app.methods:
                return OPAQUE  # a method used as a closure
            if own_class and name not in ("id", "self"):
                # The app's own classes (the state holders) have no members
                # from elsewhere: a use of a missing one is a slip.
                kind = "method" if labels is not None else "property"
                self._problem(f, node, f"{base} has no {kind} {name} in the app")
                return None
            return OPAQUE
        return OPAQUE

    def _check_call(self, f, node, owner: str, name: str, sigs: list[Signature], labels, closures) -> str | None:
        if any(sig.accepts(labels, closures) for sig in sigs):
            self.checked.add(f"{owner}.{name}")
            sig = next(sig for sig in sigs if sig.accepts(labels, closures))
            self._check_implicit_arguments(f, node, sig, labels)
            return sig.returns or OPAQUE
        used = name + "(" + "".join(f"{label or '_'}:" for label in labels) + ")"
        known = ", ".join(sig.describe(name) for sig in sigs)
        self._problem(f, node, f"{owner}.{used} does not match ShelfmarkKit's {known}")
        return sigs[0].returns or OPAQUE

    # ------------------------------------------------------------ arguments

    def _arguments(self, suffix: Node | None, source: bytes):
        """(labels, argument expressions, trailing closures) of a call."""
        labels, expressions, closures = [], [], 0
        if suffix is None:
            return labels, expressions, closures
        for child in suffix.children:
            if child.type == "value_arguments":
                for argument in child.children:
                    if argument.type != "value_argument":
                        continue
                    label_node = next((c for c in argument.children if c.type == "value_argument_label"), None)
                    labels.append(unticked(text(label_node, source)) if label_node is not None else None)
                    named = [c for c in argument.children if c.is_named and c.type not in ("value_argument_label", *COMMENTS)]
                    expressions.append(named[-1] if named else None)
            elif child.type in ("lambda_literal", "annotated_lambda"):
                closures += 1
        return labels, expressions, closures

    def _node_call_parts(self, call: Node):
        suffix = next((c for c in call.children if c.type == "call_suffix"), None)
        return call.children[0], suffix

    def _is_subscript(self, suffix: Node | None) -> bool:
        if suffix is None:
            return False
        arguments = next((c for c in suffix.children if c.type == "value_arguments"), None)
        return arguments is not None and arguments.children and arguments.children[0].type == "["

    def _check_app_arguments(self, f, node, app: KitType, sigs: list[Signature], labels, expressions) -> None:
        """`.case` arguments of the app's own initialisers and methods, by
        the parameter (or, for a memberwise initialiser, the property)
        they go to."""
        sig = next((sig for sig in sigs if sig.accepts(labels)), None)
        if sig is not None:
            params = [p.type if p is not None else None for p in self._matched_params(sig, labels)]
        else:
            params = [app.properties.get(label) if label else None for label in labels]
        for expected, expression in zip(params, expressions):
            if expected and expression is not None:
                self.check_implicit_member(f, expression, expected)

    def _check_implicit_arguments(self, f, node, sig: Signature, labels) -> None:
        """Arguments written `.name` or `.name(…)` where the parameter is a
        ShelfmarkKit enum: the case must exist with those labels."""
        call = node if node.type == "call_expression" else None
        if call is None:
            return
        _, suffix = self._node_call_parts(call)
        used_labels, expressions, _ = self._arguments(suffix, f.source)
        params = self._matched_params(sig, used_labels)
        for param, expression in zip(params, expressions):
            if param is not None and expression is not None:
                self.check_implicit_member(f, expression, param.type)

    @staticmethod
    def _matched_params(sig: Signature, used: list[str | None]) -> list[Param | None]:
        matched, i = [], 0
        for label in used:
            while i < len(sig.params) and sig.params[i].label != label and sig.params[i].has_default:
                i += 1
            if i < len(sig.params):
                matched.append(sig.params[i])
                i += 1
            else:
                matched.append(None)
        return matched

    def check_implicit_member(self, f: SourceFile, expression: Node, expected: str | None) -> None:
        """`.case` or `.case(labels…)` used where a value of `expected` goes."""
        kit = self.enum_type(expected)
        if kit is None:
            return
        if expression.type == "ternary_expression":
            for branch in expression.named_children[1:]:
                self.check_implicit_member(f, branch, expected)
            return
        if expression.type == "nil_coalescing_expression":
            self.check_implicit_member(f, expression.named_children[-1], expected)
            return
        if expression.type == "prefix_expression" and expression.children[0].type == ".":
            name = unticked(text(expression.children[1], f.source))
            self._check_case(f, expression, kit, name, None)
        elif expression.type == "call_expression" and expression.children[0].type == "prefix_expression":
            prefix = expression.children[0]
            if prefix.children[0].type != ".":
                return
            name = unticked(text(prefix.children[1], f.source))
            labels, expressions, closures = self._arguments(self._node_call_parts(expression)[1], f.source)
            self._check_case(f, expression, kit, name, labels, expressions)

    def _check_case(self, f, node, kit: KitType, name: str, labels, expressions=None) -> None:
        case = kit.cases.get(name)
        if case is None:
            extension = self.app_extensions.get(kit.name)
            if (extension and (name in extension.properties or name in extension.methods)) or name in kit.methods \
                    or name in kit.properties:
                return
            self._problem(f, node, f"{kit.name} has no case {name} in {self._origin(kit)}")
            return
        self.checked.add(f"{kit.name}.{name}")
        if labels is None:
            return
        if not case.accepts(labels):
            used = name + "(" + "".join(f"{label or '_'}:" for label in labels) + ")"
            self._problem(f, node, f"{kit.name}.{used} does not match {self._origin(kit)}'s case {case.describe(name)}")
            return
        for param, expression in zip(self._matched_params(case, labels), expressions or []):
            if param is not None and expression is not None:
                self.check_implicit_member(f, expression, param.type)

    # ------------------------------------------------------------ expressions

    def type_of(self, f: SourceFile, node: Node | None) -> str | None:
        if node is None:
            return None
        key = (f.path, node.id)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # guards against cycles
        result = self._type_of(f, node)
        self._memo[key] = result
        return result

    def _type_of(self, f: SourceFile, node: Node) -> str | None:
        kind = node.type
        if kind in ("try_expression", "await_expression", "parenthesized_expression", "postfix_expression"):
            named = [c for c in node.named_children if c.type not in ("try_operator", "bang", *COMMENTS)]
            return unwrap(self.type_of(f, named[-1])) if named else None
        if kind == "simple_identifier":
            return self.resolve(f, node, unticked(text(node, f.source)))
        if kind == "self_expression":
            return self.enclosing_type(f, node)
        if kind == "tuple_expression":
            named = [c for c in node.named_children if c.type not in COMMENTS]
            return self.type_of(f, named[0]) if len(named) == 1 else OPAQUE
        if kind in ("line_string_literal", "multi_line_string_literal", "integer_literal", "real_literal",
                    "boolean_literal", "nil_literal", "key_path_expression", "lambda_literal", "array_literal",
                    "dictionary_literal"):
            return OPAQUE
        if kind == "as_expression":
            target = node.named_children[-1]
            return type_text(target, f.source)
        if kind == "nil_coalescing_expression":
            first = self.type_of(f, node.named_children[0])
            return unwrap(first) if first is not None else self.type_of(f, node.named_children[-1])
        if kind == "ternary_expression":
            return self.type_of(f, node.named_children[1])
        if kind == "navigation_expression":
            return self._navigation(f, node, None, 0)
        if kind == "call_expression":
            return self._call(f, node)
        if kind in ("infix_expression", "equality_expression", "comparison_expression", "conjunction_expression",
                    "disjunction_expression", "additive_expression", "multiplicative_expression", "range_expression",
                    "check_expression", "prefix_expression"):
            return OPAQUE if kind != "prefix_expression" else None
        return None

    def _suffix_name(self, f, navigation: Node) -> str | None:
        suffix = next((c for c in navigation.children if c.type == "navigation_suffix"), None)
        if suffix is None:
            return None
        named = [c for c in suffix.named_children if c.type not in COMMENTS]
        return unticked(text(named[-1], f.source)) if named else None

    def _static_target(self, f, target: Node) -> str | None:
        """The type named by `target` when it is a type (`SortField`, `Self`)."""
        if target.type == "simple_identifier":
            name = unticked(text(target, f.source))
            if name == "ShelfmarkKit":
                return "ShelfmarkKit"
            if self.is_type_name(name) and self.resolve(f, target, name, types=False) is None:
                return self.enclosing_type(f, target) if name == "Self" else name
        if target.type == "user_type":
            return type_text(target, f.source)
        return None

    def _navigation(self, f, node: Node, labels, closures) -> str | None:
        target = node.children[0]
        name = self._suffix_name(f, node)
        if name is None:
            return None
        static = self._static_target(f, target)
        if static == "ShelfmarkKit":
            sigs = self.api.functions.get(name)
            if sigs is None:
                if name in self.api.types:
                    return name
                self._problem(f, node, f"ShelfmarkKit has no {name}")
                return None
            if labels is not None:
                return self._check_call(f, node.parent, "ShelfmarkKit", name, sigs, labels, closures)
            return OPAQUE
        if static is not None:
            kit = self.api.types.get(static)
            if kit is not None:
                if name in kit.cases or kit.kind == "enum" and labels is None and name not in kit.methods:
                    call = node.parent if labels is not None else None
                    if call is not None:
                        arg_labels, expressions, _ = self._arguments(self._node_call_parts(call)[1], f.source)
                        self._check_case(f, node, kit, name, arg_labels, expressions)
                    else:
                        self._check_case(f, node, kit, name, None)
                    return static
                if name == "self":
                    return OPAQUE
                extension = self.app_extensions.get(static)
                if extension and (name in extension.methods or name in extension.properties):
                    if name in extension.methods:
                        return extension.methods[name][0].returns or OPAQUE
                    return extension.properties[name] or OPAQUE
                if labels is not None and name in kit.methods:
                    return self._check_call(f, node.parent, static, name, kit.methods[name], labels, closures)
                self._problem(f, node, f"{static} has no static member or case {name} in ShelfmarkKit")
                return None
            app = self.app_types.get(static)
            if app is not None:
                if name in app.methods:
                    return app.methods[name][0].returns or OPAQUE
                if name in app.properties:
                    return app.properties[name] or OPAQUE
                if name in app.cases:
                    return static
            return OPAQUE
        receiver = self.type_of(f, target)
        if receiver is None and target.type == "simple_identifier" and text(target, f.source)[:1].isupper():
            self._problem(f, target, f"type {text(target, f.source)} is neither ShelfmarkKit's, the app's nor a listed platform type")
            return None
        if receiver is None and name in self.kit_member_names and name not in self.sdk_members:
            shown = f"{text(target, f.source)}.{name}" + ("(…)" if labels is not None else "")
            self._unresolved(f, node, f"cannot tell the type of {shown}; ShelfmarkKit has a member {name}")
        call_node = node.parent if labels is not None else node
        return self.member(f, call_node, receiver, name, labels, closures)

    def _call(self, f, node: Node) -> str | None:
        callee, suffix = self._node_call_parts(node)
        if self._is_subscript(suffix):
            base = self.type_of(f, callee)
            if base is None or base == OPAQUE:
                return base
            element = element_of(base)
            if element is not None and unwrap(base).startswith("["):
                return element
            value = dictionary_value(base)
            return value if value is not None else OPAQUE
        labels, expressions, closures = self._arguments(suffix, f.source)
        if callee.type == "navigation_expression":
            return self._navigation(f, callee, labels, closures)
        if callee.type == "simple_identifier":
            name = unticked(text(callee, f.source))
            if name == "XCTUnwrap" and expressions and expressions[0] is not None:
                return unwrap(self.type_of(f, expressions[0])) or OPAQUE
            if name == "Binding" and labels == [None] and expressions[0] is not None:
                # `Binding($model.form)`: a binding stands for the value it binds.
                return unwrap(self._binding_value_type(f, expressions[0])) or OPAQUE
            local = self.resolve(f, callee, name, types=False)
            if local is not None:
                return OPAQUE
            if name in self.api.functions:
                return self._check_call(f, node, "ShelfmarkKit", name, self.api.functions[name], labels, closures)
            kit = self.api.types.get(name)
            if kit is not None:
                if not kit.inits:
                    self._problem(f, node, f"{name} has no public initialiser in ShelfmarkKit")
                    return name
                self._check_call(f, node, name, "init", kit.inits, labels, closures)
                return name
            method = self._enclosing_method(f, node, name)
            if method is not None:
                return method
            if name in self.app_types:
                self._check_app_arguments(f, node, self.app_types[name], self.app_types[name].inits, labels, expressions)
                return name
            if name in self.app_functions:
                return self.app_functions[name][0].returns or OPAQUE
            if name in self.sdk_types or name in self.sdk_functions or name in SWIFT_STATEMENTS:
                return OPAQUE
            self._problem(f, node, f"{name}(…) is neither ShelfmarkKit's, the app's nor a listed platform function")
            return None
        if callee.type == "prefix_expression":
            inner = self._operand_of_prefix(callee)
            if inner is None:
                return None  # an implicit member `.name(…)`: checked where its type is known
            # The grammar reads `!a.b(…)` as `(!a.b)(…)`: the call is `a.b(…)`.
            if inner.type == "navigation_expression":
                self._navigation(f, inner, labels, closures)
            return OPAQUE
        self.type_of(f, callee)
        return OPAQUE

    @staticmethod
    def _operand_of_prefix(prefix: Node) -> Node | None:
        if prefix.children and prefix.children[0].type == ".":
            return None
        named = [c for c in prefix.named_children if c.type not in ("bang", *COMMENTS)]
        return named[-1] if named else None

    def _enclosing_method(self, f, node: Node, name: str) -> str | None:
        """The return type of `name(…)` called on `self` implicitly."""
        current = node.parent
        while current is not None:
            if current.type in ("class_declaration", "protocol_declaration"):
                owner = declared_name(current, f.source)
                for holder in (self.app_types.get(owner), self.app_extensions.get(owner)):
                    if holder is not None and name in holder.methods:
                        return holder.methods[name][0].returns or OPAQUE
                    if holder is not None and name in holder.properties:
                        return OPAQUE  # a stored closure
            current = current.parent
        return None

    # ------------------------------------------------------------ names

    def enclosing_type(self, f, node: Node) -> str | None:
        current = node.parent
        while current is not None:
            if current.type in ("class_declaration", "protocol_declaration"):
                return declared_name(current, f.source)
            current = current.parent
        return None

    def resolve(self, f: SourceFile, node: Node, name: str, types: bool = True) -> str | None:
        """The type of the variable `name` seen from `node` (None: unknown).
        With `types`, a type's name stands for itself."""
        if name.startswith("$"):
            return OPAQUE
        child, current = node, node.parent
        while current is not None:
            found = self._declared_in(f, current, child, name)
            if found is not None:
                return found
            child, current = current, current.parent
        if types and (name in self.app_functions or self.is_type_name(name)):
            return OPAQUE
        return None

    def _declared_in(self, f, scope: Node, child: Node, name: str) -> str | None:
        kind = scope.type
        source = f.source
        if kind in ("statements", "source_file"):
            for sibling in scope.children:
                if sibling.id == child.id:
                    break
                found = self._declaration(f, sibling, name)
                if found is not None:
                    return found
            return None
        if kind in ("function_declaration", "init_declaration", "protocol_function_declaration"):
            for parameter in (c for c in scope.children if c.type == "parameter"):
                names = [c for c in parameter.children if c.type == "simple_identifier"]
                if names and unticked(text(names[-1], source)) == name:
                    type_node = next((c for c in parameter.children if c.is_named and c.type not in ("simple_identifier", *COMMENTS)), None)
                    return type_text(type_node, source) or OPAQUE
            return None
        if kind == "lambda_literal":
            return self._lambda_parameter(f, scope, name)
        if kind in ("if_statement", "guard_statement", "while_statement"):
            if kind == "guard_statement" and child.type != "statements":
                # A later condition of the guard sees the earlier bindings.
                return self._condition_binding(f, scope, name, before=child.start_byte)
            return self._condition_binding(f, scope, name)
        if kind == "for_statement":
            pattern = next((c for c in scope.children if c.type == "pattern"), None)
            if pattern is not None and name in [text(n, source) for n in self._pattern_names(pattern)]:
                after_in = False
                for c in scope.children:
                    if c.type == "in":
                        after_in = True
                    elif after_in and c.is_named and c.type not in COMMENTS:
                        return element_of(self.type_of(f, c)) or OPAQUE
            return None
        if kind == "switch_entry":
            subject = self._switch_subject(f, scope)
            for pattern in (c for c in scope.children if c.type == "switch_pattern"):
                found = self._case_binding(f, pattern.named_children[0] if pattern.named_children else pattern, subject, name)
                if found is not None:
                    return found
            return None
        if kind == "catch_block":
            return "Error" if name == "error" else None
        if kind in ("class_body", "enum_class_body", "protocol_body"):
            owner = scope.parent
            type_name = declared_name(owner, source)
            for holder in (self.app_types.get(type_name), self.app_extensions.get(type_name), self.api.types.get(type_name)):
                if holder is not None and name in holder.properties:
                    return holder.properties[name] or self._property_type(f, scope, name) or OPAQUE
            return None
        return None

    def _property_type(self, f, body: Node, name: str) -> str | None:
        for member in body.children:
            if member.type == "property_declaration":
                found = self._declaration(f, member, name)
                if found is not None:
                    return found
        return None

    def _pattern_names(self, pattern: Node) -> list[Node]:
        if pattern.type == "simple_identifier":
            return [pattern]
        names = []
        for c in pattern.children:
            if c.type == "simple_identifier":
                names.append(c)
            elif c.type == "pattern":
                names += self._pattern_names(c)
        return names

    def _declaration(self, f, node: Node, name: str) -> str | None:
        source = f.source
        if node.type == "property_declaration":
            pattern = next((c for c in node.children if c.type == "pattern"), None)
            if pattern is None:
                return None
            names = [unticked(text(n, source)) for n in self._pattern_names(pattern)]
            if name not in names:
                return None
            annotation = next((c for c in node.children if c.type == "type_annotation"), None)
            if annotation is not None:
                return type_text(annotation.named_children[-1], source)
            environment = self._environment_type(node, source)
            if environment is not None:
                return environment
            value = None
            seen_equals = False
            for c in node.children:
                if c.type == "=":
                    seen_equals = True
                elif seen_equals and c.is_named and c.type not in COMMENTS:
                    value = c
                    break
            if value is None:
                return OPAQUE
            value_type = self.type_of(f, value)
            if len(names) > 1:
                if value_type and value_type.startswith("(") and value_type.endswith(")"):
                    parts = top_level_split(value_type[1:-1], ",")
                    index = names.index(name)
                    return parts[index] if index < len(parts) else OPAQUE
                return None if value_type is None else OPAQUE
            return value_type
        if node.type == "guard_statement":
            return self._condition_binding(f, node, name)
        if node.type in ("function_declaration",) and declared_name(node, source) == name:
            return OPAQUE
        return None

    @staticmethod
    def _environment_type(node: Node, source: bytes) -> str | None:
        """`@Environment(AppModel.self) var app`: AppModel."""
        modifiers = next((c for c in node.children if c.type == "modifiers"), None)
        if modifiers is None:
            return None
        for attribute in (c for c in modifiers.children if c.type == "attribute"):
            raw = text(attribute, source)
            match = re.match(r"@Environment\((\w+)\.self\)", raw.replace(" ", ""))
            if match:
                return match.group(1)
        return None

    def _condition_binding(self, f, statement: Node, name: str, before: int | None = None) -> str | None:
        """`if let x = e`, `guard let x`, `if case let .c(x) = e`, in any
        mix of conditions (only the bindings that start before `before`,
        when given)."""
        children = statement.children
        if before is not None:
            children = [c for c in children if c.start_byte < before]
        source = f.source
        i = 0
        while i < len(children):
            c = children[i]
            if c.type == "case":
                j = i + 1
                while j < len(children) and children[j].type != "=":
                    j += 1
                value = next((x for x in children[j + 1 :] if x.is_named), None)
                subject = self.type_of(f, value) if value is not None else None
                found = self._case_binding_nodes(f, children[i + 1 : j], subject, name)
                if found is not None:
                    return found
                i = j + 1
                continue
            if (
                c.type == "simple_identifier"
                and i > 0
                and children[i - 1].type == "value_binding_pattern"
                and unticked(text(c, source)) == name
            ):
                if i + 1 < len(children) and children[i + 1].type == "=":
                    value = next((x for x in children[i + 2 :] if x.is_named), None)
                    value_type = self.type_of(f, value)
                    return unwrap(value_type) if value_type is not None else None
                return unwrap(self.resolve(f, statement, name)) or None
            i += 1
        return None

    def _switch_subject(self, f, entry: Node) -> str | None:
        switch = entry.parent
        subject = next((c for c in switch.children if c.is_named and c.type not in ("switch_entry", *COMMENTS)), None)
        return self.type_of(f, subject)

    def _case_binding(self, f, pattern: Node, subject: str | None, name: str) -> str | None:
        return self._case_binding_nodes(f, pattern.children, subject, name)

    def _case_binding_nodes(self, f, nodes, subject: str | None, name: str) -> str | None:
        kit = self.enum_type(subject)
        case_name, payload = None, []
        for i, c in enumerate(nodes):
            if c.type == "simple_identifier" and i > 0 and nodes[i - 1].type == "." and case_name is None:
                case_name = text(c, f.source)
            elif c.type == "pattern" and case_name is not None:
                payload.append(c)
        if case_name is None:
            return None
        for index, element in enumerate(payload):
            names = [text(n, f.source) for n in self._pattern_names(element)]
            if name in names:
                if kit is None or case_name not in kit.cases:
                    return None
                params = kit.cases[case_name].params
                return params[index].type if index < len(params) else None
        return None

    def _binding_value_type(self, f, expression: Node) -> str | None:
        """The type of `expression`, or for a binding `$a.b` that of `a.b`."""
        root = expression
        while root.type == "navigation_expression":
            root = root.children[0]
        if root.type != "simple_identifier" or not text(root, f.source).startswith("$"):
            return self.type_of(f, expression)
        current = self.resolve(f, root, text(root, f.source)[1:])
        node = root.parent
        while node is not None and node.id != expression.parent.id:
            current = self.member(f, node, current, self._suffix_name(f, node))
            node = node.parent
        return current

    def _lambda_parameter(self, f, lambda_node: Node, name: str) -> str | None:
        source = f.source
        parameters = []
        for c in lambda_node.children:
            if c.type == "lambda_function_type":
                for p in c.children:
                    if p.type == "lambda_function_type_parameters":
                        parameters = [x for x in p.children if x.type == "lambda_parameter"]
        for index, parameter in enumerate(parameters):
            names = [x for x in parameter.children if x.type == "simple_identifier"]
            if not names or unticked(text(names[-1], source)).lstrip("$") != name:
                continue
            type_node = next((x for x in parameter.children if x.is_named and x.type not in ("simple_identifier", *COMMENTS)), None)
            if type_node is not None:
                return type_text(type_node, source)
            return self._closure_argument_type(f, lambda_node, index)
        return None

    def _closure_argument_type(self, f, lambda_node: Node, index: int) -> str | None:
        """What a closure's parameter receives, from the call it is given to."""
        holder = lambda_node.parent
        if holder is not None and holder.type == "value_argument":
            holder = holder.parent.parent if holder.parent is not None else None
        if holder is None or holder.type != "call_suffix":
            return None
        call = holder.parent
        callee = call.children[0]
        if callee.type == "prefix_expression" and self._operand_of_prefix(callee) is not None:
            callee = self._operand_of_prefix(callee)
        labels, expressions, _ = self._arguments(holder, f.source)
        if callee.type == "navigation_expression":
            method = self._suffix_name(f, callee)
            receiver = self.type_of(f, callee.children[0])
            element = element_of(receiver)
            if element is not None and unwrap(receiver).startswith("["):
                if method == "reduce":
                    return element if index == 1 else None
                if method in CLOSURE_GETS_ELEMENT:
                    return element
                return None
            if method in ("sheet", "fullScreenCover") and "item" in labels:
                value = expressions[labels.index("item")]
                bound = text(value, f.source)
                if bound.startswith("$"):
                    return unwrap(self.resolve(f, value, bound[1:]))
            if "presenting" in labels:
                return unwrap(self.type_of(f, expressions[labels.index("presenting")]))
            if method == "onChange" and "of" in labels:
                return self.type_of(f, expressions[labels.index("of")])
            if method == "navigationDestination" and "for" in labels:
                target = text(expressions[labels.index("for")], f.source)
                return target[: -len(".self")] if target.endswith(".self") else None
            return None
        if callee.type == "simple_identifier" and text(callee, f.source) in ("ForEach", "List") and expressions:
            first = self._binding_value_type(f, expressions[0])
            element = element_of(first)
            if element is not None and unwrap(first).startswith("["):
                return element
        return None

    # ------------------------------------------------------------ the walk

    def run(self) -> "UseChecker":
        for f in self.files:
            self._walk(f, f.tree.root_node)
            self._check_conformances(f)
            self._check_type_names(f, f.tree.root_node)
        return self

    def _walk(self, f: SourceFile, node: Node) -> None:
        kind = node.type
        if kind in ("call_expression", "navigation_expression", "simple_identifier"):
            callee = kind == "navigation_expression" and node.parent.type == "call_expression" \
                and node.parent.children[0].id == node.id
            # A callee is evaluated with its call's arguments.
            if not callee and (kind != "simple_identifier" or node.parent.type in ("statements",)):
                self.type_of(f, node)
        elif kind == "switch_statement":
            self._check_switch(f, node)
        elif kind in ("if_statement", "guard_statement") and any(c.type == "case" for c in node.children):
            self._check_if_case(f, node)
        elif kind in ("infix_expression", "equality_expression"):
            self._check_comparison(f, node)
        elif kind == "assignment":
            target = node.children[0]
            value = node.named_children[-1]
            target_type = self.type_of(f, target.named_children[0] if target.named_children else target)
            self.check_implicit_member(f, value, target_type)
        elif kind == "statements" and node.parent is not None and node.parent.type in ("computed_property", "function_body"):
            # A body of one expression returns it.
            named = [c for c in node.named_children if c.type not in COMMENTS]
            if len(named) == 1 and named[0].type in ("prefix_expression", "call_expression", "ternary_expression"):
                self.check_implicit_member(f, named[0], self._declared_result(f, named[0]))
        elif kind == "control_transfer_statement" and node.children and node.children[0].type == "return":
            value = node.named_children[-1] if node.named_children else None
            if value is not None:
                self.check_implicit_member(f, value, self._declared_result(f, node))
        elif kind == "property_declaration":
            annotation = next((c for c in node.children if c.type == "type_annotation"), None)
            value = node.named_children[-1] if node.named_children else None
            if annotation is not None and value is not None and value.type in ("prefix_expression", "call_expression"):
                self.check_implicit_member(f, value, type_text(annotation.named_children[-1], f.source))
        for child in node.children:
            self._walk(f, child)

    def _declared_result(self, f, node: Node) -> str | None:
        """The declared type a `return` inside `node` gives back: the
        enclosing function's result or computed property's type."""
        current = node.parent
        while current is not None:
            if current.type == "lambda_literal":
                return None
            if current.type == "function_declaration":
                return signature_of(current, f.source).returns
            if current.type == "property_declaration":
                annotation = next((c for c in current.children if c.type == "type_annotation"), None)
                return type_text(annotation.named_children[-1], f.source) if annotation is not None else None
            current = current.parent
        return None

    def _check_switch(self, f, switch: Node) -> None:
        subject_node = next((c for c in switch.children if c.is_named and c.type not in ("switch_entry", *COMMENTS)), None)
        kit = self.enum_type(self.type_of(f, subject_node))
        if kit is None:
            return
        covered, exhaustive_without_cases = set(), False
        for entry in (c for c in switch.children if c.type == "switch_entry"):
            if any(c.type == "default_keyword" or text(c, f.source) == "default" for c in entry.children):
                exhaustive_without_cases = True
            for pattern in (c for c in entry.children if c.type == "switch_pattern"):
                inner = pattern.named_children[0] if pattern.named_children else None
                if inner is None:
                    continue
                case_name = self._check_pattern(f, inner.children, kit, inner)
                if case_name is not None:
                    covered.add(case_name)
                elif text(inner, f.source).strip() == "_":
                    exhaustive_without_cases = True
        missing = set(kit.cases) - covered
        if not exhaustive_without_cases and missing:
            # A case added to the enum must be handled (Swift refuses the switch).
            self._problem(f, switch, f"switch over {kit.name} misses its cases {', '.join(sorted(missing))}")

    def _check_if_case(self, f, statement: Node) -> None:
        children = statement.children
        for i, c in enumerate(children):
            if c.type == "=":
                subject = next((x for x in children[i + 1 :] if x.is_named), None)
                kit = self.enum_type(self.type_of(f, subject))
                if kit is not None:
                    self._check_pattern(f, children[: i], kit, statement)
                return

    def _check_pattern(self, f, nodes, kit: KitType, where: Node) -> None:
        case_name, payload = None, []
        for i, c in enumerate(nodes):
            if c.type == "simple_identifier" and i > 0 and nodes[i - 1].type == "." and case_name is None:
                case_name = unticked(text(c, f.source))
            elif c.type == "pattern" and case_name is not None:
                payload.append(c)
        if case_name is None:
            return None
        case = kit.cases.get(case_name)
        if case is None:
            self._problem(f, where, f"{kit.name} has no case {case_name} in {self._origin(kit)}")
            return None
        self.checked.add(f"{kit.name}.{case_name}")
        if payload and len(payload) != len(case.params):
            self._problem(
                f, where,
                f"{kit.name}.{case_name} binds {len(payload)} values; {self._origin(kit)}'s case "
                f"{case.describe(case_name)} has {len(case.params)}",
            )
        return case_name

    def _check_comparison(self, f, node: Node) -> None:
        operator = next((c for c in node.children if c.type in ("custom_operator", "==", "!=")), None)
        if operator is None or text(operator, f.source) not in ("==", "!="):
            return
        operands = [c for c in node.named_children if c.type not in ("custom_operator", *COMMENTS)]
        if len(operands) != 2:
            return
        for mine, other in ((operands[0], operands[1]), (operands[1], operands[0])):
            if mine.type in ("prefix_expression", "call_expression"):
                self.check_implicit_member(f, mine, self.type_of(f, other))

    def _check_conformances(self, f: SourceFile) -> None:
        for node in f.tree.root_node.children:
            if node.type != "class_declaration":
                continue
            name = declared_name(node, f.source)
            app = self.app_types.get(name)
            if app is None:
                continue
            for protocol in app.conforms_to:
                kit = self.api.types.get(protocol)
                if kit is None or kit.kind != "protocol":
                    continue
                for method, sigs in kit.methods.items():
                    required = sigs[0].labels()
                    if not any(sig.labels() == required for sig in app.methods.get(method, [])):
                        self._problem(f, node, f"{name} conforms to {protocol} but lacks {sigs[0].describe(method)}")
                    else:
                        self.checked.add(f"{protocol}.{method}")

    def _check_type_names(self, f: SourceFile, node: Node) -> None:
        if node.type == "attribute":
            return
        if node.type == "user_type":
            first = next((c for c in node.children if c.type == "type_identifier"), None)
            if first is not None:
                name = text(first, f.source)
                if name in self.api.types:
                    self.checked.add(f"type {name}")
                elif not self.is_type_name(name) and name not in self._generic_names(node, f.source):
                    self._problem(f, node, f"type {name} is neither ShelfmarkKit's, the app's nor a listed platform type")
        for child in node.children:
            self._check_type_names(f, child)

    @staticmethod
    def _generic_names(node: Node, source: bytes) -> set[str]:
        names = set()
        current = node.parent
        while current is not None:
            for c in current.children:
                if c.type == "type_parameters":
                    names |= {text(x, source) for x in c.named_children if x.type == "type_parameter" for x in [x.named_children[0]]}
            current = current.parent
        return names

if __name__ == "__main__":
    # Prints the ShelfmarkKit API as the check reads it.
    api = kit_api()
    for name, f in sorted(api.functions.items()):
        print("func", f[0].describe(name), "->", f[0].returns)
    for t in sorted(api.types.values(), key=lambda t: t.name):
        print(t.kind, t.name)
        for s in t.inits:
            print("   init", "(" + ", ".join(f"{p.label or '_'}: {p.type}{' = …' if p.has_default else ''}" for p in s.params) + ")")
        for m, sigs in sorted(t.methods.items()):
            for s in sigs:
                print("   ", s.describe(m), "->", s.returns)
        for c, s in t.cases.items():
            print("    case", s.describe(c) if s.params else c)
        if t.kind != "class":
            print("    props", ", ".join(f"{k}: {v}" for k, v in t.properties.items()))
    print(api.array_methods)
