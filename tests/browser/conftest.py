"""Browser tests: Playwright driving Debian's chromium against the portal served by waitress.

The browser is Debian's (``/usr/bin/chromium``, or ``CLIENTPORTAL_CHROMIUM``), never one that
``playwright install`` downloads. Without Playwright or chromium these tests skip with the
reason, except under ``CI=true``, where they fail: CI must run them (``.ci/run`` installs
chromium). Every test gets its own server (a fresh in-memory store on a free port of 127.0.0.1)
and its own browser context, and checks on the way out that no request left 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browsing import PortalServer, Traffic, open_context, start_server

from chromium import launched_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium per test module. Not per session: Playwright's sync API keeps an
    event loop running in this thread while it is open, which would break the ASGI tests that a
    pytest-xdist worker runs after the browser tests (``asyncio.run`` refuses to nest)."""
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def portal_server() -> Iterator[PortalServer]:
    """The portal, served for this test only."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def context(browser: Any, portal_server: PortalServer, traffic: Traffic) -> Iterator[Any]:
    """A desktop-sized context; afterwards, no request may have left 127.0.0.1."""
    context = open_context(browser, traffic, portal_server, viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        context.close()
    assert traffic.urls, "the test made no request"
    assert traffic.hosts() == {"127.0.0.1"}, traffic.urls
