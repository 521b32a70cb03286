"""Fixtures for the web pages' browser suite: a real `shelfmark-server`
process, the `shelfmark` command line, and Chromium driven by Playwright.

Run by `cargo xtask test` (xtask/src/browser.rs), which builds the binaries
and sets SHELFMARK_SERVER_BIN, SHELFMARK_BIN, CHROMIUM and SCREENSHOTS.
With SHELFMARK_TEST_DATABASE_URL=postgres://… the server keeps its metadata
in a fresh database made there with `psql`.
"""

import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

PASSWORD = "correct horse battery"


def required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} must be set (cargo xtask test sets it)")
    return value


class Server:
    """A `shelfmark-server` process on a free port with its own data."""

    def __init__(self, binary: str, data_dir: Path, extra: list[str]):
        self.binary = binary
        self.data_dir = data_dir
        self.extra = extra
        self.process = subprocess.Popen(
            [binary, "--data-dir", str(data_dir), "--listen", "127.0.0.1:0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "SHELFMARK_LOG": "warn"},
        )
        self.base = None
        for line in self.process.stdout:
            if "with password: " in line:
                self.admin_password = line.rsplit("with password: ", 1)[1].strip()
            found = re.match(r"shelfmark-server listening on (\S+)", line)
            if found:
                self.base = found.group(1)
                break
        assert self.base, "the server printed its address"

    def admin(self, *args: str) -> str:
        done = subprocess.run(
            [self.binary, "--data-dir", str(self.data_dir), *self.extra, *args],
            capture_output=True,
            text=True,
            env={**os.environ, "SHELFMARK_LOG": "warn"},
        )
        assert done.returncode == 0, f"{args}: {done.stderr}"
        return done.stdout

    def invitation_path(self, email: str) -> str:
        """An invitation made with `user invite`, as a path on this server."""
        link = self.admin("user", "invite", "--email", email).strip().splitlines()[-1]
        token = re.search(r"token=([A-Za-z0-9_-]+)", link).group(1)
        return f"/signup?token={token}"

    def add_user(self, email: str) -> None:
        self.admin("user", "add", "--email", email, "--password", PASSWORD)

    def api(self, method: str, path: str, key: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Zotero-API-Key": key, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read() or b"null")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def fresh_database_args() -> tuple[list[str], str | None, str | None]:
    url = os.environ.get("SHELFMARK_TEST_DATABASE_URL")
    if not url:
        return [], None, None
    name = f"sm_web_{os.getpid()}_{int(time.time() * 1000)}"
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return ["--database-url", url.rsplit("/", 1)[0] + "/" + name], url, name


@pytest.fixture(scope="module")
def server():
    extra, admin_url, name = fresh_database_args()
    with tempfile.TemporaryDirectory() as data:
        s = Server(required_env("SHELFMARK_SERVER_BIN"), Path(data), extra)
        try:
            yield s
        finally:
            s.stop()
            if admin_url:
                subprocess.run(
                    ["psql", admin_url, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]
                )


class Cli:
    """The `shelfmark` command line with one library file and its own credentials."""

    def __init__(self, binary: str, folder: Path):
        self.binary = binary
        self.library = folder / "library.shelfmark"
        self.env = {
            **os.environ,
            "HOME": str(folder),
            "SHELFMARK_CREDENTIALS_FILE": str(folder / "credentials"),
        }
        self.run("init")

    def run(self, *args: str, stdin: str | None = None, check: bool = True):
        done = subprocess.run(
            [self.binary, "--library", str(self.library), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
        )
        if check:
            assert done.returncode == 0, f"shelfmark {args}: {done.stderr}"
        return done

    def titles(self) -> list[str]:
        listed = json.loads(self.run("list", "--json").stdout)
        items = listed["items"] if isinstance(listed, dict) else listed
        return [i.get("title", "") for i in items]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(required_env("SHELFMARK_BIN"), tmp_path)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("SCREENSHOTS", "target/screenshots/web"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
