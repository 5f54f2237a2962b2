"""The reminder policy (``clientportal/reminders.py``): its validation, and the schedule's
properties in any time zone, across daylight-saving days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientportal import ConfigError
from clientportal.reminders import (
    ReminderPolicy,
    auto_approval_at,
    due_on_day,
    escalation_at,
    latest_reminder,
    local_day,
    next_morning,
    previous_morning,
    reminder_at,
    staff_due,
    staff_reminder_at,
    warning_at,
)

ZONES = ["UTC", "Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2030, 12, 31),
    timezones=st.just(dt.UTC),
)
mornings = st.times(min_value=dt.time(0, 0), max_value=dt.time(23, 59)).map(
    lambda t: t.replace(second=0, microsecond=0)
)
days = st.integers(min_value=1, max_value=30).map(lambda n: dt.timedelta(days=n))
spans = st.integers(min_value=1, max_value=60 * 24 * 30).map(lambda n: dt.timedelta(minutes=n))


@st.composite
def policies(draw: st.DrawFn) -> ReminderPolicy:
    auto = draw(st.none() | spans.filter(lambda s: s > dt.timedelta(hours=2)))
    warn = None
    if auto is not None and draw(st.booleans()):
        most = int(auto / dt.timedelta(minutes=1)) - 1
        warn = dt.timedelta(minutes=draw(st.integers(min_value=1, max_value=most)))
    escalate = draw(st.booleans())
    return ReminderPolicy(
        first_after=draw(spans),
        every=draw(days),
        max_reminders=draw(st.integers(min_value=0, max_value=6)),
        escalate_to=("boss",) if escalate else (),
        escalate_after=draw(spans) if escalate else None,
        auto_approve_after=auto,
        warn_before_auto_approve=warn,
        morning=draw(mornings),
        time_zone=draw(st.sampled_from(ZONES)),
        staff_recipients=("office@example.com",),
        staff_after=draw(spans),
        staff_every=draw(days),
    )


def _shows(at: dt.datetime, morning: dt.time, zone: ZoneInfo) -> bool:
    return at.astimezone(zone).time().replace(tzinfo=None) == morning


# --------------------------------------------------------------------------------------------------
# Validation


def test_a_bad_policy_names_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        ReminderPolicy(
            first_after=dt.timedelta(0),
            every=dt.timedelta(hours=6),
            max_reminders=-1,
            escalate_to=("anna", " "),
            warn_before_auto_approve=dt.timedelta(days=1),
            morning=dt.time(9, tzinfo=dt.UTC),
            time_zone="Mars/Olympus",
            staff_recipients=("not an address",),
            staff_every=dt.timedelta(hours=1),
        )
    problems = raised.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "first_after",
        "every",
        "max_reminders",
        "escalate_to",
        "escalate_after",
        "warn_before_auto_approve",
        "morning",
        "time_zone 'Mars/Olympus' is not an IANA time zone (such as 'Europe/Amsterdam' or 'UTC')",
        "staff_recipients",
        "staff_every",
    ]
    assert "the reminder policy is not valid" in str(raised.value)


def test_a_warning_must_come_before_the_approval_it_announces() -> None:
    with pytest.raises(ConfigError, match="must be shorter than auto_approve_after"):
        ReminderPolicy(
            auto_approve_after=dt.timedelta(days=2), warn_before_auto_approve=dt.timedelta(days=2)
        )
    with pytest.raises(ConfigError, match="name the contacts to escalate to"):
        ReminderPolicy(escalate_after=dt.timedelta(days=2))


def test_the_defaults_and_named_recipients_are_valid() -> None:
    policy = ReminderPolicy(staff_recipients=["Office <office@example.com>", "b@example.com"])
    assert policy.staff_recipients == ("Office <office@example.com>", "b@example.com")
    assert policy.staff_addresses == (("Office", "office@example.com"), ("", "b@example.com"))
    assert policy.zone == ZoneInfo("UTC")


# --------------------------------------------------------------------------------------------------
# Mornings


@given(instants, mornings, st.sampled_from(ZONES))
def test_next_morning_is_the_first_morning_at_or_after(
    at: dt.datetime, morning: dt.time, name: str
) -> None:
    zone = ZoneInfo(name)
    found = next_morning(at, morning, zone)
    assert found >= at
    assert found - at < dt.timedelta(hours=27)
    assert next_morning(found, morning, zone) == found  # a morning is its own next morning
    shifted = found.astimezone(zone).time().replace(tzinfo=None)
    # The morning itself, or (on the day a jump skips it) the first time after the jump.
    assert shifted == morning or shifted > morning
    # No morning lies strictly between: the minute before the found one is no morning.
    assert next_morning(at, morning, zone) <= next_morning(
        found - dt.timedelta(minutes=1), morning, zone
    )


@given(instants, mornings, st.sampled_from(ZONES))
def test_previous_morning_is_the_latest_morning_at_or_before(
    at: dt.datetime, morning: dt.time, name: str
) -> None:
    zone = ZoneInfo(name)
    found = previous_morning(at, morning, zone)
    assert found <= at
    assert at - found < dt.timedelta(hours=27)
    assert next_morning(found, morning, zone) == found
    assert next_morning(found + dt.timedelta(seconds=1), morning, zone) > at


def test_a_morning_skipped_by_the_spring_jump_is_taken_just_after_it() -> None:
    # 2026-03-29: the clocks in Amsterdam jump from 02:00 to 03:00 (01:00 UTC).
    before = dt.datetime(2026, 3, 28, 12, tzinfo=dt.UTC)
    found = next_morning(before, dt.time(2, 30), AMSTERDAM)
    assert found == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)
    assert found.astimezone(AMSTERDAM).time() == dt.time(3, 0)


def test_an_ambiguous_autumn_morning_is_its_first_occurrence_and_nine_stays_nine() -> None:
    # 2026-10-25: 03:00 CEST becomes 02:00 CET, 02:30 happens twice.
    found = next_morning(dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC), dt.time(2, 30), AMSTERDAM)
    assert found == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    nine = next_morning(dt.datetime(2026, 10, 25, 0, tzinfo=dt.UTC), dt.time(9), AMSTERDAM)
    assert nine == dt.datetime(2026, 10, 25, 8, 0, tzinfo=dt.UTC)  # 09:00 CET
    before = next_morning(dt.datetime(2026, 10, 24, 0, tzinfo=dt.UTC), dt.time(9), AMSTERDAM)
    assert before == dt.datetime(2026, 10, 24, 7, 0, tzinfo=dt.UTC)  # 09:00 CEST


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_morning(dt.datetime(2026, 1, 1), dt.time(9), AMSTERDAM)


# --------------------------------------------------------------------------------------------------
# The schedule of a request


@given(policies(), instants)
def test_reminders_come_in_the_morning_in_order_and_stop_at_the_maximum(
    policy: ReminderPolicy, asked: dt.datetime
) -> None:
    times = [reminder_at(policy, asked, n) for n in range(1, policy.max_reminders + 2)]
    assert times[-1] is None
    sent = [t for t in times if t is not None]
    assert len(sent) == policy.max_reminders
    assert sent == sorted(sent)
    for n, at in enumerate(sent, start=1):
        assert at >= asked + policy.first_after + (n - 1) * policy.every
        assert at == next_morning(at, policy.morning, policy.zone)


@given(policies(), instants, spans)
def test_the_latest_reminder_is_the_last_one_due(
    policy: ReminderPolicy, asked: dt.datetime, later: dt.timedelta
) -> None:
    now = asked + later
    latest = latest_reminder(policy, asked, now)
    due = [
        (n, at)
        for n in range(1, policy.max_reminders + 1)
        if (at := reminder_at(policy, asked, n)) is not None and at <= now
    ]
    assert latest == (due[-1] if due else None)


@given(policies(), instants)
def test_escalation_warning_and_approval_times(policy: ReminderPolicy, asked: dt.datetime) -> None:
    escalate = escalation_at(policy, asked)
    if policy.escalate_after is None:
        assert escalate is None
    else:
        assert escalate is not None
        assert escalate >= asked + policy.escalate_after
    approve = auto_approval_at(policy, asked)
    warn = warning_at(policy, asked)
    if policy.auto_approve_after is None:
        assert approve is None
        assert warn is None
        return
    assert approve is not None
    assert approve >= asked + policy.auto_approve_after
    if policy.warn_before_auto_approve is None:
        assert warn is None
        return
    # The warning leaves at least the notice asked for, and never comes before the request.
    assert warn is not None
    assert asked <= warn <= approve - policy.warn_before_auto_approve


def test_a_worked_example_in_amsterdam() -> None:
    policy = ReminderPolicy(
        first_after=dt.timedelta(days=2),
        every=dt.timedelta(days=3),
        max_reminders=2,
        escalate_to=("boss",),
        escalate_after=dt.timedelta(days=7),
        auto_approve_after=dt.timedelta(days=10),
        warn_before_auto_approve=dt.timedelta(days=2),
        time_zone="Europe/Amsterdam",
    )
    asked = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)  # Monday 16:30 in Amsterdam
    nine = dt.time(8, 0)  # 09:00 CET in UTC
    assert reminder_at(policy, asked, 1) == dt.datetime.combine(dt.date(2026, 3, 5), nine, dt.UTC)
    assert reminder_at(policy, asked, 2) == dt.datetime.combine(dt.date(2026, 3, 8), nine, dt.UTC)
    assert reminder_at(policy, asked, 3) is None
    assert escalation_at(policy, asked) == dt.datetime.combine(dt.date(2026, 3, 10), nine, dt.UTC)
    approve = auto_approval_at(policy, asked)
    assert approve == dt.datetime.combine(dt.date(2026, 3, 13), nine, dt.UTC)
    assert warning_at(policy, asked) == dt.datetime.combine(dt.date(2026, 3, 11), nine, dt.UTC)
    with pytest.raises(ValueError, match="1 or more"):
        reminder_at(policy, asked, 0)


def test_a_warning_with_no_morning_to_spare_comes_exactly_the_notice_before() -> None:
    policy = ReminderPolicy(
        auto_approve_after=dt.timedelta(hours=20), warn_before_auto_approve=dt.timedelta(hours=18)
    )
    asked = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    # Monday 10:00 + 20 hours is Tuesday 06:00: approved in Tuesday's morning.
    assert auto_approval_at(policy, asked) == dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC)
    # 18 hours before is Monday 15:00; the morning before it (09:00) precedes the request.
    assert warning_at(policy, asked) == dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    roomy = ReminderPolicy(
        auto_approve_after=dt.timedelta(days=3), warn_before_auto_approve=dt.timedelta(hours=18)
    )
    # Approved Friday 09:00 (Thursday 10:00 + 0); warned the latest morning 18 hours before.
    assert auto_approval_at(roomy, asked) == dt.datetime(2026, 3, 6, 9, tzinfo=dt.UTC)
    assert warning_at(roomy, asked) == dt.datetime(2026, 3, 5, 9, tzinfo=dt.UTC) - dt.timedelta(
        days=0
    )


@given(policies(), instants, spans)
def test_a_reminder_is_sent_on_its_own_local_day_only(
    policy: ReminderPolicy, due: dt.datetime, later: dt.timedelta
) -> None:
    now = due + later
    assert due_on_day(policy, due, now) == (local_day(due, policy) == local_day(now, policy))
    assert not due_on_day(policy, due, due - dt.timedelta(seconds=1))
    assert not due_on_day(policy, None, now)


# --------------------------------------------------------------------------------------------------
# The staff's digests


@given(policies(), instants, spans)
def test_a_staff_digest_is_due_exactly_on_the_days_of_its_schedule(
    policy: ReminderPolicy, since: dt.datetime, later: dt.timedelta
) -> None:
    now = since + later
    schedule = []
    k = 1
    while (at := staff_reminder_at(policy, since, k)) <= now:
        schedule.append(at)
        k += 1
    expected = bool(schedule) and local_day(schedule[-1], policy) == local_day(now, policy)
    assert staff_due(policy, [since], now) == expected


def test_no_staff_digest_without_recipients() -> None:
    policy = ReminderPolicy()
    since = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert not staff_due(policy, [since], since + dt.timedelta(days=1, hours=10))
    with_staff = ReminderPolicy(staff_recipients=("office@example.com",))
    assert staff_due(with_staff, [since], since + dt.timedelta(days=1, hours=10))
    assert not staff_due(with_staff, [since], since + dt.timedelta(days=1, hours=8))


def test_a_bare_string_is_not_a_list_of_contacts_or_addresses() -> None:
    with pytest.raises(ConfigError) as raised:
        ReminderPolicy(
            escalate_to="anna",
            escalate_after=dt.timedelta(days=1),
            staff_recipients="office@example.com",
            max_reminders=True,
        )
    assert raised.value.problems == (
        "max_reminders: must be a whole number, got True",
        "escalate_to: must be a list of contact ids, got 'anna'",
        "staff_recipients: must be a list of e-mail addresses, got 'office@example.com'",
    )
