"""`clientportal reminders set/show/off` stores the company's reminder policy, refusing bad
values with the reason; `clientportal worker --once` sends what it asks for (and nothing with
--no-reminders or without a policy)."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from clientportal.cli.reminders import parse_span, policy_from_json, policy_to_json, show_span
from clientportal.reminders import ReminderPolicy

from .running import run


def test_set_show_and_off(empty_db: str) -> None:
    code, out, _ = run(empty_db, "reminders", "show")
    assert (code, out) == (
        0,
        "no reminder policy: nobody is reminded (set one with `reminders set`)\n",
    )
    code, out, err = run(
        empty_db, "reminders", "set", "--first-after", "2d", "--every", "3d", "--max", "2",
        "--escalate-to", "anna,bob", "--escalate-after", "7d", "--auto-approve-after", "14d",
        "--warn-before", "2d", "--morning", "08:30", "--time-zone", "Europe/Amsterdam",
        "--staff-to", "Office <office@example.com>",
    )  # fmt: skip
    assert code == 0, err
    assert "first after 2d, then every 3d, at most 2" in out
    assert "to anna, bob after 7d" in out
    assert "after 14d, warned 2d before" in out
    assert "08:30 Europe/Amsterdam" in out
    # A later set changes only what it names.
    code, _, err = run(empty_db, "reminders", "set", "--auto-approve-after", "none")
    assert code == 2
    assert "there is no auto-approval to warn of" in err  # the stored warning needs it
    code, out, _ = run(
        empty_db, "reminders", "set", "--max", "4", "--auto-approve-after", "none",
        "--warn-before", "none",
    )  # fmt: skip
    assert code == 0
    code, out, _ = run(empty_db, "reminders", "show", "--json")
    stored = json.loads(out)
    assert stored["max_reminders"] == 4
    assert stored["auto_approve_after"] is None
    assert stored["escalate_to"] == ["anna", "bob"]
    assert run(empty_db, "reminders", "off")[1] == "reminder policy removed\n"
    assert run(empty_db, "reminders", "off")[1] == "there was no reminder policy\n"


def test_bad_values_are_refused_with_every_reason_and_nothing_is_stored(empty_db: str) -> None:
    code, _, err = run(empty_db, "reminders", "set", "--every", "2 weeks")
    assert code == 2
    assert "'2 weeks' is not a duration: write it as 2d, 36h, 1d12h or 90m" in err
    code, _, err = run(
        empty_db, "reminders", "set", "--every", "6h", "--time-zone", "Mars/Base",
        "--warn-before", "1d",
    )  # fmt: skip
    assert code == 2
    assert "every: reminders go out at most once a day" in err
    assert "'Mars/Base' is not an IANA time zone" in err
    assert "there is no auto-approval to warn of" in err
    assert "Traceback" not in err
    assert run(empty_db, "reminders", "show")[1].startswith("no reminder policy")


def test_durations_and_the_stored_form_round_trip() -> None:
    for text in ("2d", "36h", "1d12h", "90m", "1d1h1m"):
        assert show_span(parse_span(text)) == show_span(parse_span(show_span(parse_span(text))))
    assert parse_span("1d12h") == dt.timedelta(days=1, hours=12)
    policy = ReminderPolicy(
        escalate_to=("a",), escalate_after=dt.timedelta(days=3), morning=dt.time(7, 15)
    )
    assert policy_from_json(json.loads(json.dumps(policy_to_json(policy)))) == policy


def test_the_worker_sends_the_due_reminders_once(demo_db: str) -> None:
    code, out, _ = run(demo_db, "worker", "--once", "--smtp", "127.0.0.1:9")
    assert "reminders: no reminder policy" in out
    # The demo's requests went out a day ago, and the contacts' morning is a minute ago.
    now = dt.datetime.now(dt.UTC)
    morning = (now - dt.timedelta(minutes=1)).strftime("%H:%M")
    engine = sa.create_engine(demo_db)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE cp_approval_requests SET created_at = :at"),
            {"at": now - dt.timedelta(days=1)},
        )
        requests = conn.execute(sa.text("SELECT COUNT(*) FROM cp_approval_requests")).scalar()
    engine.dispose()
    assert requests
    code, _, err = run(
        demo_db, "reminders", "set", "--first-after", "1m", "--every", "1d", "--morning", morning
    )
    assert code == 0, err
    code, out, _ = run(demo_db, "worker", "--once", "--no-reminders")
    assert "reminders: no reminder policy" in out
    code, out, _ = run(demo_db, "worker", "--once")
    assert "reminders: 0 sent" not in out
    sent = int(out.split("reminders: ")[1].split(" sent")[0])
    assert sent >= 1
    code, out, _ = run(demo_db, "worker", "--once")
    assert "reminders: 0 sent, 0 escalated, 0 warned, 0 approved by the policy" in out
