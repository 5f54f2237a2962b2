"""Hypothesis strategies for clientportal's values, for your own property tests.

The centrepiece is :func:`worlds`: datasets with several clients whose relations are deliberately
adversarial — entries on other clients' projects, portals that list another client's projects,
internal total-costs budgets, draft documents, invoices linked to unselected projects, employees
removed from a project after the portal was created, entries in every approval status. Draw a
portal for a world with :func:`portals`::

    from hypothesis import given, strategies as st
    from clientportal.testing.strategies import worlds, portals, policies

    @given(st.data())
    def test_my_rule(data):
        world = data.draw(worlds())
        portal = data.draw(portals(world))
        ...

Requires hypothesis (``pip install 'clientportal[test]'``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st

from .._validators import MAX_ID_LENGTH, id_problem
from ..model import (
    SUPPORTED_LANGUAGES,
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    Contact,
    Dataset,
    Employee,
    Expense,
    Invoice,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    Trip,
    Workflow,
)
from ..model.records import INVOICE_STATUSES, QUOTE_STATUSES
from .missing import Missing, representable

__all__ = [
    "INTERNAL_MARKER",
    "approval_states",
    "ids",
    "money",
    "policies",
    "portal_settings",
    "portals",
    "texts",
    "worlds",
]

#: Every ``internal_note`` that :func:`worlds` draws starts with this marker, so a test can assert
#: it never appears in anything shown to a client.
INTERNAL_MARKER = "INTERNAL-NOTE::"

T = TypeVar("T")

_EPOCH = dt.date(2026, 1, 1)
_CURRENCIES = ("EUR", "USD", "GBP", "PLN", "JPY")


def texts(*, max_size: int = 12) -> st.SearchStrategy[str]:
    """Non-blank unicode text, including characters that stress escaping (``<``, ``&``, quotes)."""
    alphabet = st.characters(codec="utf-8") | st.sampled_from("<>&\"' é€ß")
    return st.text(alphabet, min_size=1, max_size=max_size).filter(lambda s: s.strip() != "")


def ids(*, max_size: int = MAX_ID_LENGTH) -> st.SearchStrategy[str]:
    """Any text the model accepts as an id (:func:`clientportal._validators.id_problem`), drawn
    from all of unicode, so a host's ids of any shape are covered: every one must survive URLs,
    cursors, forms, JSON and CSV."""
    alphabet = st.characters(codec=None, exclude_categories=()) | st.sampled_from("<>&\"' é€ß")
    return st.text(alphabet, min_size=1, max_size=max_size).filter(lambda s: id_problem(s) is None)


def money(*, min_value: int = 0, max_value: int = 1_000_000) -> st.SearchStrategy[Decimal]:
    """Finite decimals with two places."""
    return st.decimals(min_value=min_value, max_value=max_value, places=2)


def approval_states() -> st.SearchStrategy[ApprovalState]:
    """Any valid approval state: OPEN with or without a captured workflow, or any other status."""
    workflows = st.sampled_from(Workflow)
    return st.builds(
        ApprovalState,
        status=st.sampled_from(ApprovalStatus),
        workflow=workflows,
        version=st.integers(0, 50),
        reason=st.none() | texts(),
    ) | st.builds(ApprovalState, version=st.integers(0, 50))


def portal_settings() -> st.SearchStrategy[PortalSettings]:
    """Any combination of portal settings."""
    return st.builds(
        PortalSettings,
        show_hours=st.booleans(),
        show_descriptions=st.booleans(),
        show_budget=st.booleans(),
        show_invoices=st.booleans(),
        show_quotes=st.booleans(),
        approval=st.booleans(),
        show_amounts=st.booleans(),
        documents_scope=st.sampled_from(("client", "projects")),
        currency=st.sampled_from(_CURRENCIES),
        show_non_billable_amounts=st.booleans(),
        show_expenses=st.booleans(),
        show_trips=st.booleans(),
    )


def policies() -> st.SearchStrategy[ApprovalPolicy]:
    """Any approval policy (enabled or not, every workflow)."""
    return st.builds(
        ApprovalPolicy,
        enabled=st.booleans(),
        workflow=st.sampled_from(Workflow),
        auto_forward=st.booleans(),
    )


_TEXT = texts()
#: Names are drawn from a fixed list of awkward ones (markup, quotes, accents, ties in sort order):
#: one draw instead of one per character keeps worlds cheap enough for 1000 examples per rule.
_NAME = st.sampled_from(
    (
        "Acme",
        "acme",
        "Ünïcødé GmbH",
        "<script>alert(1)</script>",
        "Tom & Jerry",
        'O\'Brien "Q"',
        "Zoë",
        "Eva",
        "Eva",
        "李雷",
    )
)
_SETTINGS = portal_settings()
_MONEY = money()
_SIGNED_MONEY = money(min_value=-1000)
_RATE = st.none() | money(max_value=250)
_COST_RATE = st.none() | money(max_value=150)
_WORDS = st.sampled_from(
    (
        "Homepage design",
        "bugfix <b>login</b>",
        "meeting & review",
        "",
        " ",
        "Überstunden, 50% 'besprochen'",
        "{{ 7*7 }}",
        "line one\nline two",
    )
)
_NOTE = st.none() | _WORDS.map(INTERNAL_MARKER.__add__)
_DESCRIPTION = st.none() | _WORDS
_TASK = st.none() | st.sampled_from(("dev", "design", "Design", "support & ops"))
_CATEGORY = st.none() | st.sampled_from(("travel", "Travel", "software & licences", "<meals>"))
_PLACE = st.none() | st.sampled_from(("Amsterdam", "Kraków", "Zürich <HQ>", "client's office"))
_DISTANCE = st.decimals(min_value=0, max_value=2000, places=1)
_LANGUAGE = st.none() | st.sampled_from(SUPPORTED_LANGUAGES)
_CURRENCY = st.sampled_from(_CURRENCIES)
_BUDGET_TYPE = st.sampled_from(BudgetType)
_APPROVAL = approval_states()
# What the records below draw, built once: a strategy made per record (a composite called with
# the record's ids, a new filter or union) is validated anew at each draw, a third of the time a
# world takes.
_BUDGET_TASK = _WORDS.filter(bool)
_LATER = st.none() | st.integers(0, 60)
_DOCUMENT_DAY = st.integers(0, 60)
_LINKS = st.integers(0, 3)
_STATUSES = {
    Invoice: sorted(INVOICE_STATUSES, key=lambda s: s.name),
    Quote: sorted(QUOTE_STATUSES, key=lambda s: s.name),
}
_COST_DAY = st.integers(0, 14)
_EXPENSE_AMOUNT = money(max_value=5000)
_TRIP_RATE = st.none() | money(max_value=2)
_TRIP_CURRENCY = st.none() | _CURRENCY


def _pick(draw: st.DrawFn, items: Sequence[T]) -> T:
    """One of ``items`` (cheaper than building a new sampled_from strategy per draw)."""
    return items[draw(st.integers(0, len(items) - 1))]


def _budget(draw: st.DrawFn, *, id: str, project_id: str, employee_ids: list[str]) -> Budget:
    kind = draw(_BUDGET_TYPE)
    if kind.per_employee and not employee_ids:
        kind = BudgetType.TOTAL_HOURS
    return Budget(
        id=id,
        project_id=project_id,
        type=kind,
        amount=draw(_MONEY),
        used=draw(_MONEY),
        currency=draw(_CURRENCY) if kind.is_money else None,
        task=draw(_BUDGET_TASK) if kind.per_task else None,
        employee_id=_pick(draw, employee_ids) if kind.per_employee else None,
    )


def _document(
    draw: st.DrawFn, cls: type[Any], *, id: str, client_id: str, project_ids: list[str]
) -> Any:
    date = _EPOCH + dt.timedelta(days=draw(_DOCUMENT_DAY))
    days = draw(_LATER)
    later = None if days is None else date + dt.timedelta(days=days)
    extra = {"due_date": later} if cls is Invoice else {"valid_until": later}
    linked = [_pick(draw, project_ids) for _ in range(draw(_LINKS))] if project_ids else []
    return cls(
        id=id,
        client_id=client_id,
        number=f"{cls.__name__[0]}-{id}",
        date=date,
        amount=draw(_SIGNED_MONEY),
        currency=draw(_CURRENCY),
        status=_pick(draw, _STATUSES[cls]),
        project_ids=frozenset(linked),
        has_file=draw(st.booleans()),
        **extra,
    )


def _expense(
    draw: st.DrawFn, *, id: str, project_ids: list[str], employee_ids: list[str]
) -> Expense:
    return Expense(
        id=id,
        project_id=_pick(draw, project_ids),
        employee_id=_pick(draw, employee_ids),
        date=_EPOCH + dt.timedelta(days=draw(_COST_DAY)),
        amount=draw(_EXPENSE_AMOUNT),
        currency=draw(_CURRENCY),
        description=draw(_DESCRIPTION),
        category=draw(_CATEGORY),
        billable=draw(st.booleans()),
        internal_note=draw(_NOTE),
        receipt=draw(st.booleans()),
        approval=draw(_APPROVAL),
    )


def _trip(draw: st.DrawFn, *, id: str, project_ids: list[str], employee_ids: list[str]) -> Trip:
    return Trip(
        id=id,
        project_id=_pick(draw, project_ids),
        employee_id=_pick(draw, employee_ids),
        date=_EPOCH + dt.timedelta(days=draw(_COST_DAY)),
        distance=draw(_DISTANCE),
        description=draw(_DESCRIPTION),
        origin=draw(_PLACE),
        destination=draw(_PLACE),
        billable=draw(st.booleans()),
        rate=draw(_TRIP_RATE),
        currency=draw(_TRIP_CURRENCY),
        internal_note=draw(_NOTE),
        approval=draw(_APPROVAL),
    )


@st.composite
def worlds(
    draw: st.DrawFn,
    *,
    max_clients: int = 4,
    max_projects: int = 8,
    max_entries: int = 20,
    max_costs: int = 6,
    min_entries: int = 0,
    min_costs: int = 0,
    cannot_hold: Collection[Missing] = (),
    budget_types: Collection[BudgetType] | None = None,
    currency: str = "EUR",
) -> Dataset:
    """A dataset of 2..``max_clients`` clients with adversarial relations between them.

    Entries, expenses, trips, budgets and documents are spread over *all* clients' projects,
    entries are logged by employees who are not (or no longer) members, dates collide so ordering
    ties happen, and every internal note starts with :data:`INTERNAL_MARKER`. Up to ``max_costs``
    expenses and as many trips (``max_costs=0``: none, for a test about hours only, cheaper);
    at least ``min_entries`` entries and ``min_costs`` expenses and as many trips (then at least
    one project), drawn so, not filtered.

    For a schema that cannot hold some parts (:class:`~clientportal.testing.missing.Missing`,
    and budgets only of ``budget_types``), every world drawn is one it can hold
    (:func:`~clientportal.testing.missing.representable`): made so, never filtered, so
    hypothesis's health checks pass whatever is missing.
    """
    lacks = frozenset(cannot_hold)
    least = 1 if min_entries or min_costs else 0  # projects: entries and costs need one
    clients = [
        Client(id=f"c{i}", name=draw(_NAME)) for i in range(draw(st.integers(2, max_clients)))
    ]
    employees = [Employee(id=f"u{i}", name=draw(_NAME)) for i in range(draw(st.integers(1, 6)))]
    employee_ids = [e.id for e in employees]
    contacts = [
        Contact(
            id=f"k{i}",
            client_id=_pick(draw, clients).id,
            name=draw(_NAME),
            email=f"contact{i}@example.com",
            language=draw(_LANGUAGE),
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    projects = [
        Project(
            id=f"p{i}",
            client_id=_pick(draw, clients).id,
            name=draw(_NAME),
            member_ids=frozenset(_pick(draw, employee_ids) for _ in range(draw(st.integers(0, 4)))),
        )
        for i in range(draw(st.integers(least, max(least, max_projects))))
    ]
    project_ids = [p.id for p in projects]
    entries = []
    if project_ids:
        for i in range(draw(st.integers(min_entries, max(min_entries, max_entries)))):
            entries.append(
                TimeEntry(
                    id=f"e{i}",
                    project_id=_pick(draw, project_ids),
                    employee_id=_pick(draw, employee_ids),
                    date=_EPOCH + dt.timedelta(days=draw(st.integers(0, 14))),
                    seconds=draw(st.integers(0, 12 * 3600)),
                    description=draw(_DESCRIPTION),
                    task=draw(_TASK),
                    billable=draw(st.booleans()),
                    rate=draw(_RATE),
                    cost_rate=draw(_COST_RATE),
                    internal_note=draw(_NOTE),
                    approval=draw(_APPROVAL),
                )
            )
    budgets = (
        [
            _budget(
                draw,
                id=f"b{i}",
                project_id=_pick(draw, project_ids),
                employee_ids=employee_ids,
            )
            for i in range(draw(st.integers(0, 8)))
        ]
        if project_ids and Missing.BUDGETS not in lacks
        else []
    )
    client_ids = [c.id for c in clients]
    invoices = [
        _document(
            draw,
            Invoice,
            id=f"i{i}",
            client_id=_pick(draw, client_ids),
            project_ids=project_ids,
        )
        for i in range(draw(st.integers(0, 0 if Missing.INVOICES in lacks else 6)))
    ]
    quotes = [
        _document(
            draw,
            Quote,
            id=f"q{i}",
            client_id=_pick(draw, client_ids),
            project_ids=project_ids,
        )
        for i in range(draw(st.integers(0, 0 if Missing.QUOTES in lacks else 6)))
    ]
    costs = {"project_ids": project_ids, "employee_ids": employee_ids}
    cost_counts = st.integers(min(min_costs, max_costs), max_costs)
    expenses = (
        [_expense(draw, id=f"x{i}", **costs) for i in range(draw(cost_counts))]
        if project_ids and max_costs and Missing.EXPENSES not in lacks
        else []
    )
    trips = (
        [_trip(draw, id=f"t{i}", **costs) for i in range(draw(cost_counts))]
        if project_ids and max_costs and Missing.TRIPS not in lacks
        else []
    )
    world = Dataset(
        clients=clients,
        contacts=contacts,
        employees=employees,
        projects=projects,
        entries=entries,
        budgets=budgets,
        invoices=invoices,
        quotes=quotes,
        expenses=expenses,
        trips=trips,
    )
    return representable(world, lacks, budget_types=budget_types, currency=currency)


@st.composite
def portals(draw: st.DrawFn, world: Dataset) -> Portal:
    """A portal for one of ``world``'s clients, as a careless or hostile admin might configure it.

    Its selection mixes the client's own projects with other clients' projects and unknown ids;
    its employee snapshot holds the selected projects' members plus employees that have since
    been removed from them; its contacts may belong to other clients.
    """
    client = draw(st.sampled_from(world.clients))
    own = [p for p in world.projects if p.client_id == client.id]
    others = [p.id for p in world.projects if p.client_id != client.id]
    selected = draw(st.lists(st.sampled_from(own), unique_by=lambda p: p.id)) if own else []
    foreign = draw(st.lists(st.sampled_from(others), max_size=2)) if others else []
    unknown = draw(st.lists(st.sampled_from(["p-gone", "p-unknown"]), max_size=1))
    everyone = [e.id for e in world.employees]
    removed = draw(st.lists(st.sampled_from(everyone), max_size=2)) if everyone else []
    contacts = [c.id for c in world.contacts]
    return Portal(
        id=draw(st.sampled_from(["portal-a", "portal-b"])),
        client_id=client.id,
        name=draw(_NAME),
        language=draw(st.sampled_from(SUPPORTED_LANGUAGES)),
        settings=draw(_SETTINGS),
        project_ids=frozenset([p.id for p in selected] + foreign + unknown),
        contact_ids=frozenset(draw(st.lists(st.sampled_from(contacts))) if contacts else []),
        employee_ids=frozenset().union(*(p.member_ids for p in selected), removed),
        created_at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC),
        active=draw(st.booleans()),
    )
