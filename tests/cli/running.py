"""How the CLI tests run `clientportal`: in process (click's CliRunner) or as the real console
script in a subprocess, and how they read what it prints and open the links it gives."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from clientportal.cli import main

KEY = "test-secret-key-0123456789abcdef"
#: A line of the demo: ``<portal> (<language>) — <contact>: <url>``.
LINK = re.compile(r"^(?P<portal>.+) \((?P<lang>[a-z]{2})\) — (?P<contact>.+): (?P<url>http\S+)$")
#: The console script installed beside this Python (``.venv/bin/clientportal``).
SCRIPT = str(Path(sys.executable).parent / "clientportal")


def run(
    db: str, *args: str, key: bool = False, input: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[int, str, str]:  # fmt: skip
    """``clientportal --db DB ARGS`` in process: exit status, stdout, stderr."""
    options = ["--db", db] + (["--secret-key", KEY] if key else [])
    result = CliRunner().invoke(main, [*options, *args], input=input, env=dict(env or {}))
    return result.exit_code, result.stdout, result.stderr


def demo_database(directory: Path) -> str:
    """A demo database in ``directory``, prepared by `clientportal demo --no-serve` (its key file
    signs links): its URL."""
    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    result = CliRunner().invoke(main, ["demo", "--db", url, "--no-serve"])
    assert result.exit_code == 0, result.output
    return url


def script(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real console script, run to its end."""
    return subprocess.run(
        [SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def start(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """The real console script, started (a server, say): stdout and stderr are pipes."""
    return subprocess.Popen(
        [SCRIPT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def links(output: str) -> list[re.Match[str]]:
    """The demo's link lines in ``output``."""
    return [m for line in output.splitlines() if (m := LINK.match(line))]


def wait_for_links(process: subprocess.Popen[str], count: int) -> list[re.Match[str]]:
    """Read the started demo's stdout until it printed ``count`` links."""
    assert process.stdout is not None
    found: list[re.Match[str]] = []
    deadline = time.monotonic() + 90
    while len(found) < count and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if m := LINK.match(line.rstrip("\n")):
            found.append(m)
    return found


def rows(output: str) -> list[list[str]]:
    """A table the CLI printed (a header, columns two spaces or more apart), without the header."""
    lines = [re.split(r"\s{2,}", line) for line in output.splitlines() if line.strip()]
    return lines[1:]


def wait_until(condition: Any, seconds: float = 30) -> None:
    """Poll ``condition()`` until it is true (or fail after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Visitor:
    """A browser without a browser: opens a link (keeping the session cookie) and uses the
    portal's JSON API as the client."""

    def __init__(self) -> None:
        self.cookies = urllib.request.HTTPCookieProcessor(CookieJar())
        self.opener = urllib.request.build_opener(self.cookies)

    def enter(self, url: str) -> str:
        """Open a link without following its redirect: where it sends the visitor (the
        session cookie is kept)."""
        opener = urllib.request.build_opener(self.cookies, _NoRedirect())
        try:
            with opener.open(url, timeout=20) as response:
                return str(response.geturl())
        except urllib.error.HTTPError as redirect:
            if redirect.code not in (302, 303):
                raise
            return urllib.parse.urljoin(url, redirect.headers["Location"])

    def open(self, url: str) -> tuple[str, str]:
        """Open ``url``: where it landed and the page."""
        with self.opener.open(url, timeout=20) as response:
            return response.geturl(), response.read().decode()

    def api(self, url: str, body: object | None = None, csrf: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if csrf is not None:
            request.add_header("X-CSRF-Token", csrf)
        with self.opener.open(request, timeout=20) as response:
            return json.loads(response.read())

    def decide(self, base: str, portal: str, action: str, entries: Sequence[Mapping[str, Any]],
               reason: str | None = None) -> Any:  # fmt: skip
        """Approve or reject ``entries`` (as the API lists them) in ``portal``."""
        session = self.api(f"{base}/api/portals/{portal}/session")
        body = {
            "action": action,
            "entries": [{"id": e["id"], "version": e["version"]} for e in entries],
            "reason": reason,
        }
        return self.api(f"{base}/api/portals/{portal}/approvals", body, csrf=session["csrf_token"])
