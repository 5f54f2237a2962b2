"""Take the README's screenshots: the demo's Dutch portal in Debian's chromium, desktop and phone.

    .venv/bin/python docs/images/make_screenshots.py [--out docs/images] [--today 2026-11-20]

Serves the demo world (``clientportal.demo``) from memory on a free port of 127.0.0.1 with
waitress, opens a link for Ruud Visser of Lumen and saves ``overview.png`` and ``approvals.png``
at 1280 px wide; then, on a phone (390 px), opens the link of his approval e-mail and saves
``phone-approvals.png`` (one row's reason field open) and ``phone-decided.png`` (after approving
one entry and rejecting another). The demo's "today" is fixed, so a rerun gives the same
pictures. Needs the test extras (``pip install -e '.[test]'``) and chromium (``apt-get install
chromium``, or ``CLIENTPORTAL_CHROMIUM``); it never downloads a browser.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clientportal import MailSettings, MemoryDataSource, MemoryStore, PortalService
from clientportal.demo import DEMO_POLICY, demo_dataset, demo_portals
from clientportal.web import Theme, make_wsgi_app

HERE = Path(__file__).resolve().parent
#: The day the demo's year of hours ends (a Friday).
TODAY = dt.date(2026, 11, 20)
#: The browser tests' flags: no sandbox (containers), no GPU, no calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1280, 800


def demo_service(today: dt.date, base_url: str) -> PortalService:
    """The demo world and its portals in memory, as ``clientportal demo`` serves them."""
    store = MemoryStore()
    service = PortalService(
        MemoryDataSource(demo_dataset(today=today), store),
        store,
        secret_keys=["screenshots-only-secret-key-0123456789abcdef"],
        policy=DEMO_POLICY,
        mail=MailSettings(
            sender_name="Pixel & Co hours",
            sender_address="hours@pixel.example",
            message_id_domain="pixel.example",
            base_url=base_url,
        ),
    )
    for portal in demo_portals(created_at=dt.datetime.now(dt.UTC)):
        service.admin.create_portal(
            id=portal.id,
            client_id=portal.client_id,
            name=portal.name,
            project_ids=portal.project_ids,
            contact_ids=portal.contact_ids,
            language=portal.language,
            settings=portal.settings,
        )
    return service


@contextmanager
def serving(today: dt.date) -> Iterator[PortalService]:
    """The demo portal on waitress, on a free port of 127.0.0.1, while the block runs."""
    import waitress  # type: ignore[import-untyped]

    sock = socket.create_server(("127.0.0.1", 0))
    service = demo_service(today, f"http://127.0.0.1:{sock.getsockname()[1]}")
    app = make_wsgi_app(service, theme=Theme(name="Pixel & Co", accent="#1f5fbf"))
    server = waitress.create_server(app, sockets=[sock], threads=2)
    thread = threading.Thread(target=server.run, name="screenshots-waitress", daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def chromium() -> str:
    """Debian's chromium: ``CLIENTPORTAL_CHROMIUM``, else ``chromium`` on the PATH."""
    found = os.environ.get("CLIENTPORTAL_CHROMIUM") or shutil.which("chromium")
    if not found or not os.access(found, os.X_OK):
        sys.exit("chromium is not installed: apt-get install chromium (or CLIENTPORTAL_CHROMIUM)")
    return found


def take(out: Path, today: dt.date) -> list[Path]:
    """Save the overview and the approvals page of Lumen's portal under ``out``."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with serving(today) as service, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            # A Dutch client's browser (the date fields' placeholders still follow chromium's
            # own language, which headless chromium keeps English).
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1, locale="nl-NL"
            )
            page = context.new_page()
            page.goto(service.mail.link_url(service.links.issue("lumen", "ruud").token))
            overview = page.url
            target = out / "overview.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)
            # The approvals page down to the end of the hours awaiting a decision (the recently
            # decided ones below it make a long, heavy picture).
            page.goto(overview + "/approvals")
            awaiting = page.locator("section[aria-labelledby=awaiting-h]").bounding_box()
            if awaiting is None:
                sys.exit("the demo's approvals page shows no hours awaiting approval")
            bottom = int(awaiting["y"] + awaiting["height"]) + 20
            target = out / "approvals.png"
            page.screenshot(
                path=str(target),
                full_page=True,
                clip={"x": 0, "y": 0, "width": WIDTH, "height": bottom},
            )
            saved.append(target)
            saved += take_phone(browser, service, out)
        finally:
            browser.close()
    return saved


def take_phone(browser: Any, service: PortalService, out: Path) -> list[Path]:
    """Ruud's phone: the approvals page his e-mail's link opens, with a row's reason field open,
    and the page after he approved one entry and rejected another."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="nl-NL",
    )  # fmt: skip
    page = context.new_page()
    token = service.links.issue("lumen", "ruud").token
    page.goto(service.mail.link_url(token, page="approvals"))
    rows = page.locator("section[aria-labelledby=awaiting-h] tbody tr")
    if rows.count() < 3:
        sys.exit("the demo's approvals page shows fewer than three hours awaiting approval")
    second = rows.nth(1)
    second.locator("summary").click()
    second.get_by_role("textbox").fill("Dit overleg was niet afgesproken")
    bottom = second.evaluate("row => row.getBoundingClientRect().bottom + window.scrollY")
    saved = [out / "phone-approvals.png", out / "phone-decided.png"]
    page.screenshot(
        path=str(saved[0]),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 390, "height": int(bottom) + 12},
    )
    with page.expect_navigation():
        second.get_by_role("button", name=re.compile("^Afkeuren met")).click()
    with page.expect_navigation():
        rows.nth(0).get_by_role("button", name=re.compile("^Goedkeuren")).click()
    page.screenshot(path=str(saved[1]), full_page=False)
    context.close()
    return saved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to save (default: here)")
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, default=TODAY, help="the demo's last day"
    )
    args = parser.parse_args(argv)
    for path in take(args.out, args.today):
        print(f"{path}: {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
