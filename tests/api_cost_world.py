"""The expenses and trips of the JSON API and CSV tests: the web world's company
(:func:`worlds.web_dataset`) with Acme's and Globex's expenses and trips, every internal note
marked with :data:`~clientportal.testing.strategies.INTERNAL_MARKER`, behind a service with the
portals ``acme-en`` and ``acme-nl`` (showing expenses and trips) and ``acme-hidden`` (showing
neither, every other setting as ``acme-en``)."""

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
    PortalSettings,
    TokenBucketLimiter,
    Trip,
    Workflow,
)
from clientportal.memory import ManualClock
from clientportal.service import PortalService
from clientportal.testing.strategies import INTERNAL_MARKER
from worlds import EXTERNAL, FULL, MAIL, SECRET, WEB_T0, WebWorld, web_dataset

#: The Monday the web world's hours are dated from.
MONDAY = dt.date(2026, 3, 16)
PENDING = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1)
#: Every setting of the web world's ``acme-en``, with expenses, trips and amounts shown.
COSTS = attrs.evolve(
    FULL,
    show_expenses=True,
    show_trips=True,
    show_amounts=True,
    show_non_billable_amounts=True,
)


def _day(n: int) -> dt.date:
    return MONDAY - dt.timedelta(days=n)


def _note(text: str) -> str:
    return INTERNAL_MARKER + text


EXPENSES = (
    Expense("x1", "web", "eva", _day(0), Decimal("12.50"), "EUR", description="Train ticket",
            category="Travel", receipt=True, internal_note=_note("booked twice")),
    Expense("x2", "app", "tom", _day(2), Decimal("99.00"), "USD", description="=SUM(A1:A9)",
            category="Licence", approval=PENDING, internal_note=_note("reseller margin")),
    Expense("x3", "web", "tom", _day(3), Decimal("30"), "EUR", description="Team lunch",
            category="Meals", billable=False, internal_note=_note("not billed")),
    Expense("x4", "erp", "sam", _day(0), Decimal("500"), "EUR", description="Globex secret",
            internal_note=_note("globex")),
)  # fmt: skip
TRIPS = (
    Trip("t1", "web", "eva", _day(0), Decimal("42.5"), description="Client visit",
         origin="Utrecht", destination="Amsterdam", rate=Decimal("0.23"),
         internal_note=_note("took the car")),
    Trip("t2", "app", "tom", _day(1), Decimal("10"), description="Workshop", approval=PENDING,
         internal_note=_note("no rate")),
    Trip("t3", "web", "tom", _day(4), Decimal("5"), origin="+31 Office", billable=False,
         rate=Decimal("0.19"), currency="GBP", internal_note=_note("non-billable")),
    Trip("t4", "erp", "sam", _day(0), Decimal("100"), description="Globex trip", rate=Decimal(1),
         internal_note=_note("globex")),
)  # fmt: skip


def cost_dataset() -> Dataset:
    """:func:`worlds.web_dataset` with :data:`EXPENSES` and :data:`TRIPS`."""
    return attrs.evolve(web_dataset(), expenses=EXPENSES, trips=TRIPS)


def cost_world(settings: PortalSettings = COSTS) -> WebWorld:
    """The portals ``acme-en`` (projects web and app) and ``acme-nl`` (web) with ``settings``,
    and ``acme-hidden`` with them but neither expenses nor trips, for Anna and Bob."""
    clock = ManualClock(WEB_T0)
    store = MemoryStore()
    data = MemoryDataSource(cost_dataset(), store)
    limiter = TokenBucketLimiter(capacity=1000, refill_every=dt.timedelta(hours=1))
    service = PortalService(
        data,
        store,
        mail=MAIL,
        secret_keys=SECRET,
        clock=clock,
        policy=EXTERNAL,
        client_limiter=limiter,
    )
    hidden = attrs.evolve(settings, show_expenses=False, show_trips=False)
    for portal_id, language, projects, portal_settings in (
        ("acme-en", "en", ["web", "app"], settings),
        ("acme-nl", "nl", ["web"], settings),
        ("acme-hidden", "en", ["web", "app"], hidden),
    ):
        service.admin.create_portal(
            id=portal_id,
            client_id="acme",
            name=f"Acme {portal_id}",
            project_ids=projects,
            contact_ids=["anna", "bob"],
            language=language,
            settings=portal_settings,
        )
    return WebWorld(clock, store, data, service, limiter)
