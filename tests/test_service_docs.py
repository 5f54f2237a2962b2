"""docs/service.md: its example is examples/service_host.py, which runs and prints what the page
says it prints; the page documents every public method of PortalService."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from clientportal.service import PortalService

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")


def test_the_host_example_prints_what_the_page_promises() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "service_host.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    promised = re.search(r"It prints:\n\n```text\n(.*?)```", PAGE, re.S)
    assert promised is not None
    printed = result.stdout.splitlines()
    assert sorted(printed) == sorted(promised.group(1).splitlines())
    assert printed[0] == "link: True"
    assert printed[-1] == "history of e1: ['SUBMIT', 'APPROVE']"
    assert "literalinclude} ../examples/service_host.py" in PAGE


def test_the_page_names_every_public_method_of_the_service() -> None:
    public = [name for name in vars(PortalService) if not name.startswith("_")]
    assert len(public) > 30
    missing = [name for name in public if f"{name}(" not in PAGE and f"`{name}`" not in PAGE]
    assert missing == []
