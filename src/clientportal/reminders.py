"""When a contact is reminded, escalated, warned and approved for: the reminder policy and its
schedule, as pure functions of time.

A :class:`ReminderPolicy` is the company's (or one portal's) answer to "what happens when a
client does not answer an approval request". Every time it gives is counted from when the
items were asked (the request's ``created_at``) and lands in the contact's morning: the first
instant at or after the computed time at which the clock in the policy's ``time_zone`` shows
``morning`` (:func:`next_morning`; a morning that a daylight-saving jump skips is taken just
after the jump, an ambiguous one at its first occurrence).

- reminder ``n`` (1 to ``max_reminders``): the morning at or after
  ``asked + first_after + (n - 1) × every`` (:func:`reminder_at`);
- the escalation to the ``escalate_to`` contacts: the morning at or after
  ``asked + escalate_after`` (:func:`escalation_at`);
- the approval by the policy: the morning at or after ``asked + auto_approve_after``
  (:func:`auto_approval_at`), and the warning before it: the latest morning that leaves at
  least ``warn_before_auto_approve`` before the approval, not before the request was made (when
  no morning fits, exactly ``warn_before_auto_approve`` before the approval)
  (:func:`warning_at`);
- the staff's digest of items awaiting them: the morning at or after
  ``since + staff_after + (k - 1) × staff_every`` for ``k`` = 1, 2, ... while they wait
  (:func:`staff_reminder_at`).

Nothing here reads a clock or a store: the worker (:mod:`clientportal.service.reminders`)
passes ``now`` in.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from email.utils import getaddresses
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attrs import field, frozen

from . import _validators as cv
from .errors import ConfigError

__all__ = [
    "ReminderPolicy",
    "auto_approval_at",
    "due_on_day",
    "escalation_at",
    "latest_reminder",
    "local_day",
    "next_morning",
    "policy_problems",
    "previous_morning",
    "reminder_at",
    "staff_due",
    "staff_reminder_at",
    "warning_at",
    "zone",
]

_DAY = dt.timedelta(days=1)


def _tuple(value: Any) -> Any:
    """A list or tuple as a tuple (anything else is left for the checks to name)."""
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``ValueError`` naming it when there is none such)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(
            f"time_zone {name!r} is not an IANA time zone (such as 'Europe/Amsterdam' or 'UTC')"
        ) from error


def _positive(name: str, value: object, problems: list[str], *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        what = "a positive timedelta" + (" or None" if optional else "")
        problems.append(f"{name}: must be {what} (e.g. timedelta(days=2)), got {value!r}")


@frozen(kw_only=True)
class ReminderPolicy:
    """What happens to an approval request nobody answers (see the module's docstring for the
    times each part gives).

    ``first_after``, ``every`` and ``max_reminders``: the reminders to the contact asked (a
    digest of everything still awaiting them; ``max_reminders=0`` sends none). ``escalate_to``
    (contact ids of the same client) are told of items still unanswered ``escalate_after`` the
    request, once. ``auto_approve_after`` (``None``: never) lets the policy approve for the
    client, after warning them ``warn_before_auto_approve`` before (``None``: no warning).
    ``morning`` (a local time without a zone) and ``time_zone`` (IANA) say when the e-mails go
    out. ``staff_recipients`` (e-mail addresses, ``"a@b.example"`` or ``"Name <a@b.example>"``)
    receive a digest of the items awaiting the staff's approval, first ``staff_after`` they
    started waiting, then every ``staff_every``.

    Reminders, escalations and staff digests go out at most once a day: ``every`` and
    ``staff_every`` are at least a day. Every problem is named at once in a
    :class:`~clientportal.ConfigError`.
    """

    first_after: dt.timedelta = dt.timedelta(days=2)
    every: dt.timedelta = dt.timedelta(days=2)
    max_reminders: int = 3
    escalate_to: tuple[str, ...] = field(default=(), converter=_tuple)
    escalate_after: dt.timedelta | None = None
    auto_approve_after: dt.timedelta | None = None
    warn_before_auto_approve: dt.timedelta | None = None
    morning: dt.time = dt.time(9, 0)
    time_zone: str = "UTC"
    staff_recipients: tuple[str, ...] = field(default=(), converter=_tuple)
    staff_after: dt.timedelta = dt.timedelta(days=1)
    staff_every: dt.timedelta = dt.timedelta(days=1)

    def __attrs_post_init__(self) -> None:
        problems = policy_problems(self)
        if problems:
            raise ConfigError(problems, subject="the reminder policy")

    @property
    def zone(self) -> ZoneInfo:
        """The policy's time zone."""
        return zone(self.time_zone)

    @property
    def staff_addresses(self) -> tuple[tuple[str, str], ...]:
        """``staff_recipients`` as (name, address) pairs."""
        return tuple(_parse_address(item) for item in self.staff_recipients)


def _parse_address(item: str) -> tuple[str, str]:
    pairs = getaddresses([item])
    return pairs[0] if len(pairs) == 1 else ("", "")


def policy_problems(policy: ReminderPolicy) -> list[str]:
    """Everything wrong with ``policy``, one sentence each (empty when it is valid)."""
    p = policy
    problems: list[str] = []
    _positive("first_after", p.first_after, problems)
    _positive("every", p.every, problems)
    if isinstance(p.every, dt.timedelta) and dt.timedelta(0) < p.every < _DAY:
        problems.append(
            f"every: reminders go out at most once a day, so at least 1 day, got {p.every}"
        )
    if isinstance(p.max_reminders, bool) or not isinstance(p.max_reminders, int):
        problems.append(f"max_reminders: must be a whole number, got {p.max_reminders!r}")
    elif not 0 <= p.max_reminders <= 100:
        problems.append(f"max_reminders: must be 0 to 100, got {p.max_reminders}")
    if not isinstance(p.escalate_to, tuple):
        problems.append(f"escalate_to: must be a list of contact ids, got {p.escalate_to!r}")
    else:
        for contact_id in p.escalate_to:
            why = (
                "must be a string" if not isinstance(contact_id, str) else cv.id_problem(contact_id)
            )
            if why is not None:
                problems.append(f"escalate_to: {contact_id!r} {why}")
        if len(set(p.escalate_to)) != len(p.escalate_to):
            problems.append("escalate_to: names a contact twice")
    _positive("escalate_after", p.escalate_after, problems, optional=True)
    if p.escalate_to and p.escalate_after is None:
        problems.append(
            "escalate_after: needed when escalate_to names contacts (e.g. timedelta(days=7))"
        )
    if p.escalate_after is not None and isinstance(p.escalate_to, tuple) and not p.escalate_to:
        problems.append(
            "escalate_to: name the contacts to escalate to, or leave escalate_after None"
        )
    _positive("auto_approve_after", p.auto_approve_after, problems, optional=True)
    _positive("warn_before_auto_approve", p.warn_before_auto_approve, problems, optional=True)
    if p.warn_before_auto_approve is not None:
        if p.auto_approve_after is None:
            problems.append(
                "warn_before_auto_approve: there is no auto-approval to warn of: set "
                "auto_approve_after too, or leave the warning None"
            )
        elif (
            isinstance(p.auto_approve_after, dt.timedelta)
            and isinstance(p.warn_before_auto_approve, dt.timedelta)
            and p.warn_before_auto_approve >= p.auto_approve_after
        ):
            problems.append(
                f"warn_before_auto_approve: must be shorter than auto_approve_after "
                f"({p.auto_approve_after}), got {p.warn_before_auto_approve}"
            )
    if not isinstance(p.morning, dt.time) or p.morning.tzinfo is not None:
        problems.append(
            f"morning: must be a local time without a zone (e.g. time(9, 0)), got {p.morning!r}"
        )
    if not isinstance(p.time_zone, str):
        problems.append(f"time_zone: must be an IANA time zone name, got {p.time_zone!r}")
    else:
        try:
            zone(p.time_zone)
        except ValueError as error:
            problems.append(str(error))
    if not isinstance(p.staff_recipients, tuple):
        problems.append(
            f"staff_recipients: must be a list of e-mail addresses, got {p.staff_recipients!r}"
        )
    else:
        for item in p.staff_recipients:
            address = _parse_address(item)[1] if isinstance(item, str) else item
            why = cv.email_problem(address)
            if why is not None:
                problems.append(
                    f"staff_recipients: {item!r} is not an e-mail address ('office@example.com' "
                    f"or 'Office <office@example.com>'): {why}"
                )
    _positive("staff_after", p.staff_after, problems)
    _positive("staff_every", p.staff_every, problems)
    if isinstance(p.staff_every, dt.timedelta) and dt.timedelta(0) < p.staff_every < _DAY:
        problems.append(
            f"staff_every: staff digests go out at most once a day, so at least 1 day, got "
            f"{p.staff_every}"
        )
    return problems


# --------------------------------------------------------------------------------------------------
# Mornings


def _morning_of(day: dt.date, morning: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The instant the clock in ``tz`` shows ``morning`` on ``day`` (in UTC): the first one when
    it shows it twice; when a jump forward skips it, the instant of the jump (the first local
    time after it)."""
    wall = dt.datetime.combine(day, morning)
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    # In a gap, fold=0 reads the wall time with the offset before the jump (an instant after
    # it) and fold=1 with the one after (an instant before it): the jump lies between.
    low = int(wall.replace(tzinfo=tz, fold=1).astimezone(dt.UTC).timestamp())
    high = int(instant.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        shown = dt.datetime.fromtimestamp(middle, dt.UTC).astimezone(tz).replace(tzinfo=None)
        if shown >= wall:
            high = middle
        else:
            low = middle
    return dt.datetime.fromtimestamp(high, dt.UTC)


def _check_aware(name: str, at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {at.isoformat()}")


def next_morning(at: dt.datetime, morning: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The first instant at or after ``at`` at which the clock in ``tz`` shows ``morning``
    (in UTC; see :func:`_morning_of` for daylight-saving days)."""
    _check_aware("at", at)
    day = at.astimezone(tz).date() - _DAY
    while True:
        candidate = _morning_of(day, morning, tz)
        if candidate >= at:
            return candidate
        day += _DAY


def previous_morning(at: dt.datetime, morning: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The latest instant at or before ``at`` at which the clock in ``tz`` shows ``morning``."""
    _check_aware("at", at)
    day = at.astimezone(tz).date() + _DAY
    while True:
        candidate = _morning_of(day, morning, tz)
        if candidate <= at:
            return candidate
        day -= _DAY


def local_day(at: dt.datetime, policy: ReminderPolicy) -> dt.date:
    """The date the clock in the policy's time zone shows at ``at``."""
    _check_aware("at", at)
    return at.astimezone(policy.zone).date()


def _morning(policy: ReminderPolicy, at: dt.datetime) -> dt.datetime:
    return next_morning(at, policy.morning, policy.zone)


# --------------------------------------------------------------------------------------------------
# The schedule of one request


def reminder_at(policy: ReminderPolicy, asked_at: dt.datetime, n: int) -> dt.datetime | None:
    """When reminder ``n`` (from 1) of a request made at ``asked_at`` is due; ``None`` past
    ``max_reminders``."""
    if n < 1:
        raise ValueError(f"n must be 1 or more (the first reminder is 1), got {n}")
    if n > policy.max_reminders:
        return None
    return _morning(policy, asked_at + policy.first_after + (n - 1) * policy.every)


def latest_reminder(
    policy: ReminderPolicy, asked_at: dt.datetime, now: dt.datetime
) -> tuple[int, dt.datetime] | None:
    """The last reminder of a request made at ``asked_at`` that is due at ``now``, as its
    number and due time; ``None`` before the first (or with ``max_reminders=0``)."""
    _check_aware("now", now)
    found: tuple[int, dt.datetime] | None = None
    for n in range(1, policy.max_reminders + 1):
        at = reminder_at(policy, asked_at, n)
        if at is None or at > now:
            break
        found = (n, at)
    return found


def due_on_day(policy: ReminderPolicy, due: dt.datetime | None, now: dt.datetime) -> bool:
    """True when ``due`` has come by ``now`` on the same local day: what the worker sends now.

    A reminder that could not go out on its own day (no worker ran) is not sent later: the
    next one comes in its morning."""
    return due is not None and due <= now and local_day(due, policy) == local_day(now, policy)


def escalation_at(policy: ReminderPolicy, asked_at: dt.datetime) -> dt.datetime | None:
    """When a request made at ``asked_at`` is escalated; ``None`` when the policy never
    escalates."""
    if policy.escalate_after is None or not policy.escalate_to:
        return None
    return _morning(policy, asked_at + policy.escalate_after)


def auto_approval_at(policy: ReminderPolicy, asked_at: dt.datetime) -> dt.datetime | None:
    """When the policy approves what a request made at ``asked_at`` listed and is still
    unanswered; ``None`` when it never does."""
    if policy.auto_approve_after is None:
        return None
    return _morning(policy, asked_at + policy.auto_approve_after)


def warning_at(policy: ReminderPolicy, asked_at: dt.datetime) -> dt.datetime | None:
    """When the contact is warned of the approval by the policy (:func:`auto_approval_at`):
    the latest morning that leaves at least ``warn_before_auto_approve``, and not before the
    request; exactly that long before when no morning fits. ``None`` without a warning."""
    approve_at = auto_approval_at(policy, asked_at)
    if approve_at is None or policy.warn_before_auto_approve is None:
        return None
    latest = approve_at - policy.warn_before_auto_approve
    morning = previous_morning(latest, policy.morning, policy.zone)
    return morning if morning >= asked_at else latest


# --------------------------------------------------------------------------------------------------
# The staff's digests


def staff_reminder_at(policy: ReminderPolicy, since: dt.datetime, k: int) -> dt.datetime:
    """When the ``k``-th staff digest (from 1) names an item awaiting the staff since
    ``since``."""
    if k < 1:
        raise ValueError(f"k must be 1 or more, got {k}")
    return _morning(policy, since + policy.staff_after + (k - 1) * policy.staff_every)


def staff_due(policy: ReminderPolicy, since: Iterable[dt.datetime], now: dt.datetime) -> bool:
    """True when a staff digest is due at ``now``: some item waiting since one of ``since``
    has a digest due on ``now``'s local day (:func:`due_on_day`)."""
    if not policy.staff_recipients:
        return False
    for start in since:
        first = staff_reminder_at(policy, start, 1)
        if first > now:
            continue
        # The digest due last by now: step on from the first by whole staff_every periods.
        periods = int((now - first) / policy.staff_every)
        k = periods + 1
        while k > 1 and staff_reminder_at(policy, start, k) > now:
            k -= 1
        while staff_reminder_at(policy, start, k + 1) <= now:
            k += 1
        if due_on_day(policy, staff_reminder_at(policy, start, k), now):
            return True
    return False
