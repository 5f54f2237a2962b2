"""What poppler's ``pdftotext`` reads in a PDF, for the tests of sign-off certificates; without
poppler-utils those tests skip (a laptop) or fail (under ``CI=true``, where .ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from chromium import IN_CI


def need_pdftotext() -> str:
    """The ``pdftotext`` program; skips the test without it (fails it under CI=true)."""
    found = shutil.which("pdftotext")
    if found is None:
        reason = "pdftotext is not installed (apt-get install poppler-utils)"
        if IN_CI:
            pytest.fail(f"CI=true: the sign-off PDF tests must run, but {reason}", pytrace=False)
        pytest.skip(reason)
    return found


def pdf_text(data: bytes, folder: Path, *, raw: bool = False) -> str:
    """The text of the PDF ``data``: its words separated by single spaces (pdftotext reads a
    table cell that wraps over lines as several), or (``raw``) as pdftotext prints it, pages
    separated by form feeds."""
    program = need_pdftotext()
    path = folder / "read.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        [program, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
        timeout=60,
    )
    return done.stdout if raw else " ".join(done.stdout.split())
