"""docs/reminders.md: its worked example is what the schedule computes, and the page is in the
guide's table of contents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clientportal.reminders import (
    ReminderPolicy,
    auto_approval_at,
    escalation_at,
    reminder_at,
    warning_at,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_worked_example_of_the_docs_is_the_schedule() -> None:
    policy = ReminderPolicy(
        first_after=dt.timedelta(days=2),
        every=dt.timedelta(days=3),
        max_reminders=3,
        escalate_to=("c-finance",),
        escalate_after=dt.timedelta(days=7),
        auto_approve_after=dt.timedelta(days=14),
        warn_before_auto_approve=dt.timedelta(days=2),
        time_zone="Europe/Amsterdam",
    )
    asked = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # Monday 10:00 in Amsterdam

    def local(at: dt.datetime | None) -> str:
        assert at is not None
        return at.astimezone(policy.zone).strftime("%a %d %H:%M")

    assert [local(reminder_at(policy, asked, n)) for n in (1, 2, 3)] == [
        "Thu 05 09:00",
        "Sun 08 09:00",
        "Wed 11 09:00",
    ]
    assert local(escalation_at(policy, asked)) == "Tue 10 09:00"
    assert local(auto_approval_at(policy, asked)) == "Tue 17 09:00"
    assert local(warning_at(policy, asked)) == "Sun 15 09:00"
    text = (DOCS / "reminders.md").read_text(encoding="utf-8")
    assert "| reminder 1 | Thursday 09:00" in text
    assert "| reminder 2, 3 | Sunday 09:00, Wednesday 09:00 |" in text
    assert "the Sunday before, 09:00" in text
    assert "the second Tuesday, 09:00" in text


def test_the_page_is_in_the_guide() -> None:
    assert "\nreminders\n" in (DOCS / "index.md").read_text(encoding="utf-8")
