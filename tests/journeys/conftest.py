"""Journeys: a person's whole path through real parts, from where they start to where their goal
is reached. The parts are real: SQLite files, the ``clientportal`` command as a subprocess, a
waitress server, aiosmtpd on 127.0.0.1, Debian's chromium at phone size. Under ``CI=true`` none of
them may be missing (the tests fail instead of skipping)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chromium import launched_chromium

pytest.importorskip("aiosmtpd", reason="the journeys need aiosmtpd (the test extra)")
pytest.importorskip("sqlalchemy", reason="the journeys need the sql extra")

from smtp_sink import Inbox, SmtpServer

#: A phone: the width of most phones in portrait, as chromium's device mode would have it.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium per module (see tests/browser/conftest.py for why not per session)."""
    with launched_chromium() as launched:
        yield launched


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh browser context at phone size: no cookies, no session, as on a client's phone."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 that keeps every message."""
    with SmtpServer(Inbox()) as server:
        yield server
