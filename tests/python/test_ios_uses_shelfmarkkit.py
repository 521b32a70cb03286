"""Every ShelfmarkKit type, function, method, property and enum case that
the iOS app (ios/) uses exists in the package (the generated
ShelfmarkKit.swift with AsyncStreams.swift and Errors.swift) with the
argument labels used: a renamed or removed FFI call fails here, on a
machine without a Swift compiler, not only on the macOS runner.

Both sides are read with the tree-sitter Swift grammar (swift_api.py).
The check works out the ShelfmarkKit type of receivers from annotations,
ShelfmarkKit return types, loops, closures over arrays and enum payloads;
a use of a ShelfmarkKit member name on a value whose type it cannot tell
fails too (annotate the value), so nothing is skipped silently."""

from pathlib import Path

import pytest

import swift_api
from platform_names import SDK_FUNCTIONS, SDK_MEMBERS, SDK_TYPES

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "ios"
KIT = swift_api.KIT_SOURCES / "Generated" / "ShelfmarkKit.swift"


def app_sources() -> list[tuple[str, bytes]]:
    return [(p.relative_to(REPO).as_posix(), p.read_bytes()) for p in sorted(APP.rglob("*.swift"))]


def check(files, api=None) -> swift_api.UseChecker:
    return swift_api.UseChecker(api or swift_api.kit_api(), files, SDK_TYPES, SDK_FUNCTIONS, SDK_MEMBERS).run()


@pytest.fixture(scope="module")
def api() -> swift_api.KitApi:
    return swift_api.kit_api()


@pytest.fixture(scope="module")
def app_check(api) -> swift_api.UseChecker:
    return check(app_sources(), api)


def test_the_api_reader_sees_the_package(api):
    assert {"LibraryHandle", "Items", "SyncManager", "Files", "ItemRow", "SortField", "ShelfmarkError"} <= set(api.types)
    assert [s.labels() for s in api.functions["openLibrary"]] == [["path", "options"]]
    assert [s.describe("watchList") for s in api.types["Items"].methods["watchList"]] == ["watchList(query:)"]
    assert api.types["Items"].methods["watchList"][0].returns == "AsyncStream<ItemListUpdate>"
    assert api.types["SyncManager"].methods["syncEvents"][0].returns == "AsyncThrowingStream<SyncEvent,Error>"
    assert set(api.types["ShelfmarkError"].properties) >= {"category", "message"}
    assert api.types["FileStatusKind"].cases["downloading"].labels() == ["done", "total"]
    query = api.types["ItemListQuery"].inits[0]
    assert [(p.label, p.has_default) for p in query.params] == [
        ("filter", True), ("sort", False), ("descending", True), ("limit", True), ("offset", True),
    ]
    assert "applying" in api.array_methods["ItemRow"]


def test_every_shelfmarkkit_use_in_the_app_exists(app_check):
    assert not app_check.problems, "uses that ShelfmarkKit does not have:\n" + "\n".join(map(str, app_check.problems))


def test_every_shelfmarkkit_member_use_has_a_known_receiver(app_check):
    assert not app_check.unresolved, "annotate these values:\n" + "\n".join(map(str, app_check.unresolved))


def test_the_check_reaches_the_apps_main_calls(app_check):
    expected = {
        "ShelfmarkKit.openLibrary", "ShelfmarkKit.createLibrary", "ShelfmarkKit.itemTypes",
        "ShelfmarkKit.signIn", "ShelfmarkKit.fileStatusText", "ShelfmarkKit.timeAgoText", "ShelfmarkKit.syncResetChoices",
        "Items.watchList", "Items.search", "Items.create", "Items.trash", "Items.restore", "Items.addNote",
        "[ItemRow].applying", "LibraryHandle.changes", "LibraryHandle.sidebar", "LibraryHandle.forLibrary",
        "LibraryHandle.libraryId", "LibraryHandle.syncStatusText", "LibraryHandle.deletionConfirmation",
        "ItemForms.forItem", "ItemForms.forNewItem", "ItemForms.changeType", "ItemForms.validate", "ItemForms.save",
        "Sharing.payload", "ShareFormat.bibliography", "ShareFormat.file", "SidebarRowKind.collection",
        "SyncManager.syncEvents", "SyncManager.startAutoSync", "AutoSync.appClosing", "SyncManager.cancel",
        "SyncManager.status", "SyncManager.log", "SyncManager.conflicts", "SyncManager.resolve",
        "SyncManager.conflictHistory", "SyncManager.restoreFromHistory", "SyncManager.confirmDeletions", "SyncManager.resetSync", "SyncManager.signOut",
        "Files.setNetwork", "Files.downloadEvents", "Files.open", "Files.states", "Files.setDownloadPolicy",
        "Files.setCacheBudget", "Files.evict", "Annotations.add", "Annotations.list", "Annotations.update",
        "Transfer.importFile", "Citations.styles",
        "AutoSyncListener.onSynced", "ProgressListener.onProgress",
        "SyncRequest.init", "ItemListQuery.init", "ItemSearchQuery.init", "NewAnnotation.init",
        "KeyStorage.keychain", "SortField.creator", "SortField.dateAdded", "SearchMode.everything",
        "FileStatusKind.downloading", "ShelfmarkError.category", "ItemRow.creatorSummary",
    }
    missing = expected - app_check.checked
    assert not missing, f"the check no longer reaches: {sorted(missing)}"


def test_a_renamed_ffi_method_fails_the_real_app(api):
    renamed = KIT.read_bytes().replace(b"open func setNetwork(metered:", b"open func setNetworkKind(metered:")
    assert renamed != KIT.read_bytes()
    changed = swift_api.kit_api([renamed, *swift_api.KIT_FILES[1:]])
    found = check(app_sources(), changed)
    assert any("setNetwork" in p.message for p in found.problems), found.problems


def test_a_removed_enum_case_fails_the_real_app(api):
    source = KIT.read_bytes()
    removed = source.replace(b"    case dateAdded\n", b"", 1)
    assert removed != source
    found = check(app_sources(), swift_api.kit_api([removed, *swift_api.KIT_FILES[1:]]))
    assert any("dateAdded" in p.message for p in found.problems), found.problems


def test_a_new_enum_case_fails_an_exhaustive_switch_of_the_real_app(api):
    source = KIT.read_bytes()
    added = source.replace(b"    case invalidInput\n", b"    case invalidInput\n    case rateLimited\n", 1)
    assert added != source
    found = check(app_sources(), swift_api.kit_api([added, *swift_api.KIT_FILES[1:]]))
    assert any("switch over ErrorCategory misses its cases rateLimited" in p.message for p in found.problems), found.problems


def test_the_platform_lists_hold_no_shelfmarkkit_names(api):
    assert not (SDK_TYPES & set(api.types)), SDK_TYPES & set(api.types)
    assert not (SDK_FUNCTIONS & set(api.functions)), SDK_FUNCTIONS & set(api.functions)


PRELUDE = """
@MainActor
final class Holder {
    let library: LibraryHandle
    var rows: [ItemRow] = []
    init(library: LibraryHandle) { self.library = library }
"""


def snippet(body: str) -> list[tuple[str, bytes]]:
    return [("Snippet.swift", (PRELUDE + body + "\n}\n").encode())]


def test_a_correct_snippet_passes():
    found = check(snippet("""
    func load() async throws {
        let page = try await library.items().list(query: ItemListQuery(sort: .dateAdded, limit: 10))
        rows = page.rows
        for row in rows where row.year != nil { print(row.creatorSummary) }
        let first = rows.first { row in row.title.isEmpty }
        _ = first?.key
        try await library.sync().resolve(libraryId: 1, key: "K", choice: .values(values: [:]))
        switch try await library.files().state(key: "K").status {
        case let .downloading(done, total): print(done, total)
        case .uploadFailed(let kind, _, _, _): print(kind)
        default: break
        }
        if case .keepLocal = ConflictChoice.keepLocal {}
    }
    """))
    assert not found.problems and not found.unresolved, found.problems + found.unresolved


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("func f() async throws { _ = try await library.items().list(q: ItemListQuery(sort: .title)) }",
         "Items.list(q:) does not match ShelfmarkKit's list(query:)"),
        ("func f() async throws { _ = try await library.items().fetch(key: \"K\") }",
         "Items has no method fetch(…)"),
        ("func f() { _ = rows.first?.author }", "ItemRow has no property author"),
        ("func f() { _ = ItemListQuery(sort: .newest) }", "SortField has no case newest"),
        ("func f() { _ = ItemListQuery(order: .title) }", "ItemListQuery.init(order:) does not match"),
        ("func f() { _ = SyncRequest(keyStorage: .file(name: \"x\")) }", "KeyStorage.file(name:) does not match ShelfmarkKit's case file(path:)"),
        ("func f(s: FileStatusKind) { if case let .downloading(done) = s { print(done) } }",
         "FileStatusKind.downloading binds 1 values"),
        ("func f(s: SyncStage) -> Bool { s == .finished }", "SyncStage has no case finished"),
        ("func f() { let x: LibraryRow? = nil; print(x as Any) }", "type LibraryRow is neither"),
        ("func f() async throws { _ = try await openLibraryAt(path: \"p\") }", "openLibraryAt(…) is neither"),
        ("func f() async throws { _ = try await openLibrary(path: \"p\") }",
         "ShelfmarkKit.openLibrary(path:) does not match ShelfmarkKit's openLibrary(path:options:)"),
        ("func f() { _ = ShelfmarkKit.itemKinds() }", "ShelfmarkKit has no itemKinds"),
        ("func f() { _ = Items(library: library) }", "Items.init(library:) does not match"),
        ("func f(e: ShelfmarkError) { _ = e.kind }", "ShelfmarkError has no property kind"),
        ("func f() { let r = ShelfmarkError.Offline(message: \"x\"); print(r) }", "ShelfmarkError has no static member or case Offline"),
        ("func f() { let show = { row in print(row.creatorSummary) }; show(1) }", "cannot tell the type of row.creatorSummary"),
        ("func f(local: Bool) async throws { _ = try await library.sync().resolveAll(choice: local ? .keepLocal : .keepOnline) }",
         "ConflictChoice has no case keepOnline"),
        ("func f() -> SortField { return .newest }", "SortField has no case newest"),
        ("func f(s: SyncResetMode) -> Int { switch s { case .upload: return 1\n case .merge: return 2 } }",
         "switch over SyncResetMode misses its cases download"),
    ],
)
def test_the_check_fails_on_a_wrong_use(body, expected):
    found = check(snippet(body))
    messages = [p.message for p in found.problems + found.unresolved]
    assert any(expected in m for m in messages), messages


def test_the_apps_own_enum_cases_are_checked_too():
    source = b"""
enum Destination: Hashable {
    case library
    case syncStatus
}

func title(of destination: Destination) -> String {
    switch destination {
    case .library: return "My Library"
    case .trash: return "Trash"
    }
}
"""
    found = check([("Destination.swift", source)])
    messages = [p.message for p in found.problems]
    assert "Destination has no case trash in the app" in messages
    assert "switch over Destination misses its cases syncStatus" in messages


def test_the_state_holders_members_are_checked_too():
    source = b"""
@MainActor
final class ListModel {
    private(set) var rows: [ItemRow] = []
    func trash(_ keys: Set<String>) async {}
}

@MainActor
func use(model: ListModel) async {
    await model.trash(["K"])
    await model.trash(keys: ["K"])
    await model.moveToTrash(["K"])
    _ = model.total
}
"""
    messages = [p.message for p in check([("ListModel.swift", source)]).problems]
    assert messages == [
        "ListModel.trash(keys:) does not match the app's trash(_:)",
        "ListModel has no method moveToTrash in the app",
        "ListModel has no property total in the app",
    ], messages


def test_a_listener_must_implement_the_protocol():
    source = b"""
final class Reports: AutoSyncListener, @unchecked Sendable {
    func onSynced(report: SyncSummary) {}
    func onFailed(category: ErrorCategory, message: String) {}
}
"""
    found = check([("Reports.swift", source)])
    assert [p.message for p in found.problems] == ["Reports conforms to AutoSyncListener but lacks onSynced(summary:)"]
