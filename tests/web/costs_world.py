"""The world of the expenses and trips pages' tests: the web world's company (``worlds``) with
expenses and trips on both sides of the client boundary, some awaiting Acme's approval, and
three portals: ``acme-en`` (English, every kind, amounts shown), ``acme-nl`` (Dutch, hours and
expenses) and ``acme-hours`` (hours alone)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from clientportal import (
    ApprovalState,
    ApprovalStatus,
    Dataset,
    Expense,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    Trip,
    Workflow,
)
from clientportal.memory import ManualClock
from worlds import DOCUMENTS, EXTERNAL, FULL, MAIL, SECRET, WEB_T0, WebWorld, web_dataset

#: The Monday the web world's hours are dated from.
MONDAY = dt.date(2026, 3, 16)
PENDING = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1)
APPROVED = ApprovalState(ApprovalStatus.APPROVED, Workflow.EXTERNAL, 2)

#: Every kind shown, with amounts (so trips show their money).
COSTS = attrs.evolve(FULL, show_amounts=True, show_expenses=True, show_trips=True)


def day(n: int) -> dt.date:
    return MONDAY - dt.timedelta(days=n)


def costs_dataset(extra: int = 0) -> Dataset:
    """:func:`worlds.web_dataset` with expenses and trips: Acme's on web (in every portal) and
    app (in ``acme-en`` only), Globex's on erp (in none); ``x4`` and ``t3`` await the client;
    ``extra`` more expenses on web, a day apart, for paging."""
    expenses = [
        Expense("x1", "web", "eva", day(0), Decimal("120.50"), "EUR", "Train <b>Utrecht</b>",
                "Travel", receipt=True, internal_note="booked late"),
        Expense("x2", "web", "tom", day(1), Decimal("35"), "USD", "Font licence", "Software"),
        Expense("x3", "web", "tom", day(2), Decimal("12.40"), "EUR", "Lunch", billable=False),
        Expense("x4", "app", "tom", day(3), Decimal("9.99"), "EUR", "Cables", "Hardware",
                approval=PENDING),
        Expense("x:5", "web", "eva", day(4), Decimal("60"), "EUR", "Parking", approval=PENDING),
        Expense("x6", "web", "eva", day(9), Decimal("15"), "EUR", "Taxi", approval=APPROVED),
        Expense("xg", "erp", "sam", day(1), Decimal("500"), "EUR", "Globex secret"),
    ]  # fmt: skip
    expenses += [
        Expense(f"e{i:03d}", "web", "tom", day(20 + i), Decimal(i + 1), "EUR", f"Extra {i}")
        for i in range(extra)
    ]
    trips = [
        Trip("t1", "web", "eva", day(0), Decimal("42.5"), "Client meeting", "Utrecht",
             "Amsterdam", rate=Decimal("0.23"), internal_note="private car"),
        Trip("t2", "web", "tom", day(1), Decimal("10"), origin="Delft", destination="Leiden"),
        Trip("t3", "app", "tom", day(3), Decimal("5"), "Workshop", rate=Decimal("0.19"),
             currency="GBP", approval=PENDING),
        Trip("tg", "erp", "sam", day(1), Decimal("300"), "Globex secret"),
    ]  # fmt: skip
    return attrs.evolve(web_dataset(), expenses=expenses, trips=trips)


def costs_world(extra: int = 0) -> WebWorld:
    """A service over :func:`costs_dataset` with the portals ``acme-en``, ``acme-nl`` and
    ``acme-hours``, created through the service as a host creates them."""
    clock = ManualClock(WEB_T0)
    store = MemoryStore()
    data = MemoryDataSource(costs_dataset(extra), store, documents=DOCUMENTS)
    service = PortalService(
        data, store, mail=MAIL, secret_keys=SECRET, clock=clock, policy=EXTERNAL
    )
    portals = [
        ("acme-en", "Acme portal", ["web", "app"], ["anna", "bob"], "en", COSTS),
        ("acme-nl", "Acme portaal", ["web"], ["anna"], "nl",
         attrs.evolve(FULL, show_expenses=True)),
        ("acme-hours", "Acme hours", ["web", "app"], ["bob"], "en", FULL),
    ]  # fmt: skip
    for portal_id, name, projects, contacts, language, settings in portals:
        service.admin.create_portal(
            id=portal_id,
            client_id="acme",
            name=name,
            project_ids=projects,
            contact_ids=contacts,
            language=language,
            settings=settings,
        )
    return WebWorld(clock, store, data, service, limiter=None)  # type: ignore[arg-type]
