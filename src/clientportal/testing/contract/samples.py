"""The fixed sample world both contracts use: a dataset, portals, and the records a store keeps.

Every value here is the same on every run, so a failing contract test names the same records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from attrs import evolve

from ...access import Link, OneTimeCode, secret_digest
from ...model import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    Workflow,
)
from ...ports import ApprovalChange, OutboxMessage
from ...workflow import Action, Actor, Party, approval_machine

__all__ = ["T0", "sample_dataset"]

#: The moment every sample record is made at (Monday 2 March 2026, 9 am UTC).
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_DAY = T0.date()
_EMPLOYEE = Actor(Party.EMPLOYEE, "u1")
_CLIENT = Actor(Party.CLIENT, "k1")
_EXTERNAL = approval_machine(Workflow.EXTERNAL)


# --------------------------------------------------------------------------------------------------
# The host's data


def sample_dataset() -> Dataset:
    """A small fixed world: two clients, three projects (one the other client's), 30 entries over
    three employees, ten days and every approval status, budgets of every type, and documents in
    every status. Entry ``e07`` and ``e08`` share a date, so do many others."""
    clients = (Client("c1", "Acme"), Client("c2", "Globex"))
    employees = (Employee("u1", "Ann"), Employee("u2", "Bob"), Employee("u3", "Cy"))
    contacts = (
        Contact("k1", "c1", "Kim", "kim@acme.example", "de"),
        Contact("k2", "c1", "Lou", "lou@acme.example"),
        Contact("k3", "c2", "Max", "max@globex.example"),
    )
    projects = (
        Project("p1", "c1", "Website", frozenset({"u1", "u2"})),
        Project("p2", "c1", "App", frozenset({"u3"})),
        Project("p3", "c2", "Other client's", frozenset({"u1"})),
    )
    statuses = list(ApprovalStatus)
    entries = []
    for n in range(30):
        status = statuses[n % len(statuses)]
        entries.append(
            TimeEntry(
                id=f"e{n:02d}",
                project_id=("p1", "p2", "p3")[n % 3],
                employee_id=("u1", "u2", "u3")[n % 3 if n % 5 else 0],
                date=_DAY - dt.timedelta(days=n // 3),
                seconds=900 * (n + 1),
                description=None if n % 7 == 0 else f"work <{n}> & more",
                task=("dev", "design", None)[n % 3],
                billable=n % 4 != 0,
                rate=None if n % 6 == 0 else Decimal("87.50") + n,
                cost_rate=Decimal("40.125"),
                internal_note=f"internal {n}",
                approval=ApprovalState(
                    status=status,
                    workflow=None if status is ApprovalStatus.OPEN else Workflow.EXTERNAL,
                    version=n % 4,
                    reason="too long" if status is ApprovalStatus.REJECTED else None,
                ),
            )
        )
    budgets = tuple(
        Budget(
            id=f"b{n}",
            project_id=("p1", "p2", "p3")[n % 3],
            type=kind,
            amount=Decimal("1000.00") + n,
            used=Decimal("123.45"),
            currency="EUR" if kind.is_money else None,
            task="dev" if kind.per_task else None,
            employee_id="u1" if kind.per_employee else None,
        )
        for n, kind in enumerate(BudgetType)
    )
    invoices = tuple(
        Invoice(
            id=f"i{n}",
            client_id=("c1", "c2")[n % 2],
            number=f"INV-{n}",
            date=_DAY - dt.timedelta(days=n),
            amount=Decimal("-12.34") if status is DocumentStatus.CREDITED else Decimal("999.99"),
            currency="EUR",
            status=status,
            project_ids=frozenset({("p1", "p2", "p3")[n % 3]}) if n % 4 else frozenset(),
            due_date=_DAY + dt.timedelta(days=30) if n % 2 else None,
        )
        for n, status in enumerate(
            sorted(
                {
                    DocumentStatus.DRAFT,
                    DocumentStatus.SENT,
                    DocumentStatus.PAID,
                    DocumentStatus.OVERDUE,
                    DocumentStatus.CREDITED,
                },
                key=lambda s: s.name,
            )
            * 2
        )
    )
    quotes = tuple(
        Quote(
            id=f"q{n}",
            client_id=("c1", "c2")[n % 2],
            number=f"Q-{n}",
            date=_DAY - dt.timedelta(days=n),
            amount=Decimal("5000"),
            currency="USD",
            status=status,
            project_ids=frozenset({"p2"}) if n % 3 else frozenset(),
            valid_until=_DAY + dt.timedelta(days=14) if n % 2 else None,
        )
        for n, status in enumerate(
            (
                DocumentStatus.DRAFT,
                DocumentStatus.SENT,
                DocumentStatus.ACCEPTED,
                DocumentStatus.DECLINED,
                DocumentStatus.EXPIRED,
            )
            * 2
        )
    )
    return Dataset(
        clients=clients,
        contacts=contacts,
        employees=employees,
        projects=projects,
        entries=tuple(entries),
        budgets=budgets,
        invoices=invoices,
        quotes=quotes,
    )


def _sample_portal(**settings: Any) -> Portal:
    """Client c1's portal over :func:`sample_dataset`, with ``settings``."""
    return Portal(
        id="portal-1",
        client_id="c1",
        name="Acme portal",
        settings=PortalSettings(**settings),
        # p3 is another client's: a backend must not trust the selection.
        project_ids=frozenset({"p1", "p2", "p3", "p-unknown"}),
        contact_ids=frozenset({"k1"}),
        employee_ids=frozenset({"u1", "u2", "u3"}),
        created_at=T0,
    )


#: The settings of a portal that shows everything it can.
_EVERYTHING = {
    "show_budget": True,
    "show_invoices": True,
    "show_quotes": True,
    "show_amounts": True,
}
_APPROVING = ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL)


# --------------------------------------------------------------------------------------------------
# What a store keeps


def _portal(portal_id: str = "portal-1", **changes: Any) -> Portal:
    """A portal whose every field is set, its name full of characters to escape."""
    base = Portal(
        id=portal_id,
        client_id="c1",
        name="Acme <portal> & 'co'",
        language="de",
        settings=PortalSettings(show_budget=True, approval=True, documents_scope="projects"),
        project_ids=frozenset({"p1", "p2"}),
        contact_ids=frozenset({"k1"}),
        employee_ids=frozenset({"u1", "u2", "u9"}),
        created_at=dt.datetime(2026, 3, 2, 10, 30, 15, 123456, tzinfo=dt.UTC),
    )
    return evolve(base, **changes)


def _link(link_id: str, portal_id: str = "portal-1", at: dt.datetime = T0, **kw: Any) -> Link:
    return Link(
        id=link_id,
        portal_id=portal_id,
        contact_id=kw.pop("contact_id", "k1"),
        secret_hash=secret_digest(link_id),
        created_at=at,
        **kw,
    )


def _code(code_id: str, link_id: str = "link-1") -> OneTimeCode:
    return OneTimeCode(
        id=code_id,
        link_id=link_id,
        code_hash=secret_digest(code_id),
        created_at=T0,
        expires_at=T0 + dt.timedelta(minutes=15),
    )


def _mail(message_id: str, at: dt.datetime = T0, *, to: str = "kim@acme.example") -> OutboxMessage:
    """An e-mail with non-ASCII text in its subject and body, queued at ``at``."""
    message = EmailMessage()
    message["From"] = "portal@example.com"
    message["To"] = to
    message["Subject"] = f"Hours to approve ({message_id}) – bitte prüfen"
    message["Message-ID"] = f"<{message_id}@clientportal.example>"
    message.set_content("Please approve 3 entries.\nÜmlauts & <markup> survive.\n")
    return OutboxMessage.of(message_id, message, created_at=at)


def _step(
    entry_id: str,
    before: ApprovalState,
    action: Action,
    actor: Actor,
    *,
    at: dt.datetime = T0,
    reason: str | None = None,
    owner: str | None = None,
) -> ApprovalChange:
    """The change that moves ``entry_id`` on from ``before`` (under the external workflow)."""
    step = _EXTERNAL.apply(before, action, actor, at=at, reason=reason, owner=owner)
    return ApprovalChange(entry_id, before.version, step.state, step.event)


def _submitted(entry_id: str, state: ApprovalState | None = None) -> ApprovalChange:
    """The employee submits ``entry_id`` (from ``state``, OPEN v0 by default)."""
    return _step(entry_id, state or ApprovalState(), Action.SUBMIT, _EMPLOYEE, owner=_EMPLOYEE.id)


def _decided(change: ApprovalChange, action: Action = Action.APPROVE) -> ApprovalChange:
    """The client decides on the entry ``change`` moved, a minute later."""
    at = T0 + dt.timedelta(minutes=1)
    return _step(change.entry_id, change.state, action, _CLIENT, at=at, reason="why")
