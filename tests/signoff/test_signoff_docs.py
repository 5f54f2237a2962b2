"""docs/signoff.md's recipe for recomputing a certificate's SHA-256 works on a real
certificate, and fails on an altered one."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import attrs
import pytest

from clientportal.model import ApprovalStatus, Contact, Portal, PortalSettings
from clientportal.public import PortalEntry
from clientportal.signoff import certificate, rows_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "signoff.md"
AT = dt.datetime(2026, 12, 2, 12, 30, tzinfo=dt.UTC)


def recipe() -> str:
    """The Python block of docs/signoff.md that recomputes the hash."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    (found,) = [b for b in blocks if "def canonical_hash" in b]
    return found


def signed():
    portal = Portal(
        id="p", client_id="c", name="P", settings=PortalSettings(approval=True), created_at=AT
    )
    entries = [
        PortalEntry(
            f"e{i}", "pr", "em", dt.date(2026, 11, i), 3600 * i, "Łódź", None, True,
            ApprovalStatus.PENDING_EXTERNAL, 1, None, None,
        )
        for i in (3, 1, 2)
    ]  # fmt: skip
    rows = rows_of(entries, [], [], projects={"pr": "Projekt"}, employees={"em": "Ewa"})
    return certificate(
        signoff_id="s",
        portal=portal,
        company="Co",
        client_name="Client",
        contact=Contact("k", "c", "Kim", "kim@example.com"),
        rows=rows,
        period=None,
        at=AT,
        address_hash=None,
    )


def test_the_documented_recipe_recomputes_the_hash() -> None:
    exec(compile(recipe(), str(DOC), "exec"), {"signoff": signed()})


def test_the_documented_recipe_catches_an_altered_row() -> None:
    s = signed()
    document = json.loads(s.document)
    document["rows"][0]["seconds"] += 60
    altered = attrs.evolve(s, document=json.dumps(document))
    with pytest.raises(AssertionError):
        exec(compile(recipe(), str(DOC), "exec"), {"signoff": altered})
