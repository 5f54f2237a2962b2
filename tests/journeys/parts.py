"""What the journeys share: reading the e-mails people receive, serving a WSGI app for real, and
running the ``clientportal`` command as an operator does."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from clientportal import Client, Contact, Dataset, Employee, Project, TimeEntry
from servers import cli_env, on_waitress, stop

_LINK = re.compile(r"https?://[^\s<>\"']+")

OFFICE = "office@kade.example"
TODAY = dt.date.today()
#: The hours the team submits to the client: id -> description.
SUBMITTED = {
    "k1": "Gevelonderzoek",
    "k2": "Overleg met de constructeur",
    "k3": "Tekeningen bestek",
}


def kade_world() -> Dataset:
    """Webbureau Kade's time tracking: the client Lumen with its Dutch contact, one project,
    some older hours, and three entries ready to go to the client."""
    entries = [
        TimeEntry(f"old{n}", "bim", "eva", TODAY - dt.timedelta(days=7 + n), 3600 * 2,
                  f"Werkzaamheden {n}", rate=None)
        for n in range(1, 8)
    ] + [
        TimeEntry(id_, "bim", "eva", TODAY - dt.timedelta(days=1), 5400, what)
        for id_, what in SUBMITTED.items()
    ]  # fmt: skip
    return Dataset(
        clients=[Client("lumen", "Lumen Architecten")],
        contacts=[Contact("ruud", "lumen", "Ruud Smit", "ruud@lumen.example", language="nl")],
        employees=[Employee("eva", "Eva Jansen"), Employee("max", "Max de Boer")],
        projects=[Project("bim", "lumen", "Nieuwbouw kantoor", member_ids={"eva"})],
        entries=entries,
    )


def awaiting_row(page: Any, description: str) -> Any:
    """The row of the entry ``description`` among the hours awaiting approval."""
    return page.locator("section[aria-labelledby=awaiting-h] tr", has_text=description)


def entry_row(page: Any, entry_id: str) -> Any:
    """The row of the entry ``entry_id`` among the hours awaiting approval."""
    return page.locator(
        f"section[aria-labelledby=awaiting-h] tr:has(input[data-entry][value$=':{entry_id}'])"
    )


def approve_in_row(page: Any, row: Any) -> None:
    """Approve the entry of ``row`` with its own button (Dutch page)."""
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^Goedkeuren")).click()


def reject_in_row(page: Any, row: Any, reason: str) -> None:
    """Reject the entry of ``row`` with ``reason``, typed in the row (Dutch page), and check that
    the reason field opened right below the row's button, not at the end of the list."""
    opener = row.locator("summary")
    opener.click()
    field = row.get_by_role("textbox", name=re.compile("^Reden"))
    assert field.is_visible()
    assert 0 <= field.bounding_box()["y"] - opener.bounding_box()["y"] <= 300
    field.fill(reason)
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^Afkeuren met deze reden")).click()


ENGLISH = ("Approve", "Reject", "Hours", "Overview", "Sign out", "Awaiting", "Reason")


def english_on(page: Any) -> list[str]:
    """The English words of the portal's own texts found on ``page``."""
    shown = page.locator("body").inner_text()
    return [word for word in ENGLISH if re.search(rf"\b{word}\b", shown)]


def text_of(message: EmailMessage) -> str:
    """The plain-text part of ``message`` (what a phone's mail app shows without images)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"no text part in {message['Subject']!r}"
    return str(part.get_content())  # type: ignore[attr-defined]


def links_in(message: EmailMessage, base: str) -> list[str]:
    """Every URL in the text part of ``message`` that starts with ``base``."""
    return [u.rstrip(".,;)") for u in _LINK.findall(text_of(message)) if u.startswith(base)]


def portal_links_in(message: EmailMessage, base: str) -> list[str]:
    """The URLs in ``message`` that start with ``base`` and open the portal: its personal link,
    not the one-click action link (``/act/``) an approval request also carries."""
    return [u for u in links_in(message, base) if "/act/" not in u]


def to_addresses(message: EmailMessage) -> set[str]:
    """The addresses in ``message``'s To header."""
    return {a.addr_spec for a in message["To"].addresses}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(build: Callable[[str], Any]) -> Iterator[str]:
    """The WSGI app ``build(base_url)`` makes, on waitress in a thread on a free port: yields the
    base URL (a service needs its public address before its app exists)."""
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with on_waitress(build(url), sock):
        yield url


def clientportal(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``clientportal ARGS`` as a subprocess; its output, or a failure with what it said."""
    done = subprocess.run(
        [sys.executable, "-m", "clientportal.cli", *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"clientportal {' '.join(args)} -> {done.returncode}:\n{done.stdout}{done.stderr}"
    )
    return done.stdout


@contextmanager
def running(
    args: Sequence[str], *, cwd: Path, port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """``clientportal ARGS`` as a long-running subprocess, once it listens on ``port``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "clientportal.cli", *args],
        cwd=cwd,
        env=env or cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                out = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"clientportal {' '.join(args)} stopped:\n{out}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"nothing listens on {port} after 60 s") from None
                time.sleep(0.1)
        yield process
    finally:
        stop(process)
