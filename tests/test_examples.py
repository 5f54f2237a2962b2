"""The runnable examples run and print what they promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_what_the_client_sees_prints_the_portal_view() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "what_the_client_sees.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    out = result.stdout
    assert "Projects: Website relaunch" in out
    assert "Homepage design" in out
    assert "Login screen" not in out  # the app project is not selected
    assert "Data import" not in out  # another client's
    assert "TOTAL_COSTS" not in out
    assert "quoted too low" not in out
    assert "2026-014" in out  # all invoices of the client, also of unselected projects
    assert "2026-015" not in out  # but no drafts
    assert "Awaiting the client's approval: ['e2']" in out
