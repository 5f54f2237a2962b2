"""The order of a source's pages (``service/page_order.py``, ``ports.IdOrder``): ids compare as
text unless the source declares integers; the service checks every page of entries, expenses and
trips, within the page and against the previous page's cursor, and refuses a page out of order
naming the two items, so a source's ordering can never lose items silently (issue 16: a host
ordering its integer primary keys as numbers lost 3,589 of 74,815 entries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from clientportal import (
    Dataset,
    Employee,
    Expense,
    ItemKind,
    MemoryDataSource,
    MemoryStore,
    Portal,
    PortalSettings,
    Project,
    TimeEntry,
    Trip,
)
from clientportal.errors import ConfigError, DataSourceError, ValidationError
from clientportal.ports import (
    CostPage,
    CostTotals,
    EntryCursor,
    EntryPage,
    EntryQuery,
    IdOrder,
    id_order_of,
    id_sort_key,
)
from clientportal.service import PortalService
from clientportal.service.page_order import check_page
from clientportal.visibility import Scope
from worlds import CLIENTS, CONTACTS, EXTERNAL, MAIL, SECRET, PagesOnly, acme_portal, entry

DAY = dt.date(2026, 1, 5)

SHOWING_COSTS = PortalSettings(show_expenses=True, show_trips=True)

# --------------------------------------------------------------------------------------------------
# The order of ids


def test_text_ids_compare_by_code_point_and_integer_ids_as_numbers() -> None:
    ids = ["10", "9", "100", "0", "2"]
    assert sorted(ids, key=lambda i: id_sort_key(i, IdOrder.TEXT)) == ["0", "10", "100", "2", "9"]
    assert sorted(ids, key=lambda i: id_sort_key(i, IdOrder.INTEGER)) == [
        "0",
        "2",
        "9",
        "10",
        "100",
    ]
    assert sorted(["b", "B", "a", "é"], key=lambda i: id_sort_key(i, IdOrder.TEXT)) == [
        "B",
        "a",
        "b",
        "é",
    ]


@given(st.integers(min_value=0, max_value=10**30), st.integers(min_value=0, max_value=10**30))
def test_integer_order_is_the_order_of_the_numbers(a: int, b: int) -> None:
    ka, kb = id_sort_key(str(a), IdOrder.INTEGER), id_sort_key(str(b), IdOrder.INTEGER)
    assert (ka < kb) == (a < b)
    assert (ka == kb) == (a == b)


@pytest.mark.parametrize("bad", ["007", "-1", "+1", "1.0", "1e3", "", "x1", "\u0661", " 1"])
def test_integer_order_refuses_ids_that_are_not_canonical_integers(bad: str) -> None:
    with pytest.raises(DataSourceError, match="not a canonical decimal integer"):
        id_sort_key(bad, IdOrder.INTEGER)


def test_a_source_declares_its_order_or_has_text_order() -> None:
    class Declared:
        id_order = IdOrder.INTEGER

    class Wrong:
        id_order = "integer"

    assert id_order_of(object()) is IdOrder.TEXT
    assert id_order_of(Declared()) is IdOrder.INTEGER
    assert id_order_of(MemoryDataSource(Dataset(), id_order=IdOrder.INTEGER)) is IdOrder.INTEGER
    with pytest.raises(ConfigError, match=r"Wrong.id_order is 'integer': declare IdOrder"):
        id_order_of(Wrong())


def test_the_cursor_compares_ids_in_the_order_given() -> None:
    query = EntryQuery(after=EntryCursor(DAY, "9"))
    ten = entry("10", "web", "eva", DAY)
    assert not query.is_after_cursor(ten)  # text: "10" < "9"
    assert query.is_after_cursor(ten, IdOrder.INTEGER)
    assert not query.is_after_cursor(entry("8", "web", "eva", DAY), IdOrder.INTEGER)
    assert query.is_after_cursor(entry("1", "web", "eva", DAY - dt.timedelta(days=1)))
    assert not query.is_after_cursor(entry("99", "web", "eva", DAY + dt.timedelta(days=1)))


# --------------------------------------------------------------------------------------------------
# A host over integer primary keys


def host_dataset(count: int, per_day: int = 37) -> Dataset:
    """Acme's project web with ``count`` entries, expenses and trips numbered 1, 2, ... as a
    host's integer primary keys are, ``per_day`` on each day (so ids of one day cross 9 -> 10,
    99 -> 100, ...)."""

    def day(i: int) -> dt.date:
        return DAY + dt.timedelta(days=(i - 1) // per_day)

    return Dataset(
        clients=CLIENTS,
        contacts=CONTACTS,
        employees=[Employee("eva", "Eva"), Employee("tom", "Tom")],
        projects=[Project("web", "acme", "Website", member_ids={"eva", "tom"})],
        entries=[entry(str(i), "web", "eva", day(i), "0.25") for i in range(1, count + 1)],
        expenses=[
            Expense(str(i), "web", "tom", day(i), Decimal("9.50"), "EUR")
            for i in range(1, count + 1)
        ],
        trips=[Trip(str(i), "web", "tom", day(i), Decimal("12")) for i in range(1, count + 1)],
    )


class NumericHost(PagesOnly):
    """A host's source that orders its integer ids as numbers (``ORDER BY date DESC, id``) and
    declares nothing: the issue's source."""

    def expenses(self, scope: Scope, query: EntryQuery) -> CostPage[Expense]:
        return self.source.expenses(scope, query)  # type: ignore[attr-defined, no-any-return]

    def expenses_by_id(self, expense_ids: frozenset[str]) -> Sequence[Expense]:
        return self.source.expenses_by_id(expense_ids)  # type: ignore[attr-defined, no-any-return]

    def trips(self, scope: Scope, query: EntryQuery) -> CostPage[Trip]:
        return self.source.trips(scope, query)  # type: ignore[attr-defined, no-any-return]

    def trips_by_id(self, trip_ids: frozenset[str]) -> Sequence[Trip]:
        return self.source.trips_by_id(trip_ids)  # type: ignore[attr-defined, no-any-return]

    # The sums of costs (else every page of costs walks every item for its totals).
    def cost_totals(
        self, scope: Scope, query: EntryQuery, kind: ItemKind
    ) -> Mapping[str, CostTotals]:
        return self.source.cost_totals(scope, query, kind)  # type: ignore[attr-defined, no-any-return]

    def cost_employee_ids(self, scope: Scope, kind: ItemKind) -> frozenset[str]:
        return self.source.cost_employee_ids(scope, kind)  # type: ignore[attr-defined, no-any-return]


class DeclaredHost(NumericHost):
    """The same source, declaring what it does."""

    id_order = IdOrder.INTEGER


def host_service(source: object, portal: Portal | None = None) -> PortalService:
    store = MemoryStore()
    store.put_portal(portal or acme_portal(settings=SHOWING_COSTS))
    return PortalService(
        source,  # type: ignore[arg-type]
        store,
        mail=MAIL,
        secret_keys=[SECRET],
        policy=EXTERNAL,
    )


def numeric(dataset: Dataset) -> MemoryDataSource:
    return MemoryDataSource(dataset, id_order=IdOrder.INTEGER)


def walk_hours(service: PortalService, limit: int) -> list[str]:
    """The ids of every page of hours of Acme's portal, pages of ``limit``."""
    portal = acme_portal(settings=SHOWING_COSTS)
    ids: list[str] = []
    query: EntryQuery | None = EntryQuery(limit=limit)
    while query is not None:
        page = service.pages.hours(portal, query)
        ids += [e.id for e in page.entries]
        query = page.next_query
    return ids


def walk_costs(service: PortalService, kind: ItemKind, limit: int) -> list[str]:
    portal = acme_portal(settings=SHOWING_COSTS)
    ids: list[str] = []
    query: EntryQuery | None = EntryQuery(limit=limit)
    read = service.pages.expenses if kind is ItemKind.EXPENSE else service.pages.trips
    with service.request_scope():  # the employee filter (a walk of every entry) read once
        while query is not None:
            view = read(portal, query)
            ids += [x.id for x in view.items]
            query = None if view.next is None else evolve(query, after=view.next)
    return ids


def page_order(ids: Sequence[str], per_day: int = 37) -> list[str]:
    """``ids`` (1, 2, ... ``per_day`` a day) in page order with integer ids: newest day first."""
    return sorted(ids, key=lambda i: (-((int(i) - 1) // per_day), int(i)))


def test_integer_ids_ordered_as_numbers_undeclared_fail_within_a_page_naming_both() -> None:
    service = host_service(NumericHost(numeric(host_dataset(12, per_day=12))))
    with pytest.raises(DataSourceError) as failed:
        walk_hours(service, limit=5)  # the second page holds 6 .. 10
    message = str(failed.value)
    assert "DataSource.entries() returned entry '10' (2026-01-05) after entry '9' (2026-01-05)" in (
        message
    )
    assert "declare id_order = IdOrder.INTEGER" in message


def test_integer_ids_ordered_as_numbers_undeclared_fail_against_the_cursor() -> None:
    service = host_service(NumericHost(numeric(host_dataset(12, per_day=12))))
    with pytest.raises(DataSourceError) as failed:
        walk_hours(service, limit=9)  # the first page ends at 9, the second starts at 10
    message = str(failed.value)
    assert "returned entry '10' (2026-01-05) on the page after the query's cursor" in message
    assert "(2026-01-05, '9')" in message
    assert "IdOrder.INTEGER" in message


def test_the_issues_loss_cannot_happen_silently_every_reader_fails_loudly() -> None:
    """The second host of the issue: 7,727 entries in pages of 50 lost 246 of them."""
    service = host_service(NumericHost(numeric(host_dataset(7727))))
    portal = acme_portal(settings=SHOWING_COSTS)
    with pytest.raises(DataSourceError, match=r"IdOrder\.INTEGER"):
        walk_hours(service, limit=50)
    with pytest.raises(DataSourceError, match=r"IdOrder\.INTEGER"):
        service.pages.hours_totals(portal)  # no EntryTotals: a walk of every page
    with pytest.raises(DataSourceError, match=r"IdOrder\.INTEGER"):
        list(service.pages.export_csv(portal))
    with pytest.raises(DataSourceError, match=r"IdOrder\.INTEGER"):
        walk_costs(service, ItemKind.EXPENSE, limit=50)
    with pytest.raises(DataSourceError, match=r"IdOrder\.INTEGER"):
        walk_costs(service, ItemKind.TRIP, limit=50)


def test_declaring_integer_ids_pages_every_entry_expense_and_trip() -> None:
    dataset = host_dataset(7727)
    service = host_service(DeclaredHost(numeric(dataset)))
    portal = acme_portal(settings=SHOWING_COSTS)
    every = [str(i) for i in range(1, 7728)]
    assert walk_hours(service, limit=50) == page_order(every)
    assert service.pages.hours_totals(portal).count == 7727
    assert len(list(service.pages.export_csv(portal))) == 7727 + 1  # and the header
    # Costs: fewer (the memory source sums every item again for each page's totals).
    service = host_service(DeclaredHost(numeric(host_dataset(1200))))
    every = [str(i) for i in range(1, 1201)]
    assert walk_costs(service, ItemKind.EXPENSE, limit=50) == page_order(every)
    assert walk_costs(service, ItemKind.TRIP, limit=50) == page_order(every)


def test_the_memory_source_orders_by_the_order_it_declares() -> None:
    dataset = host_dataset(12, per_day=12)
    scope = Scope.of(acme_portal(settings=SHOWING_COSTS), EXTERNAL)
    as_text = MemoryDataSource(dataset).entries(scope, EntryQuery(limit=4))
    assert [e.id for e in as_text.entries] == ["1", "10", "11", "12"]
    as_numbers = numeric(dataset)
    page = as_numbers.entries(scope, EntryQuery(limit=4, after=EntryCursor(DAY, "9")))
    assert [e.id for e in page.entries] == ["10", "11", "12"]
    trips = as_numbers.trips(scope, EntryQuery(limit=4, after=EntryCursor(DAY, "9")))
    assert [t.id for t in trips.items] == ["10", "11", "12"]
    assert walk_hours(host_service(as_numbers), limit=5) == [str(i) for i in range(1, 13)]


def test_a_memory_source_with_integer_order_needs_integer_ids() -> None:
    with pytest.raises(ConfigError, match=r"id 'w1' is not a canonical decimal integer"):
        MemoryDataSource(
            Dataset(entries=[entry("w1", "web", "eva", DAY)]), id_order=IdOrder.INTEGER
        )
    with pytest.raises(ConfigError, match="id_order is 'integer'"):
        MemoryDataSource(Dataset(), id_order="integer")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Every kind of page out of order, property


@st.composite
def integer_worlds(draw: st.DrawFn) -> tuple[Dataset, int]:
    """A few entries with distinct integer ids over a few days, and a page size."""
    ids = draw(st.lists(st.integers(0, 2000), min_size=1, max_size=30, unique=True))
    entries = [
        entry(str(i), "web", "eva", DAY + dt.timedelta(days=draw(st.integers(0, 3)))) for i in ids
    ]
    dataset = Dataset(
        clients=CLIENTS,
        contacts=CONTACTS,
        employees=[Employee("eva", "Eva")],
        projects=[Project("web", "acme", "Website", member_ids={"eva"})],
        entries=entries,
    )
    return dataset, draw(st.integers(1, 8))


class Declaring(PagesOnly):
    def __init__(self, source: MemoryDataSource, declared: IdOrder | None) -> None:
        super().__init__(source)
        if declared is not None:
            self.id_order = declared


@given(
    integer_worlds(),
    st.sampled_from(IdOrder),
    st.sampled_from([None, IdOrder.TEXT, IdOrder.INTEGER]),
)
def test_whatever_a_source_orders_and_declares_no_entry_is_lost_silently(
    world: tuple[Dataset, int], real: IdOrder, declared: IdOrder | None
) -> None:
    dataset, limit = world
    service = host_service(Declaring(MemoryDataSource(dataset, id_order=real), declared))
    expected = [
        e.id
        for e in sorted(
            dataset.entries, key=lambda e: (-e.date.toordinal(), id_sort_key(e.id, real))
        )
    ]
    if (declared or IdOrder.TEXT) is real:
        assert walk_hours(service, limit) == expected
        return
    try:
        walked = walk_hours(service, limit)
    except DataSourceError as failed:
        refused = str(failed)
    else:
        assert walked == expected  # the orders happened to agree on these ids
        return
    assert "(date desc, id asc) order" in refused


# --------------------------------------------------------------------------------------------------
# What else a page can get wrong


def test_a_page_with_an_older_day_before_a_newer_one_is_refused() -> None:
    older, newer = entry("a", "web", "eva", DAY), entry("b", "web", "eva", DAY + dt.timedelta(1))
    with pytest.raises(DataSourceError, match=r"entry 'b' \(2026-01-06\) after entry 'a'.*newest"):
        check_page("entries", TimeEntry, [older, newer], None, IdOrder.TEXT)


def test_a_page_that_starts_at_the_cursor_again_is_refused_but_a_repeat_in_a_row_is_kept() -> None:
    one = entry("a", "web", "eva", DAY)
    check_page("entries", TimeEntry, [one, one], None, IdOrder.TEXT)
    with pytest.raises(DataSourceError, match=r"entry 'a' \(2026-01-05\) on the page after"):
        check_page("entries", TimeEntry, [one], EntryCursor(DAY, "a"), IdOrder.TEXT)


def test_items_of_another_kind_on_a_page_have_no_place_in_its_order() -> None:
    trip = Trip("z", "web", "tom", DAY + dt.timedelta(days=9), Decimal(1))
    expense = Expense("a", "web", "tom", DAY, Decimal(1), "EUR")
    check_page("expenses", Expense, [expense, trip], None, IdOrder.TEXT)  # the trip is dropped


def test_a_text_order_from_a_locale_collation_is_named() -> None:
    # ICU's en-US orders "b" before "B" (tests/test_sql_collation.py); code points do not.
    en_us = [entry("b", "web", "eva", DAY), entry("B", "web", "eva", DAY)]
    with pytest.raises(DataSourceError, match=r'binary collation .PostgreSQL: id COLLATE "C"'):
        check_page("entries", TimeEntry, en_us, None, IdOrder.TEXT)
    # Under the declared order, the fix is to order numbers as numbers.
    with pytest.raises(DataSourceError, match="Order the id as a number"):
        check_page(
            "entries",
            TimeEntry,
            [entry("10", "web", "eva", DAY), entry("9", "web", "eva", DAY)],
            None,
            IdOrder.INTEGER,
        )


def test_an_integer_source_with_an_id_that_is_not_an_integer_is_named() -> None:
    class Broken(DeclaredHost):
        def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
            return EntryPage((entry("e07", "web", "eva", DAY),), None)

    service = host_service(Broken(numeric(host_dataset(3))))
    with pytest.raises(DataSourceError, match=r"entries\(\) returned entry 'e07': id 'e07' is not"):
        service.pages.hours(acme_portal(settings=SHOWING_COSTS))


def test_a_cursor_that_is_no_place_in_integer_order_is_bad_input() -> None:
    service = host_service(DeclaredHost(numeric(host_dataset(3))))
    query = EntryQuery(after=EntryCursor(DAY, "abc"))
    portal = acme_portal(settings=SHOWING_COSTS)
    with pytest.raises(ValidationError, match="after: 'abc' is not the id of an item"):
        service.pages.hours(portal, query)
    with pytest.raises(ValidationError, match="after: 'abc' is not the id of an item"):
        service.pages.trips(portal, query)
