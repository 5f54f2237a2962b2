"""Debian's chromium for the browser and journey tests: where it is, how it is started, and what
happens when it is missing (a skip on a laptop, a failure under ``CI=true``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
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


def unavailable(reason: str) -> None:
    """Skip the test for ``reason``; under CI=true, fail it instead."""
    if IN_CI:
        pytest.fail(f"CI=true: the browser tests must run, but {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    """Debian's chromium: ``CLIENTPORTAL_CHROMIUM``, else ``chromium`` on the PATH."""
    configured = os.environ.get("CLIENTPORTAL_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """A headless chromium through Playwright's sync API, closed on the way out."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        unavailable(f"playwright is not installed (pip install -e '.[test]'): {error}")
    executable = chromium_path()
    if executable is None:
        unavailable(
            "chromium is not installed: apt-get install chromium (or CLIENTPORTAL_CHROMIUM)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
