"""Pages of the SQL source under a locale's collation (``sql/collation.py``): on a PostgreSQL
database (or an id column) whose collation is ICU's ``en-US``, where ``ORDER BY id`` puts
``"a2"`` before ``"A3"`` and ``"b"`` before ``"B"``, every page of hours, expenses and trips
still comes in code point order, the keyset cursor agrees with it, every item is read once,
and a page is still one index range scan without a sort.

Before ``COLLATE "C"``, such a database made the service refuse the third page of hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from attrs import evolve
from sqlalchemy.engine import Engine

from clientportal import Dataset, Employee, Expense, ItemKind, PortalSettings, Project, Trip
from clientportal.memory import MemoryStore
from clientportal.ports import EntryCursor, EntryQuery
from clientportal.service import PortalService
from clientportal.sql import SqlDataSource, create_engine
from clientportal.sql.load import load_dataset
from clientportal.sql.testing import postgres_url, ready_for_tests, schema_name, temporary_schema
from worlds import CLIENTS, CONTACTS, EXTERNAL, MAIL, SECRET, acme_portal, entry

DAY = dt.date(2026, 1, 5)
#: Ids that a locale orders otherwise than code points do, on one day and on the next.
IDS = ["a-2", "a1", "A3", "b", "B", "x_1", "x1", "x.2", "Z", "z", "a-1", "a10", "a2", "e", "é"]
ICU = "en-US-x-icu"
SHOWING = PortalSettings(show_expenses=True, show_trips=True)


def _day(i: int) -> dt.date:
    return DAY + dt.timedelta(days=i % 2)


def dataset() -> Dataset:
    return Dataset(
        clients=CLIENTS,
        contacts=CONTACTS,
        employees=[Employee("eva", "Eva")],
        projects=[Project("web", "acme", "Website", member_ids={"eva"})],
        entries=[entry(x, "web", "eva", _day(i), "0.5") for i, x in enumerate(IDS)],
        expenses=[
            Expense(x, "web", "eva", _day(i), Decimal("3.50"), "EUR") for i, x in enumerate(IDS)
        ],
        trips=[Trip(x, "web", "eva", _day(i), Decimal(7)) for i, x in enumerate(IDS)],
    )


def page_order() -> list[str]:
    """The ids in page order: the newer day first, then by code point."""
    return [x for _, x in sorted((-_day(i).toordinal(), x) for i, x in enumerate(IDS))]


def _has_icu(engine: Engine) -> bool:
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_collation WHERE collname = :n"), {"n": ICU})
        return found.first() is not None


@pytest.fixture(scope="module", params=["database", "column"])
def icu_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The library's and the reference tables under ICU en-US: in a database created with that
    collation, or in a schema of the test database with the ids' columns altered to it."""
    url = postgres_url()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        if not _has_icu(admin):
            pytest.skip(f"this PostgreSQL has no ICU collation {ICU!r} to test under")
        if request.param == "column":
            with temporary_schema(url) as engine:
                ready_for_tests(engine)
                with engine.begin() as conn:
                    for table in ("tt_entries", "tt_expenses", "tt_trips"):
                        alter = f'ALTER COLUMN id TYPE varchar(64) COLLATE "{ICU}"'
                        conn.execute(sa.text(f"ALTER TABLE {table} {alter}"))
                yield engine
            return
        name = schema_name("cp_icu")
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu "
                    "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
                )
            )
        engine = create_engine(sa.make_url(url).set(database=name))
        try:
            yield ready_for_tests(engine)
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def service(icu_engine: Engine) -> PortalService:
    load_dataset(icu_engine, dataset())
    store = MemoryStore()
    store.put_portal(acme_portal(settings=SHOWING))
    return PortalService(
        SqlDataSource(icu_engine), store, mail=MAIL, secret_keys=[SECRET], policy=EXTERNAL
    )


def test_the_database_orders_ids_by_its_locale_not_by_code_point(
    icu_engine: Engine, service: PortalService
) -> None:
    """What the other tests are up against (else they prove nothing)."""
    with icu_engine.connect() as conn:
        by_locale = list(conn.execute(sa.text("SELECT id FROM tt_entries ORDER BY id")).scalars())
    assert by_locale != sorted(by_locale)
    assert by_locale.index("b") < by_locale.index("B")  # code points: "B" < "b"
    assert by_locale.index("a2") < by_locale.index("A3")  # code points: "A3" < "a2"


@pytest.mark.parametrize("limit", [1, 3, 4, 50])
def test_every_page_of_hours_comes_in_code_point_order_each_entry_once(
    service: PortalService, limit: int
) -> None:
    portal = acme_portal(settings=SHOWING)
    ids: list[str] = []
    query: EntryQuery | None = EntryQuery(limit=limit)
    while query is not None:
        page = service.pages.hours(portal, query)
        ids += [e.id for e in page.entries]
        query = page.next_query
    assert ids == page_order()


@pytest.mark.parametrize("kind", [ItemKind.EXPENSE, ItemKind.TRIP], ids=lambda k: k.value)
def test_every_page_of_costs_comes_in_code_point_order_each_item_once(
    service: PortalService, kind: ItemKind
) -> None:
    portal = acme_portal(settings=SHOWING)
    read = service.pages.expenses if kind is ItemKind.EXPENSE else service.pages.trips
    ids: list[str] = []
    query: EntryQuery | None = EntryQuery(limit=3)
    while query is not None:
        view = read(portal, query)
        ids += [x.id for x in view.items]
        query = None if view.next is None else evolve(query, after=view.next)
    assert ids == page_order()


@pytest.mark.parametrize("cursor", ["a-2", "a1", "B", "b", "x.2", "Z"])
def test_totals_after_a_cursor_count_the_entries_after_it_in_code_point_order(
    service: PortalService, cursor: str
) -> None:
    day = _day(IDS.index(cursor))
    after = EntryQuery(after=EntryCursor(day, cursor))
    expected = page_order()[page_order().index(cursor) + 1 :]
    portal = acme_portal(settings=SHOWING)
    assert service.pages.hours_totals(portal, after).count == len(expected)
    assert [e.id for e in service.pages.hours(portal, evolve(after, limit=100)).entries] == expected


def test_a_page_is_still_one_index_range_scan_without_sorting(
    icu_engine: Engine, service: PortalService
) -> None:
    from clientportal.visibility import Scope

    source = SqlDataSource(icu_engine)
    scope = Scope.of(acme_portal(settings=SHOWING), EXTERNAL)
    statements: list[tuple[str, object]] = []

    def capture(
        conn: object, cursor: object, statement: str, parameters: object, *a: object
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(icu_engine, "before_cursor_execute", capture)
    try:
        source.entries(scope, EntryQuery(limit=3, after=EntryCursor(DAY, "a1")))
        source.expenses(scope, EntryQuery(limit=3, after=EntryCursor(DAY, "a1")))
    finally:
        sa.event.remove(icu_engine, "before_cursor_execute", capture)
    assert len(statements) == 2
    for (statement, parameters), index in zip(
        statements, ["ix_tt_entries_client_date_id", "ix_tt_expenses_client_date_id"], strict=True
    ):
        assert 'COLLATE "C"' in statement
        with icu_engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)  # type: ignore[arg-type]
            plan = " | ".join(str(row[0]) for row in rows)
        assert index in plan, plan
        assert "Sort" not in plan, plan
