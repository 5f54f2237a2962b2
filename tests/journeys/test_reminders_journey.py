"""The reminders' journey: hours go to the client and nobody answers. Two workers run at the same
time on one database (SQLite, then PostgreSQL) while the clock moves forward: the first reminder,
the escalation to a second contact, the warning and the approval by the policy each arrive at
aiosmtpd once, at the configured times, in the contacts' morning in Amsterdam."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from attrs import evolve
from parts import OFFICE, SUBMITTED, kade_world, text_of, to_addresses

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    Contact,
    MailSettings,
    PortalService,
    PortalSettings,
    Workflow,
)
from clientportal.memory import ManualClock
from clientportal.reminders import ReminderPolicy
from clientportal.sql import SqlDataSource, SqlStore, load_dataset
from clientportal.worker import run_worker
from clientportal.workflow import Actor, Party
from smtp_sink import SmtpServer

#: Monday 2 March 2026, 10:00 in Amsterdam: the hours go to the client.
ASKED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
POLICY = ReminderPolicy(
    first_after=dt.timedelta(days=1),
    every=dt.timedelta(days=2),
    max_reminders=2,
    escalate_to=("lotte",),
    escalate_after=dt.timedelta(days=3),
    auto_approve_after=dt.timedelta(days=5),
    warn_before_auto_approve=dt.timedelta(days=1),
    time_zone="Europe/Amsterdam",
)
LOTTE = Contact("lotte", "lumen", "Lotte Bakker", "lotte@lumen.example", language="nl")
RUUD = "ruud@lumen.example"


def morning(day: int) -> dt.datetime:
    """09:00 in Amsterdam (CET) on ``day`` March 2026."""
    return dt.datetime(2026, 3, day, 8, 0, tzinfo=dt.UTC)


def service(engine: sa.Engine, clock: ManualClock) -> PortalService:
    """One worker's service (as in its own process): its own store object on the shared
    database, the shared clock."""
    return PortalService(
        SqlDataSource(engine),
        SqlStore(engine),
        secret_keys=["journey-secret-key-0123456789abcdef0123"],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Webbureau Kade",
            sender_address="uren@kade.example",
            message_id_domain="kade.example",
            base_url="https://uren.kade.example/portal",
            company_recipients=[f"Kantoor <{OFFICE}>"],
            company_language="nl",
        ),
        clock=clock,
        reminders=POLICY,
    )


@pytest.fixture
def workers(
    engine: sa.Engine, smtp: SmtpServer
) -> Iterator[tuple[PortalService, ManualClock, sa.Engine]]:
    """Kade's database with its portal for Lumen, and two workers running on it."""
    world = kade_world()
    load_dataset(engine, evolve(world, contacts=(*world.contacts, LOTTE)))
    clock = ManualClock(ASKED)
    first = service(engine, clock)
    first.admin.create_portal(
        id="lumen", client_id="lumen", name="Lumen — nieuwbouw", project_ids=["bim"],
        contact_ids=["ruud", "lotte"], language="nl", settings=PortalSettings(approval=True),
    )  # fmt: skip
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=run_worker,
            args=(SqlStore(engine),),
            kwargs={
                "stop": stop,
                "mailer": smtp.mailer(),
                "clock": clock,
                "reminders": each.reminders,
                "interval": 0.05,
                "reminders_every": 0.05,
            },
            daemon=True,
        )
        for each in (first, service(engine, clock))
    ]
    for thread in threads:
        thread.start()
    try:
        yield first, clock, engine
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def arrived(smtp: SmtpServer, count: int, *, settle: float = 1.0) -> list[EmailMessage]:
    """The first ``count`` messages, after making sure no more arrive for ``settle`` seconds
    (the workers go round many times meanwhile)."""
    smtp.wait_for(count)
    time.sleep(settle)
    now = smtp.wait_for(count)
    assert len(now) == count, [str(m["Subject"]) for m in now[count:]]
    return now


def test_first_reminder_escalation_and_auto_approval_happen_once_with_two_workers(
    workers: tuple[PortalService, ManualClock, sa.Engine], smtp: SmtpServer
) -> None:
    service, clock, engine = workers
    service.approvals.submit(list(SUBMITTED), by=Actor(Party.MANAGER, "max"))
    requests = arrived(smtp, 2)
    assert {a for m in requests for a in to_addresses(m)} == {RUUD, "lotte@lumen.example"}

    # Tuesday, and Wednesday just before nine: nothing yet.
    clock.set(morning(3))
    clock.set(morning(4) - dt.timedelta(minutes=1))
    arrived(smtp, 2, settle=0.5)
    # Wednesday 09:00: the first reminder, one digest to each contact, in Dutch.
    clock.set(morning(4))
    reminders = arrived(smtp, 4)[2:]
    assert (
        sorted(str(m["Subject"]) for m in reminders)
        == ["Herinnering: goedkeuring gevraagd in Lumen — nieuwbouw"] * 2
    )
    ruud = next(m for m in reminders if RUUD in to_addresses(m))
    body = text_of(ruud)
    assert "3 tijdregistraties" in body
    assert "https://uren.kade.example/portal/open/" in body
    assert all(what in body for what in SUBMITTED.values())

    # Friday 09:00: the second reminder to both, and Ruud's request escalated to Lotte, once.
    clock.set(morning(6))
    friday = arrived(smtp, 7)[4:]
    subjects = Counter(str(m["Subject"]) for m in friday)
    assert subjects == {
        "Herinnering: goedkeuring gevraagd in Lumen — nieuwbouw": 2,
        "Nog onbeantwoord: goedkeuring in Lumen — nieuwbouw": 1,
    }
    escalated = next(m for m in friday if str(m["Subject"]).startswith("Nog onbeantwoord"))
    assert to_addresses(escalated) == {"lotte@lumen.example"}
    assert "Ruud Smit is op" in text_of(escalated)

    # Saturday 09:00: the warning, one each; Sunday 09:00 the policy approves, once.
    clock.set(morning(7))
    warnings = arrived(smtp, 9)[7:]
    assert all("automatisch goedgekeurd" in text_of(m) for m in warnings)
    clock.set(morning(8) - dt.timedelta(seconds=1))
    arrived(smtp, 9, settle=0.5)
    clock.set(morning(8))
    [notice] = arrived(smtp, 10)[9:]
    assert to_addresses(notice) == {OFFICE}
    assert "automatisch goedgekeurd door het herinneringsbeleid" in text_of(notice)

    # Days later: nothing more, ever.
    clock.set(morning(12))
    arrived(smtp, 10)
    store = SqlStore(engine)
    counts = Counter(e.type for e in store.events(limit=1000))
    assert counts["reminder.sent"] == 4
    assert counts["reminder.escalated"] == 1
    assert counts["reminder.warned"] == 2
    assert counts["entries.approved"] == 1
    for entry_id in SUBMITTED:
        history = service.approvals.history(entry_id)
        approvals = [e for e in history if e.after.status is ApprovalStatus.APPROVED]
        assert len(approvals) == 1
        assert approvals[0].actor.party is Party.POLICY
