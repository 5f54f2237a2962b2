"""The ORM's view of the library's tables reads what the store wrote, exactly."""

from __future__ import annotations

import datetime as dt

from clientportal.contrib.django.engine import engine_from_settings
from clientportal.contrib.django.models import Approval
from clientportal.sql import tables


def test_a_reason_reads_back_exactly_nul_and_the_escape_character_included(
    migrated: str,
) -> None:
    reason = "no\x00pe \ue000 \ue0000"
    engine = engine_from_settings(migrated)
    try:
        with engine.begin() as conn:
            conn.execute(
                tables.approvals.insert().values(
                    entry_id="17",
                    status="REJECTED",
                    workflow="EXTERNAL",
                    version=2,
                    reason=reason,
                    updated_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
                )
            )
    finally:
        engine.dispose()
    row = Approval.objects.using(migrated).get(entry_id="17")
    assert (row.status, row.workflow, row.version, row.reason) == (
        "REJECTED",
        "EXTERNAL",
        2,
        reason,
    )
    assert row.updated_at == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    assert str(row) == "17: REJECTED (v2)"
    assert Approval.objects.using(migrated).filter(reason=reason).count() == 1
