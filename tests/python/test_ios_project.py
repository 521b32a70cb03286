"""The iOS app's XcodeGen project (ios/project.yml) is valid YAML with the
app, unit-test and UI-test targets, names only sources that exist, and
its Info.plist declares what the Swift code relies on: the background
sync task's identifier, background fetch, and the reference file types
the app opens. Xcode itself only runs on the macOS runner."""

import plistlib
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
IOS = REPO / "ios"


@pytest.fixture(scope="module")
def project() -> dict:
    return yaml.safe_load((IOS / "project.yml").read_text())


@pytest.fixture(scope="module")
def info() -> dict:
    return plistlib.loads((IOS / "Shelfmark" / "Info.plist").read_bytes())


def swift(path: str) -> str:
    return (IOS / path).read_text()


def test_the_targets(project):
    targets = project["targets"]
    assert set(targets) == {"Shelfmark", "ShelfmarkTests", "ShelfmarkUITests"}
    assert targets["Shelfmark"]["type"] == "application"
    assert targets["ShelfmarkTests"]["type"] == "bundle.unit-test"
    assert targets["ShelfmarkUITests"]["type"] == "bundle.ui-testing"
    for target in targets.values():
        assert target["platform"] == "iOS"
        assert str(target["deploymentTarget"]) == "17.0"
    app = targets["Shelfmark"]["settings"]["base"]
    assert app["TARGETED_DEVICE_FAMILY"] == "1,2", "one target for iPhone and iPad"
    assert {"target": "Shelfmark"} in targets["ShelfmarkTests"]["dependencies"]
    assert {"target": "Shelfmark"} in targets["ShelfmarkUITests"]["dependencies"]


def test_the_app_depends_on_the_local_package(project):
    package = project["packages"]["ShelfmarkKit"]
    folder = (IOS / package["path"]).resolve()
    assert folder == REPO / "bindings" / "swift"
    assert (folder / "Package.swift").is_file()
    assert 'name: "ShelfmarkKit"' in (folder / "Package.swift").read_text()
    dependencies = project["targets"]["Shelfmark"]["dependencies"]
    assert {"package": "ShelfmarkKit", "product": "ShelfmarkKit"} in dependencies


def test_every_named_source_and_file_exists(project):
    for name, target in project["targets"].items():
        for source in target["sources"]:
            path = source["path"] if isinstance(source, dict) else source
            folder = IOS / path
            assert folder.is_dir(), f"{name}: {path}"
            assert list(folder.rglob("*.swift")), f"{name}: no Swift sources in {path}"
            for excluded in source.get("excludes", []) if isinstance(source, dict) else []:
                assert (folder / excluded).exists(), f"{name}: excludes missing {excluded}"
        settings = target.get("settings", {}).get("base", {})
        for key in ("INFOPLIST_FILE", "CODE_SIGN_ENTITLEMENTS"):
            if key in settings:
                assert (IOS / settings[key]).is_file(), f"{name}: {key} {settings[key]}"
    scheme = project["schemes"]["Shelfmark"]
    assert set(scheme["test"]["targets"]) == {"ShelfmarkTests", "ShelfmarkUITests"}


def test_the_test_targets_hold_tests():
    unit = "".join(p.read_text() for p in (IOS / "ShelfmarkTests").rglob("*.swift"))
    assert len(re.findall(r"final class \w+: XCTestCase", unit)) >= 5
    assert "@testable import Shelfmark" in unit
    ui = "".join(p.read_text() for p in (IOS / "ShelfmarkUITests").rglob("*.swift"))
    assert "XCUIApplication()" in ui and '"-ui-testing"' in ui
    assert '"-ui-testing"' in swift("Shelfmark/App/LaunchOptions.swift")


def test_the_background_sync_is_declared(info):
    identifier = re.search(r'backgroundSyncIdentifier = "([^"]+)"', swift("Shelfmark/App/AppModel.swift")).group(1)
    assert info["BGTaskSchedulerPermittedIdentifiers"] == [identifier]
    assert "fetch" in info["UIBackgroundModes"]


def test_the_reference_file_types_are_declared(info):
    declared = {t["UTTypeIdentifier"]: t for t in info["UTImportedTypeDeclarations"]}
    used_in_swift = set(re.findall(r'UTType\(importedAs: "([^"]+)"', swift("Shelfmark/Support/Transferables.swift")))
    assert used_in_swift == set(declared)
    extensions = {
        ext for t in declared.values() for ext in t["UTTypeTagSpecification"]["public.filename-extension"]
    }
    assert {"ris", "bib", "enw", "xml"} <= extensions
    opened = {ct for doc in info["CFBundleDocumentTypes"] for ct in doc["LSItemContentTypes"]}
    assert set(declared) <= opened
    # Plain .xml is only offered, never claimed as the default handler.
    xml = next(doc for doc in info["CFBundleDocumentTypes"] if "public.xml" in doc["LSItemContentTypes"])
    assert xml["LSHandlerRank"] == "Alternate"


def test_the_camera_use_is_explained(info):
    # The barcode scanner opens the camera; without a usage string iOS ends
    # the app the moment it asks.
    assert "DataScannerViewController(" in swift("Shelfmark/Views/BarcodeScannerView.swift")
    assert len(info.get("NSCameraUsageDescription", "").strip()) > 20
