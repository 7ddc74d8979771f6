"""The build put the pinned front-end libraries and compiled translations in place."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor"
SETUP_HINT = "run `make setup`"

# package name -> (file in static/vendor, regex finding the version inside that file)
VENDORED = {
    "htmx.org": ("htmx.min.js", r'version:"([^"]+)"'),
    "socket.io-client": ("socket.io.min.js", r"Socket\.IO v(\S+)"),
    "@picocss/pico": ("pico.min.css", r"Pico CSS \S* ?v(\S+) "),
}
# package name -> files in static/vendor with no version inside: each must be the installed copy
VENDORED_AS_INSTALLED = {
    "qr-scanner": ("qr-scanner.umd.min.js", "qr-scanner-worker.min.js"),
}
# used by the tests only, from node_modules (never served): the axe-core accessibility scan
TEST_ONLY = {"axe-core": "axe.min.js"}
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def package_pins():
    """The dependencies package.json declares."""
    return json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]


def lock_packages():
    """The packages section of package-lock.json."""
    return json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]


def test_package_json_pins_exact_versions():
    pins = package_pins()
    assert set(pins) == set(VENDORED) | set(VENDORED_AS_INSTALLED) | set(TEST_ONLY)
    for name, version in pins.items():
        assert EXACT_VERSION.match(version), f"{name} must be pinned exactly, not {version!r}"
    assert pins["htmx.org"].startswith("2.0."), "the portal is written for htmx 2.0.x"
    assert pins["@picocss/pico"].startswith("2.")


def test_lock_file_matches_package_json():
    pins = package_pins()
    packages = lock_packages()
    assert packages[""]["dependencies"] == pins, "package-lock.json is stale: run `npm install`"
    for name, version in pins.items():
        assert packages[f"node_modules/{name}"]["version"] == version


@pytest.mark.parametrize("package", sorted(VENDORED))
def test_vendored_file_is_the_pinned_version(package):
    filename, version_pattern = VENDORED[package]
    path = VENDOR / filename
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: {SETUP_HINT}"
    found = re.search(version_pattern, path.read_text(encoding="utf-8"))
    assert found, f"no version string in {path.relative_to(ROOT)}"
    assert found.group(1) == package_pins()[package], f"{filename} is stale: {SETUP_HINT}"


@pytest.mark.parametrize("package", sorted(VENDORED_AS_INSTALLED) + sorted(TEST_ONLY))
def test_installed_package_is_the_pinned_version_and_vendored_as_is(package):
    installed = ROOT / "node_modules" / package
    assert (installed / "package.json").is_file(), f"{package} is not installed: {SETUP_HINT}"
    version = json.loads((installed / "package.json").read_text(encoding="utf-8"))["version"]
    assert version == package_pins()[package], f"node_modules/{package} is stale: {SETUP_HINT}"
    for filename in VENDORED_AS_INSTALLED.get(package, ()):
        path = VENDOR / filename
        assert path.is_file(), f"{path.relative_to(ROOT)} is missing: {SETUP_HINT}"
        assert path.read_bytes() == (installed / filename).read_bytes(), f"{filename} is stale: {SETUP_HINT}"
    if package in TEST_ONLY:
        assert (installed / TEST_ONLY[package]).is_file()


def test_translations_are_compiled():
    for po in sorted(ROOT.glob("portal/translations/*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        assert mo.is_file(), f"{mo.relative_to(ROOT)} is missing: {SETUP_HINT}"
        assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo.name} is stale: {SETUP_HINT}"
