"""Reminders (``service/reminders.py``) over a memory store with a clock moved forward: the
digests, the escalation, the warning and the approval by the policy, each once; reminders stop
when the items are decided; the staff's digests; two workers at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    ConfigError,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    Workflow,
)
from clientportal.memory import ManualClock
from clientportal.ports import Event
from clientportal.reminders import (
    ReminderPolicy,
    auto_approval_at,
    local_day,
    reminder_at,
    warning_at,
)
from clientportal.service.reminders import ReminderReport
from clientportal.worker import work_once
from clientportal.workflow import Party
from worlds import (
    MAIL,
    MAX,
    OPEN_ON_WEB,
    SECRET,
    T0,
    acme_portal,
    mails_of,
    service_dataset,
    text_of,
    visit_as,
)

POLICY = ReminderPolicy(
    first_after=dt.timedelta(days=1),
    every=dt.timedelta(days=2),
    max_reminders=2,
    escalate_to=("bob",),
    escalate_after=dt.timedelta(days=4),
    auto_approve_after=dt.timedelta(days=7),
    warn_before_auto_approve=dt.timedelta(days=2),
    time_zone="Europe/Amsterdam",
)


def utc(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


class World:
    """A service with ``POLICY`` (or ``policy``) over a memory store, the clock at T0 (Monday
    2 March 2026, 09:00 UTC = 10:00 in Amsterdam)."""

    def __init__(
        self,
        policy: ReminderPolicy | None = POLICY,
        *,
        workflow: Workflow = Workflow.EXTERNAL,
        portal_reminders: dict[str, ReminderPolicy] | None = None,
    ) -> None:
        self.store = MemoryStore()
        self.store.put_portal(acme_portal())
        self.clock = ManualClock(T0)
        self.service = PortalService(
            MemoryDataSource(service_dataset(), self.store),
            self.store,
            mail=MAIL,
            secret_keys=[SECRET],
            clock=self.clock,
            policy=ApprovalPolicy(enabled=True, workflow=workflow),
            reminders=policy,
            portal_reminders=portal_reminders,
        )
        self._seen_mail: set[str] = {m.id for m in self.store.pending()}
        self._seen_events = self._last_event()

    def _last_event(self) -> str | None:
        events = self.store.events(after=None, limit=1000)
        return events[-1].id if events else None

    def run(self, at: dt.datetime) -> ReminderReport:
        self.clock.set(at)
        return self.service.reminders.run()

    def new_mail(self) -> list[EmailMessage]:
        new = [m for m in self.store.pending() if m.id not in self._seen_mail]
        self._seen_mail |= {m.id for m in new}
        return mails_of(new)

    def new_events(self, prefix: str = "reminder.") -> list[Event]:
        events = self.store.events(after=self._seen_events, limit=1000)
        if events:
            self._seen_events = events[-1].id
        return [e for e in events if e.type.startswith(prefix)]


def asked() -> World:
    w = World()
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    w.new_mail()
    w.new_events()
    return w


def to(mails: Sequence[EmailMessage]) -> list[str]:
    return sorted(str(m["To"]) for m in mails)


# --------------------------------------------------------------------------------------------------
# The contact's reminders


def test_the_first_reminder_is_one_digest_per_contact_in_their_morning_and_sent_once() -> None:
    w = asked()
    # Asked Monday 10:00 in Amsterdam; first reminder a day later, in the next morning: Wednesday
    # 09:00 CET (08:00 UTC).
    assert w.run(utc(3, 3, 12)) == ReminderReport()
    assert w.run(utc(3, 4, 7, 59)) == ReminderReport()
    assert w.run(utc(3, 4, 8)) == ReminderReport(reminders=2)
    mails = w.new_mail()
    assert to(mails) == ["Anna de Vries <anna@acme.example>", "Bob Jones <bob@acme.example>"]
    anna = next(m for m in mails if "anna" in str(m["To"]))
    assert str(anna["Subject"]) == "Reminder: approval awaited in Acme website"
    text = text_of(anna)
    assert "still await your approval" in text
    assert "6 time entries" in text
    assert "https://portal.example.com/open/" in text  # her own personal link
    events = w.new_events()
    assert [(e.type, e.data["contact_id"], e.data["number"]) for e in events] == [
        ("reminder.sent", "anna", 1),
        ("reminder.sent", "bob", 1),
    ]
    assert {i["id"] for i in events[0].data["items"]} == set(OPEN_ON_WEB)
    # The same day again: nothing more.
    assert w.run(utc(3, 4, 8)) == ReminderReport()
    assert w.run(utc(3, 4, 22)) == ReminderReport()
    assert w.new_mail() == []


def test_reminders_follow_every_and_stop_at_the_maximum() -> None:
    w = asked()
    w.run(utc(3, 4, 8))
    w.new_events()
    assert w.run(utc(3, 5, 8)) == ReminderReport()  # Thursday: not due
    assert w.run(utc(3, 6, 8)) == ReminderReport(reminders=2)  # Friday: the second
    assert {e.data["number"] for e in w.new_events("reminder.sent")} == {2}
    for day in (7, 8, 9):  # no third reminder (max_reminders=2)
        report = w.run(utc(3, day, 8))
        assert report.reminders == 0


def test_reminders_stop_the_moment_the_items_are_decided() -> None:
    w = asked()
    w.run(utc(3, 4, 8))
    w.new_mail()
    w.clock.set(utc(3, 5, 12))
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, OPEN_ON_WEB)
    w.new_mail()
    w.new_events()
    # Nothing awaits anybody now: no reminder, escalation, warning or approval ever.
    for day in range(6, 16):
        assert w.run(utc(3, day, 8)) == ReminderReport()
    assert w.new_mail() == []
    assert w.new_events() == []


def test_a_partly_decided_request_reminds_of_the_rest_only() -> None:
    w = asked()
    w.clock.set(utc(3, 3, 12))
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1", "w2"])
    w.new_mail()
    w.run(utc(3, 4, 8))
    [sent, _] = w.new_events("reminder.sent")
    assert {i["id"] for i in sent.data["items"]} == {"w3", "w4", "w5", "w6"}
    assert "4 time entries" in text_of(w.new_mail()[0])


# --------------------------------------------------------------------------------------------------
# Escalation, warning, approval by the policy


def test_escalation_warning_and_auto_approval_each_happen_once_at_their_times() -> None:
    w = asked()
    w.run(utc(3, 4, 8))
    w.run(utc(3, 6, 8))
    w.new_mail()
    w.new_events()
    # Escalation: 4 days after, in the morning: Saturday 09:00 CET. Only anna's request has
    # somebody else to escalate to (bob); bob is not escalated to himself.
    assert w.run(utc(3, 7, 7)) == ReminderReport()
    assert w.run(utc(3, 7, 8)) == ReminderReport(escalations=1)
    [escalated] = w.new_mail()
    assert str(escalated["To"]) == "Bob Jones <bob@acme.example>"
    assert "Anna de Vries was asked on" in text_of(escalated)
    [event] = w.new_events()
    assert event.type == "reminder.escalated"
    assert event.data["contact_ids"] == ["bob"]
    assert event.data["asked_contact_id"] == "anna"
    assert w.run(utc(3, 7, 9)).escalations == 0
    # Approval by the policy: 7 days after, in the morning (Tuesday 10 March 09:00 CET); the
    # warning two days before, in the morning (Sunday 8 March).
    assert w.run(utc(3, 8, 7)) == ReminderReport()
    assert w.run(utc(3, 8, 8)) == ReminderReport(warnings=2)
    warnings = w.new_mail()
    assert to(warnings) == ["Anna de Vries <anna@acme.example>", "Bob Jones <bob@acme.example>"]
    assert "approved automatically on" in text_of(warnings[0])
    events = w.new_events()
    assert {e.type for e in events} == {"reminder.warned"}
    assert events[0].data["approve_at"] == "2026-03-10T08:00:00+00:00"
    assert w.run(utc(3, 9, 8)) == ReminderReport()
    assert w.run(utc(3, 10, 8)) == ReminderReport(auto_approved=6)
    for entry_id in OPEN_ON_WEB:
        last = w.service.approvals.history(entry_id)[-1]
        assert last.after.status is ApprovalStatus.APPROVED
        assert last.actor.party is Party.POLICY
    notices = w.new_mail()
    assert [str(m["To"]) for m in notices] == ["Office <office@example.com>, boss@example.com"]
    assert "approved automatically by the reminder policy" in text_of(notices[0])
    assert w.run(utc(3, 10, 9)) == ReminderReport()
    assert w.run(utc(3, 11, 8)) == ReminderReport()


def test_a_portal_policy_replaces_the_company_policy() -> None:
    w = World(None, portal_reminders={"acme-web": POLICY})
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    assert w.run(utc(3, 4, 8)).reminders == 2
    nobody = World(None)
    nobody.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    assert not nobody.service.reminders.active
    assert nobody.run(utc(3, 4, 8)) == ReminderReport()


def test_a_policy_that_is_not_one_is_refused() -> None:
    with pytest.raises(ConfigError, match="portal_reminders"):
        World(None, portal_reminders={"acme-web": "weekly"})  # type: ignore[dict-item]


# --------------------------------------------------------------------------------------------------
# The staff


def test_the_staff_digest_lists_what_awaits_them_once_a_day() -> None:
    staff = ReminderPolicy(
        max_reminders=0,
        staff_recipients=("Approvers <approvers@example.com>",),
        staff_after=dt.timedelta(hours=20),
        staff_every=dt.timedelta(days=1),
    )
    w = World(staff, workflow=Workflow.INTERNAL_EXTERNAL)
    w.service.approvals.submit(["w1", "w2"], by=MAX)  # now PENDING_INTERNAL
    w.new_mail()
    assert w.run(utc(3, 3, 8)) == ReminderReport()
    assert w.run(utc(3, 3, 9)) == ReminderReport(staff=1)
    [digest] = w.new_mail()
    assert str(digest["To"]) == "Approvers <approvers@example.com>"
    assert str(digest["Subject"]) == "Awaiting the staff's approval: 2"
    text = text_of(digest)
    assert "Eva" in text
    [event] = w.new_events()
    assert event.type == "reminder.staff_sent"
    assert {i["id"] for i in event.data["items"]} == {"w1", "w2"}
    assert w.run(utc(3, 3, 18)) == ReminderReport()
    assert w.run(utc(3, 4, 9)) == ReminderReport(staff=1)
    w.clock.set(utc(3, 4, 12))
    w.service.approvals.approve(["w1", "w2"], by=MAX)
    assert w.run(utc(3, 5, 9)) == ReminderReport()


# --------------------------------------------------------------------------------------------------
# Several workers


def test_two_workers_at_once_send_each_reminder_once() -> None:
    w = asked()
    w.clock.set(utc(3, 4, 8))
    reports: list[ReminderReport] = []
    start = threading.Barrier(4)

    def worker() -> None:
        start.wait()
        reports.append(w.service.reminders.run())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.reminders for r in reports) == 2
    assert len(w.new_mail()) == 2
    # Only the worker that claimed a digest issues its personal link: one per contact, and none
    # more when the workers come round again that day.
    for _ in range(3):
        assert w.service.reminders.run() == ReminderReport()
    issued = [link for link in w.store.list_links("acme-web") if link.created_at == utc(3, 4, 8)]
    assert sorted(link.contact_id or "" for link in issued) == ["anna", "bob"]
    assert all(link.revoked_at is None for link in issued)
    assert [e.type for e in w.new_events("link.")] == ["link.issued", "link.issued"]


def test_the_worker_runs_the_reminders_with_its_clock() -> None:
    w = asked()
    w.clock.set(utc(3, 4, 8))
    report = work_once(w.store, clock=w.clock, reminders=w.service.reminders)
    assert report.reminders == ReminderReport(reminders=2)
    assert report.busy
    again = work_once(w.store, clock=w.clock, reminders=w.service.reminders)
    assert again.reminders == ReminderReport()
    assert not work_once(w.store, clock=w.clock).busy


def test_a_contact_no_longer_on_the_portal_is_not_reminded() -> None:
    w = asked()
    w.store.put_portal(acme_portal(contact_ids=frozenset({"bob"})))
    assert w.run(utc(3, 4, 8)) == ReminderReport(reminders=1)
    assert to(w.new_mail()) == ["Bob Jones <bob@acme.example>"]


# --------------------------------------------------------------------------------------------------
# Whenever the worker runs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=12 * 24 * 60), min_size=1, max_size=25))
def test_whenever_the_worker_runs_each_step_happens_at_most_once_and_on_its_day(
    minutes: list[int],
) -> None:
    w = asked()
    runs = sorted(T0 + dt.timedelta(minutes=m) for m in minutes)
    for at in runs:
        w.run(at)
    events = w.new_events()
    sent = [e for e in events if e.type == "reminder.sent"]
    # At most one reminder a day per contact, never past the maximum.
    days = [(e.data["contact_id"], local_day(e.occurred_at, POLICY)) for e in sent]
    assert len(days) == len(set(days))
    assert all(1 <= e.data["number"] <= POLICY.max_reminders for e in sent)
    # A reminder went out on exactly the days a run came after one that was due that day
    # (before the policy approved everything).
    approve_at = auto_approval_at(POLICY, T0)
    assert approve_at is not None
    due = [reminder_at(POLICY, T0, n) for n in range(1, POLICY.max_reminders + 1)]
    expected = {
        local_day(t, POLICY)
        for t in runs
        for d in due
        if d is not None and d <= t < approve_at and local_day(d, POLICY) == local_day(t, POLICY)
    }
    assert {day for contact, day in days if contact == "anna"} == expected
    # Escalation and warnings once per request, the approval once per item.
    assert len([e for e in events if e.type == "reminder.escalated"]) <= 1
    assert len([e for e in events if e.type == "reminder.warned"]) <= 2
    # The policy approves only after its warning went out (at the first run from the warning's
    # time on), and no sooner than warn_before_auto_approve after it.
    warn_at = warning_at(POLICY, T0)
    assert warn_at is not None
    assert POLICY.warn_before_auto_approve is not None
    warned = next((t for t in runs if t >= warn_at), None)
    approved = warned is not None and runs[-1] >= max(
        approve_at, warned + POLICY.warn_before_auto_approve
    )
    for entry_id in OPEN_ON_WEB:
        approvals = [
            e
            for e in w.service.approvals.history(entry_id)
            if e.after.status is ApprovalStatus.APPROVED
        ]
        assert len(approvals) == (1 if approved else 0)


def test_the_worker_refuses_a_reminder_interval_that_is_not_positive() -> None:
    from clientportal.worker import run_worker

    w = World()
    with pytest.raises(ConfigError, match="reminders_every must be a positive number"):
        run_worker(
            w.store, stop=threading.Event(), reminders=w.service.reminders, reminders_every=0
        )
