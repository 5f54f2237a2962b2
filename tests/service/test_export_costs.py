"""CSV export of expenses and trips (``service/export.py`` through
``service.pages.export_expenses_csv`` and ``export_trips_csv``): the visible items only (V13,
V14), public fields only, an expense's amount always with its currency, a trip's money only where
the portal shows it, columns named in the portal's language, and streamed a page at a time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import tracemalloc
from collections.abc import Iterator, Sequence
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api_cost_world import COSTS, cost_world
from clientportal import (
    Budget,
    Client,
    Contact,
    Employee,
    Expense,
    Invoice,
    MemoryDataSource,
    MemoryStore,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    ValidationError,
    portal_view,
)
from clientportal.i18n.locales import portal_locale
from clientportal.memory import ManualClock
from clientportal.ports import CostPage, DocumentFile, EntryCursor, EntryPage, EntryQuery
from clientportal.service import PortalService
from clientportal.service.export import csv_format
from clientportal.testing.strategies import INTERNAL_MARKER, policies, portals, worlds
from clientportal.visibility import Scope
from worlds import EXTERNAL, MAIL, SECRET, T0, acme_portal

#: As many as the profile asks for, at most 200 (each example exports twice).
EXAMPLES = min(settings().max_examples, 200)


def table(lines: Sequence[str] | Iterator[str], delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))


def portal_of(
    settings: PortalSettings = COSTS, portal_id: str = "acme-en"
) -> tuple[Portal, PortalService]:
    world = cost_world(settings)
    return world.service.admin.portal(portal_id), world.service


# --------------------------------------------------------------------------------------------------
# Cell by cell


def test_v13_expenses_csv_holds_the_visible_expenses_cell_by_cell() -> None:
    portal, service = portal_of()
    lines = list(service.pages.export_expenses_csv(portal))
    assert all(line.endswith("\r\n") for line in lines)
    assert table(lines) == [
        ["Date", "Employee", "Project", "Category", "Description", "Amount", "Currency",
         "Billable", "Receipt", "Status"],
        ["2026-03-16", "Eva Jansen", "Website", "Travel", "Train ticket", "12.50", "EUR",
         "Yes", "Yes", "Open"],
        # A description a spreadsheet would run as a formula is defused.
        ["2026-03-14", "Tom Bakker", "App", "Licence", "'=SUM(A1:A9)", "99.00", "USD",
         "Yes", "No", "Awaiting your approval"],
        ["2026-03-13", "Tom Bakker", "Website", "Meals", "Team lunch", "30", "EUR",
         "No", "No", "Open"],
    ]  # fmt: skip
    text = "".join(lines)
    for hidden in (INTERNAL_MARKER, "Globex", "500"):
        assert hidden not in text


def test_v14_trips_csv_holds_the_visible_trips_and_their_money_cell_by_cell() -> None:
    portal, service = portal_of()
    assert table(service.pages.export_trips_csv(portal)) == [
        ["Date", "Employee", "Project", "Description", "Origin", "Destination", "Distance",
         "Billable", "Status", "Rate", "Amount", "Currency"],
        # Without a currency of its own, a trip's money is in the portal's.
        ["2026-03-16", "Eva Jansen", "Website", "Client visit", "Utrecht", "Amsterdam", "42.5",
         "Yes", "Open", "0.23", "9.78", "EUR"],
        # Without a rate, no money at all.
        ["2026-03-15", "Tom Bakker", "App", "Workshop", "", "", "10",
         "Yes", "Awaiting your approval", "", "", ""],
        ["2026-03-12", "Tom Bakker", "Website", "", "'+31 Office", "", "5",
         "No", "Open", "0.19", "0.95", "GBP"],
    ]  # fmt: skip


def test_v13_v14_columns_follow_what_the_portal_shows() -> None:
    """No description (nor origin and destination) without descriptions, no billable column
    (nor non-billable items) without non-billable amounts, no status without the client's
    approval, and no trip money without amounts; an expense's amount always, with its currency."""
    bare = attrs.evolve(
        COSTS,
        show_descriptions=False,
        show_amounts=False,
        show_non_billable_amounts=False,
        approval=False,
    )
    portal, service = portal_of(bare)
    assert table(service.pages.export_expenses_csv(portal)) == [
        ["Date", "Employee", "Project", "Category", "Amount", "Currency", "Receipt"],
        ["2026-03-16", "Eva Jansen", "Website", "Travel", "12.50", "EUR", "Yes"],
        ["2026-03-14", "Tom Bakker", "App", "Licence", "99.00", "USD", "No"],
    ]
    assert table(service.pages.export_trips_csv(portal)) == [
        ["Date", "Employee", "Project", "Distance"],
        ["2026-03-16", "Eva Jansen", "Website", "42.5"],
        ["2026-03-15", "Tom Bakker", "App", "10"],
    ]


def test_columns_are_named_and_numbers_written_in_the_portals_language() -> None:
    portal, service = portal_of(portal_id="acme-nl")  # Dutch, project web only
    expenses = table(service.pages.export_expenses_csv(portal), delimiter=";")
    assert expenses[0][:3] == ["Datum", "Medewerker", "Project"]
    assert "Bedrag" in expenses[0]
    assert [(r[0], r[5], r[6], r[7]) for r in expenses[1:]] == [
        ("2026-03-16", "12,50", "EUR", "Ja"),
        ("2026-03-13", "30", "EUR", "Nee"),
    ]
    trips = table(service.pages.export_trips_csv(portal), delimiter=";")
    assert [r[6] for r in trips[1:]] == ["42,5", "5"]
    assert [r[9:] for r in trips[1:]] == [["0,23", "9,78", "EUR"], ["0,19", "0,95", "GBP"]]


def test_export_filters_like_the_pages() -> None:
    portal, service = portal_of()
    by_tom = EntryQuery(employee_ids=frozenset({"tom"}), date_to=dt.date(2026, 3, 14))
    assert [r[3] for r in table(service.pages.export_expenses_csv(portal, by_tom))[1:]] == [
        "Licence",
        "Meals",
    ]
    on_web = EntryQuery(project_ids=frozenset({"web"}))
    assert [r[3] for r in table(service.pages.export_trips_csv(portal, on_web))[1:]] == [
        "Client visit",
        "",
    ]


def test_a_portal_without_expenses_or_trips_exports_the_header_alone() -> None:
    portal, service = portal_of(portal_id="acme-hidden")
    assert len(table(service.pages.export_expenses_csv(portal))) == 1
    assert len(table(service.pages.export_trips_csv(portal))) == 1


def test_export_refuses_an_odd_delimiter_and_takes_a_good_one() -> None:
    portal, service = portal_of()
    with pytest.raises(ValidationError, match="delimiter"):
        service.pages.export_trips_csv(portal, delimiter="|")
    rows = table(service.pages.export_expenses_csv(portal, delimiter="\t"), delimiter="\t")
    assert rows[1][5:7] == ["12.50", "EUR"]


# --------------------------------------------------------------------------------------------------
# Any world


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_v13_v14_exports_are_the_views_items_and_never_internal(data: st.DataObject) -> None:
    """V13/V14 for the exports: one row per expense (trip) the view shows, in its order, with
    its amount (distance) and currency; no internal note, whatever the world."""
    world = data.draw(worlds())
    portal = data.draw(portals(world))
    policy = data.draw(policies())
    store = MemoryStore([portal])
    service = PortalService(
        MemoryDataSource(world, store), store, mail=MAIL, secret_keys=[SECRET],
        clock=ManualClock(T0), policy=policy,
    )  # fmt: skip
    view = portal_view(portal, world, policy)
    _, mark = csv_format(portal_locale(portal.language, portal.settings.currency))
    expenses_text = "".join(service.pages.export_expenses_csv(portal, delimiter="\t"))
    trips_text = "".join(service.pages.export_trips_csv(portal, delimiter="\t"))
    assert INTERNAL_MARKER not in expenses_text + trips_text
    expenses = table([expenses_text], delimiter="\t")
    trips = table([trips_text], delimiter="\t")
    assert len(expenses) == 1 + len(view.expenses)
    assert len(trips) == 1 + len(view.trips)
    header = expenses[0]
    amount = header.index(_label(portal, "amount"))
    for row, expense in zip(expenses[1:], view.expenses, strict=True):
        assert row[0] == expense.date.isoformat()
        assert (number(row[amount], mark), row[amount + 1]) == (expense.amount, expense.currency)
    distance = trips[0].index(_label(portal, "distance"))
    for row, trip in zip(trips[1:], view.trips, strict=True):
        assert row[0] == trip.date.isoformat()
        assert number(row[distance], mark) == trip.distance
        if trip.amount is not None:
            assert (number(row[-2], mark), row[-1]) == (trip.amount, trip.currency)


def number(cell: str, mark: str) -> Decimal:
    return Decimal(cell.replace(mark, "."))


def _label(portal: Portal, key: str) -> str:
    from clientportal.i18n import translator

    return translator(portal.language).label(key)


# --------------------------------------------------------------------------------------------------
# Streaming


class SyntheticExpenses:
    """``count`` expenses of one project, made up on the fly (nothing held in memory); every call
    to :meth:`expenses` is counted. A DataSource with expenses and nothing else."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pages = 0
        self.project = Project("web", "acme", "Website", member_ids={"eva"})

    def _expense(self, i: int) -> Expense:
        return Expense(
            id=f"x{i:07d}",
            project_id="web",
            employee_id=("eva", "tom", "ivo")[i % 3],
            date=dt.date(2026, 1, 1) - dt.timedelta(days=i // 40),
            amount=Decimal(i % 500) + Decimal("0.25"),
            currency="EUR",
            description=f"Expense {i} with a description of moderate length",
            category="Travel",
        )

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        self.pages += 1
        start = 0 if query.after is None else int(query.after.id[1:]) + 1
        stop = min(start + query.limit, self.count)
        page = tuple(self._expense(i) for i in range(start, stop))
        last = page[-1] if page else None
        more = stop < self.count and last is not None
        return CostPage(page, EntryCursor(last.date, last.id) if more and last else None)

    def expenses_by_id(self, expense_ids: frozenset[str]) -> Sequence[Expense]:
        return ()

    def client(self, client_id: str) -> Client | None:
        return Client("acme", "Acme")

    def contacts(self, client_id: str) -> Sequence[Contact]:
        return ()

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        return [Employee(i, i.title()) for i in sorted(employee_ids)]

    def projects(self, scope: Scope) -> Sequence[Project]:
        return [self.project]

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        return EntryPage((), None)

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        return ()

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        return ()

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        return ()

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        return ()

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        return None


def synthetic(count: int) -> tuple[PortalService, SyntheticExpenses, Portal]:
    source = SyntheticExpenses(count)
    portal = acme_portal(settings=attrs.evolve(COSTS, show_hours=False))
    store = MemoryStore([portal])
    service = PortalService(source, store, mail=MAIL, secret_keys=[SECRET],
                            clock=ManualClock(T0), policy=EXTERNAL)  # fmt: skip
    return service, source, portal


def test_expenses_export_streams_a_page_at_a_time() -> None:
    service, source, portal = synthetic(5_500)
    lines = service.pages.export_expenses_csv(portal)
    header = next(lines)
    assert header.startswith("Date,")
    read = source.pages
    first = list(itertools.islice(lines, 10))
    assert len(first) == 10
    assert source.pages == read + 1  # the first page of 1000, no more
    rest = list(lines)
    assert len(first) + len(rest) == 5_500
    assert source.pages == read + 6


def test_expenses_export_memory_does_not_grow_with_the_number_of_expenses() -> None:
    def peak(count: int) -> int:
        service, _, portal = synthetic(count)
        lines = service.pages.export_expenses_csv(portal)
        tracemalloc.start()
        try:
            written = sum(len(line) for line in lines)
            _, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert written > count * 50
        return top

    small, large = peak(2_000), peak(20_000)
    # Ten times the expenses (about 2 MB of CSV more), the same peak give or take a page.
    assert large < small * 1.5
    assert large < 3_000_000
