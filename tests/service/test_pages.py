"""What a visitor reads (``service/pages.py``): the overview and the hours through the service
equal the pure ``portal_view``, whatever the DataSource returns in page order (the pure filter
is the last gate; a page out of order is refused, ``test_page_order.py``); public records only;
hidden hours, the approval list and documents.

Paging, cursors and totals are tested in ``test_reading.py``, the CSV export in
``test_export.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from clientportal import (
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
    Expense,
    Invoice,
    ItemKind,
    MemoryDataSource,
    MemoryStore,
    NotFound,
    Portal,
    Project,
    Quote,
    TimeEntry,
    Trip,
    ValidationError,
    Workflow,
    portal_view,
)
from clientportal.memory import ManualClock
from clientportal.ports import (
    CostEmployees,
    CostPage,
    CostTotals,
    DocumentFile,
    EntryEmployees,
    EntryPage,
    EntryQuery,
    ExpenseSource,
    TripSource,
)
from clientportal.service import PortalService
from clientportal.service.costs_reading import CostItem
from clientportal.testing.contract import filed_dataset
from clientportal.testing.strategies import policies, portals, worlds
from clientportal.visibility import PortalEntry, Scope
from worlds import (
    DAY0,
    EVA,
    EXTERNAL,
    MAIL,
    SECRET,
    T0,
    acme_portal,
    all_pages,
    entry,
    service_dataset,
    service_world,
)

#: The profile's number of examples (1000 in CI), at most 300: each example builds a service.
EXAMPLES = min(settings().max_examples, 300)


def assert_overview_is_the_view(service: PortalService, portal: Portal, data: Dataset,
                                policy: ApprovalPolicy | None) -> None:  # fmt: skip
    view = portal_view(portal, data, policy)
    overview = service.pages.overview(portal)
    assert overview.projects == view.projects
    assert overview.budgets == view.budgets
    assert overview.invoices == view.invoices
    assert overview.quotes == view.quotes
    assert overview.employees == view.employees
    assert overview.can_approve == view.can_approve
    # The parts of the overview alone (the hours, approvals and documents pages) are the same.
    choices = service.pages.choices(portal)
    assert (choices.projects, choices.employees) == (view.projects, view.employees)
    assert (choices.can_approve, choices.shows_hours) == (view.can_approve, overview.shows_hours)
    assert service.pages.projects(portal) == view.projects
    assert service.pages.invoices(portal) == view.invoices
    assert service.pages.quotes(portal) == view.quotes
    assert all_pages(service, portal, EntryQuery(limit=3)) == list(view.entries)
    assert list(service.pages.awaiting_approval(portal, EntryQuery(limit=1000)).entries) == list(
        view.awaiting_approval
    )
    # V13, V14: expenses and trips, a page at a time, their totals and their queues.
    assert all_cost_pages(service, portal, ItemKind.EXPENSE) == list(view.expenses)
    assert all_cost_pages(service, portal, ItemKind.TRIP) == list(view.trips)
    assert overview.expense_totals == CostTotals.of(view.expenses)
    assert overview.trip_totals == CostTotals.of(view.trips)
    assert overview.awaiting_expenses == len(view.awaiting_expenses)
    assert overview.awaiting_trips == len(view.awaiting_trips)
    waiting = EntryQuery(limit=1000)
    awaiting = service.pages.awaiting_costs(portal, ItemKind.EXPENSE, waiting)
    assert awaiting.items == view.awaiting_expenses
    assert service.pages.awaiting_costs(portal, ItemKind.TRIP, waiting).items == view.awaiting_trips


def all_cost_pages(service: PortalService, portal: Portal, kind: ItemKind) -> list[CostItem]:
    """Every expense (or trip) of the portal, three a page, following each page's next query;
    each page's totals are those of every item."""
    query: EntryQuery | None = EntryQuery(limit=3)
    found: list[CostItem] = []
    totals = None
    while query is not None:
        page = service.pages.costs(portal, kind, query)
        assert page.kind is kind
        assert len(page.items) <= 3
        assert totals is None or page.totals == totals
        totals = page.totals
        found += page.items
        query = page.next_query
    assert totals == CostTotals.of(found)
    return found


_Leaked = TypeVar("_Leaked", TimeEntry, Expense, Trip)


def _merged(
    query: EntryQuery, everything: Sequence[_Leaked], page: Sequence[_Leaked]
) -> tuple[_Leaked, ...]:
    """``everything`` after the query's cursor and ``page``, in page order (date desc, id)."""
    after = [x for x in everything if query.is_after_cursor(x)]
    return tuple(sorted((*after, *page), key=lambda x: (-x.date.toordinal(), x.id)))


class LeakySource:
    """A buggy (or hostile) DataSource: ignores the scope and returns everything it has, each
    entry twice, with internal budgets, drafts and other clients' documents."""

    def __init__(self, data: Dataset) -> None:
        self.inner = MemoryDataSource(data)
        self.data = data
        self.entry_calls = 0

    def client(self, client_id: str) -> Client | None:
        return self.inner.client(client_id)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        return self.data.contacts  # everyone's contacts

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        return self.data.employees  # everyone

    def projects(self, scope: Scope) -> Sequence[Project]:
        return self.data.projects  # other clients' projects too

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        self.entry_calls += 1
        # Every entry of every client after the cursor merged into an honest page (so some
        # twice), in page order: an order out of it is refused (tests/service/test_page_order).
        honest = self.inner.entries(scope, query)
        return EntryPage(
            entries=_merged(query, self.data.entries, honest.entries), next=honest.next
        )

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        return self.data.entries

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        # Every expense of every client after the cursor merged into an honest page.
        honest = self.inner.expenses(scope, query)
        return CostPage(_merged(query, self.data.expenses, honest.items), honest.next)

    def expenses_by_id(self, expense_ids: frozenset[str]) -> Sequence[Expense]:
        return self.data.expenses

    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        honest = self.inner.trips(scope, query)
        return CostPage(_merged(query, self.data.trips, honest.items), honest.next)

    def trips_by_id(self, trip_ids: frozenset[str]) -> Sequence[Trip]:
        return self.data.trips

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        return self.data.budgets

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        return self.data.invoices

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        return self.data.quotes

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        return DocumentFile(f"{document_id}.pdf", "application/pdf", b"%PDF")


# --------------------------------------------------------------------------------------------------
# The view through the service is the pure view


def test_overview_and_pages_equal_portal_view() -> None:
    w = service_world()
    assert_overview_is_the_view(w.service, acme_portal(), filed_dataset(w.dataset), EXTERNAL)


def test_overview_content_for_acme() -> None:
    w = service_world()
    overview = w.service.pages.overview(acme_portal())
    assert [p.id for p in overview.projects] == ["web"]
    assert [b.id for b in overview.budgets] == ["b1"]  # never TOTAL_COSTS (V5), never erp's
    assert [i.id for i in overview.invoices] == ["i1"]  # no draft, no Globex invoice (V6)
    assert [q.id for q in overview.quotes] == ["q1"]
    # the snapshot (eva, tom) and Ivo, who logged hours on web without being a member (V8)
    assert [e.id for e in overview.employees] == ["eva", "ivo", "tom"]
    assert overview.client_name == "Acme B.V."
    assert overview.can_approve
    assert overview.shows_hours


def test_v5_v6_drafts_other_clients_invoices_and_cost_budgets_stay_off_the_overview() -> None:
    # What keeps i2 (a draft), i3 (Globex's) and b2 (TOTAL_COSTS) off Acme's overview is the
    # rule, not their absence: sent, Acme's and counted in hours, the same records appear.
    data = service_dataset()
    hidden = service_world(data=data).service.pages.overview(acme_portal())
    shown_data = evolve(
        data,
        invoices=[evolve(i, client_id="acme", status=DocumentStatus.SENT) for i in data.invoices],
        budgets=[evolve(b, type=BudgetType.TOTAL_HOURS, currency=None) for b in data.budgets],
    )
    shown = service_world(data=shown_data).service.pages.overview(acme_portal())
    assert [i.id for i in hidden.invoices] == ["i1"]
    assert sorted(i.id for i in shown.invoices) == ["i1", "i2", "i3"]
    assert [b.id for b in hidden.budgets] == ["b1"]
    assert sorted(b.id for b in shown.budgets) == ["b1", "b2"]  # b3 is Globex's project's


class WithoutEmployeePorts(MemoryDataSource):
    """The memory source without ``EntryEmployees`` and ``CostEmployees`` (``None`` hides a
    method from the protocol check): the service finds who logged the items by walking their
    pages."""

    entry_employee_ids = None  # type: ignore[assignment]
    cost_employee_ids = None  # type: ignore[assignment]


def test_the_source_without_employee_ports_has_neither_but_all_else() -> None:
    hidden = WithoutEmployeePorts(Dataset())
    assert not isinstance(hidden, EntryEmployees | CostEmployees)
    assert isinstance(hidden, ExpenseSource)
    assert isinstance(hidden, TripSource)
    assert isinstance(MemoryDataSource(Dataset()), CostEmployees)


@pytest.mark.parametrize(
    "source", [MemoryDataSource, WithoutEmployeePorts], ids=["employee ports", "page walks"]
)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_v1_v12_service_equals_portal_view_for_adversarial_worlds(
    source: type[MemoryDataSource], data: st.DataObject
) -> None:
    # V8 both ways: who logged the visible entries, expenses and trips as the source says
    # (EntryEmployees, CostEmployees), and as the service finds them a page at a time.
    world = data.draw(worlds())
    portal = data.draw(portals(world))
    policy = data.draw(policies())
    store = MemoryStore([portal])
    service = PortalService(
        source(world, store), store, mail=MAIL, secret_keys=[SECRET], clock=ManualClock(T0),
        policy=policy,
    )  # fmt: skip
    assert_overview_is_the_view(service, portal, filed_dataset(world), policy)  # no files


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_last_gate_a_leaky_source_shows_nothing_more(data: st.DataObject) -> None:
    world = data.draw(worlds())
    portal = data.draw(portals(world))
    policy = data.draw(policies())
    store = MemoryStore([portal])
    service = PortalService(
        LeakySource(world), store, mail=MAIL, secret_keys=[SECRET], clock=ManualClock(T0),
        policy=policy,
    )  # fmt: skip
    assert_overview_is_the_view(service, portal, world, policy)


def test_last_gate_filters_other_clients_entries_of_a_leaky_source() -> None:
    data = service_dataset()
    w = service_world(source=LeakySource(data))
    page = w.service.pages.hours(acme_portal(), EntryQuery(limit=1000))
    ids = [e.id for e in page.entries]
    assert ids == [e.id for e in portal_view(acme_portal(), data, EXTERNAL).entries]
    assert not {"g1", "g2", "g3", "a1", "a2"} & set(ids)  # Globex's and the unselected project's
    assert len(ids) == len(set(ids))  # each once, although the source repeated them


def test_public_records_carry_no_internal_data() -> None:
    w = service_world()
    entries = {
        e.id: e for e in w.service.pages.hours(acme_portal(), EntryQuery(limit=1000)).entries
    }
    assert isinstance(entries["w2"], PortalEntry)
    assert not hasattr(entries["w2"], "cost_rate")
    assert not hasattr(entries["w3"], "internal_note")
    assert entries["w1"].amount == Decimal("675.00")


# --------------------------------------------------------------------------------------------------
# Hidden hours and the approval list


def test_hidden_hours_give_empty_pages_but_the_rest_of_the_overview() -> None:
    portal = acme_portal(settings=evolve(acme_portal().settings, show_hours=False))
    w = service_world(portals=(portal,))
    assert w.service.pages.hours(portal).entries == ()
    assert w.service.pages.hours(portal).next is None
    overview = w.service.pages.overview(portal)
    assert overview.employees == ()
    assert not overview.can_approve
    assert not overview.shows_hours
    assert [i.id for i in overview.invoices] == ["i1"]
    assert list(w.service.pages.export_csv(portal))[1:] == []


def test_awaiting_approval_is_empty_without_client_approval() -> None:
    portal = acme_portal(settings=evolve(acme_portal().settings, approval=False))
    w = service_world(portals=(portal,))
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    assert w.service.pages.hours(
        portal, EntryQuery(statuses={ApprovalStatus.PENDING_EXTERNAL})
    ).entries
    assert w.service.pages.awaiting_approval(portal).entries == ()


# --------------------------------------------------------------------------------------------------
# Documents


def test_documents_only_those_the_portal_shows() -> None:
    data = service_dataset()
    files = {("invoice", i.id): DocumentFile(f"{i.id}.pdf", "application/pdf", b"%PDF-1.7")
             for i in data.invoices}  # fmt: skip
    store = MemoryStore([acme_portal()])
    service = PortalService(
        MemoryDataSource(data, store, documents=files), store, mail=MAIL, secret_keys=[SECRET],
        clock=ManualClock(T0), policy=EXTERNAL,
    )  # fmt: skip
    assert service.pages.document(acme_portal(), "invoice", "i1").filename == "i1.pdf"
    for hidden in ("i2", "i3", "nope"):  # a draft, Globex's, unknown
        with pytest.raises(NotFound):
            service.pages.document(acme_portal(), "invoice", hidden)
    with pytest.raises(ValidationError, match="kind"):
        service.pages.document(acme_portal(), "receipt", "i1")


# --------------------------------------------------------------------------------------------------
# The client's latest decisions


def test_the_latest_decisions_pass_over_any_number_of_undecided_entries_in_between() -> None:
    # INTERNAL_EXTERNAL: PENDING_INTERNAL waits for the manager, before the client ever saw it;
    # 25 such entries are newer than the two the client decided, more than one page of 20.
    flow = Workflow.INTERNAL_EXTERNAL
    waiting = ApprovalState(ApprovalStatus.PENDING_INTERNAL, workflow=flow, version=1)
    approved = ApprovalState(ApprovalStatus.APPROVED, workflow=flow, version=3)
    newer = [
        entry(f"n{i:02}", "web", "eva", DAY0 + dt.timedelta(days=40 + i), approval=waiting)
        for i in range(25)
    ]
    decided = [
        entry(f"d{i}", "web", "eva", DAY0 + dt.timedelta(days=i), approval=approved)
        for i in range(2)
    ]
    data = evolve(service_dataset(), entries=(*service_dataset().entries, *newer, *decided))
    w = service_world(data=data, policy=ApprovalPolicy(enabled=True, workflow=flow))
    page = w.service.pages.decided(acme_portal(), limit=20)
    assert [e.id for e in page.entries] == ["w7", "d1", "d0"]  # w7: the world's approved entry
    assert page.totals.count == 3
    assert [e.id for e in w.service.pages.decided(acme_portal(), limit=2).entries] == ["w7", "d1"]
