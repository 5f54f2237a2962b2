"""The console's activity page says in plain language what issue 15's events mean: reminders,
escalations, warnings before auto-approval, the staff's digest, quotes accepted or declined,
undone decisions and the reminder policy's approvals -- in the console's language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from clientportal import Event
from clientportal.ports.events import (
    QUOTE_ACCEPTED,
    QUOTE_DECLINED,
    REMINDER_ESCALATED,
    REMINDER_SENT,
    REMINDER_WARNED,
    STAFF_REMINDER_SENT,
)
from clientportal.web.console.activity import ACTIVITY_TEXTS, ActivityLine, Names, describe
from clientportal.web.console.texts import ConsoleText

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NAMES = Names(
    contacts={"ann": "Ann Smit", "bob": "Bob Jones", "cy": "Cy Lee"},
    employees={"eva": "Eva Jansen"},
)
ITEMS = [{"kind": "entry", "id": "p1"}, {"kind": "entry", "id": "p2"}, {"kind": "trip", "id": "t"}]


def line(type: str, language: str = "en", **data: Any) -> ActivityLine:
    event = Event(id="1", type=type, occurred_at=AT, portal_id="acme", client_id="acme", data=data)
    return describe(ConsoleText(language), event, None, NAMES)


def said(found: ActivityLine) -> tuple[str, str | None, str | None]:
    return found.what, found.who, found.detail


def test_a_reminder_names_its_number_its_contact_and_how_many_items_wait() -> None:
    found = line(REMINDER_SENT, contact_id="ann", request_ids=["r1"], items=ITEMS, number=2)
    assert said(found) == ("Reminder 2 sent", "Ann Smit (Client)", "Items awaiting a decision: 3")
    assert found.at == AT


def test_an_escalation_names_who_was_told_and_who_was_asked_first() -> None:
    found = line(
        REMINDER_ESCALATED,
        contact_ids=["bob", "cy"],
        asked_contact_id="ann",
        request_ids=["r1"],
        items=ITEMS[:1],
    )
    assert said(found) == (
        "Unanswered items escalated to other contacts",
        None,
        "Escalated to: Bob Jones, Cy Lee · Asked first: Ann Smit · Items awaiting a decision: 1",
    )


def test_a_warning_says_when_the_policy_approves() -> None:
    found = line(
        REMINDER_WARNED, contact_id="bob", items=ITEMS, approve_at="2026-03-05T09:00:00+00:00"
    )
    assert found.what == "Warned that the items are approved automatically on 3/5/26, 9:00\u202fAM"
    assert found.who == "Bob Jones (Client)"


def test_the_staffs_digest_names_its_recipients() -> None:
    found = line(STAFF_REMINDER_SENT, recipients=["max@example.com"], items=ITEMS, count=3)
    assert said(found) == (
        "Reminder sent to the staff",
        None,
        "Recipients: max@example.com · Items awaiting a decision: 3",
    )


def test_an_accepted_quote_names_its_number_the_contact_and_the_signature() -> None:
    found = line(
        QUOTE_ACCEPTED, quote_id="q1", number="Q-7", contact_id="ann", signature="Ann Smit",
        reason=None, actor={"party": "CLIENT", "id": "ann"},
    )  # fmt: skip
    assert said(found) == ("Quote Q-7 accepted", "Ann Smit (Client)", "Signature: Ann Smit")


def test_a_declined_quote_gives_the_reason_too() -> None:
    found = line(
        QUOTE_DECLINED, quote_id="q1", number="Q-7", contact_id="bob", signature="B. Jones",
        reason="Too expensive",
    )  # fmt: skip
    assert said(found) == (
        "Quote Q-7 declined",
        "Bob Jones (Client)",
        "Signature: B. Jones · Reason: Too expensive",
    )


def test_an_undone_decision_is_a_step_of_the_client() -> None:
    found = line(
        "entries.undone",
        action="undo",
        actor={"party": "CLIENT", "id": "ann"},
        reason=None,
        items=[{"id": "p1"}, {"id": "p2"}],
    )
    assert said(found) == (
        "Decision undone by the client: 2 time entries",
        "Ann Smit (Client)",
        None,
    )
    trips = line("trips.undone", action="undo", actor={"party": "CLIENT", "id": "ann"}, items=[{}])
    assert trips.what == "Decision undone by the client: 1 trip"


def test_the_reminder_policys_approval_names_the_policy_not_an_id() -> None:
    found = line(
        "expenses.approved",
        action="approve",
        actor={"party": "POLICY", "id": "reminder-policy"},
        items=[{"id": "x1"}],
    )
    assert said(found) == ("Approved: 1 expense", "Reminder policy", None)


@pytest.mark.parametrize(
    ("type", "data"),
    [
        (REMINDER_SENT, {}),
        (REMINDER_ESCALATED, {"contact_ids": "not a list"}),
        (REMINDER_WARNED, {"approve_at": "someday"}),
        (STAFF_REMINDER_SENT, {"recipients": None}),
        (QUOTE_ACCEPTED, {"quote_id": "q9"}),
    ],
)
def test_events_missing_their_data_still_read_plainly(type: str, data: dict[str, Any]) -> None:
    found = line(type, **data)
    assert found.what
    assert "None" not in found.what
    assert found.detail is None or "None" not in found.detail


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", ("Angebot Q-7 angenommen", "Ann Smit (Kunde)", "Unterschrift: Ann Smit")),
        ("nl", ("Offerte Q-7 geaccepteerd", "Ann Smit (Klant)", "Handtekening: Ann Smit")),
        ("fr", ("Devis Q-7 accepté", "Ann Smit (Client)", "Signature\u00a0: Ann Smit")),
    ],
)
def test_the_lines_speak_the_consoles_language(
    language: str, expected: tuple[str, str, str]
) -> None:
    found = line(QUOTE_ACCEPTED, language, number="Q-7", contact_id="ann", signature="Ann Smit")
    assert said(found) == expected


@pytest.mark.parametrize("language", ["de", "es", "fr", "nl", "pl"])
def test_every_activity_text_is_translated(language: str) -> None:
    t = ConsoleText(language)
    for key, message in ACTIVITY_TEXTS.items():
        if (language, key) == ("fr", "signature"):
            continue  # the same word in French
        values = dict.fromkeys(re.findall(r"%\((\w+)\)s", message), "X")
        assert t.translator.gettext(message, **values) != message % values, (language, key)
