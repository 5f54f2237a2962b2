"""The totals of the hours page (``service/reading.py``), summed by the source (``EntryTotals``)
or by walking every page.

Differential: for adversarial hypothesis worlds, portals, policies and queries (every filter, a
cursor, awkward rates and durations), ``PortalReader.totals`` over a source that sums (memory,
SQLite, and PostgreSQL when configured) equals the same reader walking every page of the same
source with the capability hidden (the pure filter as the last gate), and the totals of the pure
view; amounts to the digit and in the same form. And the reader's own gate: it asks only about
the projects the pure rules show, and refuses sums that cannot be sums of entries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import cast

import pytest
from attrs import evolve
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from clientportal.errors import DataSourceError
from clientportal.memory import MemoryDataSource
from clientportal.model import (
    ApprovalPolicy,
    ApprovalStatus,
    Client,
    Dataset,
    Employee,
    Portal,
    PortalSettings,
    Project,
    TimeEntry,
)
from clientportal.ports import DataSource, EntryCursor, EntryPage, EntryQuery, EntryTotals, Totals
from clientportal.service.reading import PortalReader
from clientportal.sql import SqlDataSource, load_dataset
from clientportal.sql.testing import clear_tables
from clientportal.testing.strategies import policies, portals, worlds
from clientportal.visibility import PortalEntry, Scope, entry_amount, portal_view, visible_entries
from worlds import EXTERNAL, MAX, PagesOnly, acme_portal, service_dataset, service_world


def capped(limit: int) -> settings:
    """At most ``limit`` examples (fewer when the profile asks for fewer)."""
    return settings(
        max_examples=min(limit, settings.default.max_examples if settings.default else limit),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Counting(MemoryDataSource):
    """A memory source that counts the pages read and the optional questions it is asked."""

    def __init__(self, data: Dataset) -> None:
        super().__init__(data)
        self.calls: Counter[str] = Counter()

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        self.calls["entries"] += 1
        return super().entries(scope, query)

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        self.calls["entry_totals"] += 1
        return super().entry_totals(scope, query)

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        self.calls["entry_employee_ids"] += 1
        return super().entry_employee_ids(scope)


def test_behind_pages_only_the_service_walks_the_pages_to_the_same_totals_and_employees() -> None:
    # PagesOnly is how the differential hides a source's capabilities: it must hide them all,
    # and the service must come to the same answers without them.
    source = Counting(service_dataset(extra_entries=40))
    asks = service_world(source=source, data=source.dataset).service
    walks = service_world(source=PagesOnly(source), data=source.dataset).service
    portal = acme_portal()
    totals = asks.pages.hours_totals(portal)
    employees = asks.pages.overview(portal).employees
    # No page read: the totals, and the overview's employees and awaiting count (the portal's
    # client approves).
    assert source.calls == {"entry_totals": 2, "entry_employee_ids": 1}
    source.calls.clear()
    assert walks.pages.hours_totals(portal) == totals
    assert walks.pages.overview(portal).employees == employees
    assert source.calls["entry_totals"] == source.calls["entry_employee_ids"] == 0
    assert source.calls["entries"] >= 2  # a walk for the totals and one for the employees


# --------------------------------------------------------------------------------------------------
# Strategies


_DAY0 = dt.date(2026, 1, 1)  # the first date worlds() draws; they span 15 days
_DAYS = st.integers(-1, 15).map(lambda d: _DAY0 + dt.timedelta(days=d))


#: Rates the SQL sums in cents (up to four decimals, below 1,000,000), their edges, and rates it
#: must leave to entry_amount: more decimals, exponents, a million and more, 29 significant digits.
_RATES = st.one_of(
    st.integers(0, 4).flatmap(lambda p: st.decimals(min_value=0, max_value=1000, places=p)),
    st.integers(5, 14).flatmap(lambda p: st.decimals(min_value=0, max_value=10**6, places=p)),
    st.decimals(min_value=999_000, max_value=10**12, places=2),
    st.sampled_from(
        [
            Decimal("0.01"),
            Decimal("0.05"),
            Decimal("0.0001"),
            Decimal("0.00005"),
            Decimal("999999.9999"),
            Decimal("1000000"),
            Decimal("1000000.0000"),
            Decimal("1E+3"),
            Decimal("2.5E+2"),
            Decimal("0E-8"),
            Decimal("95.10000"),
            Decimal("1234567.123456789012345678901"),
        ]
    ),
)


#: Durations: a world's usual ones, half-cent makers, and the limits of the SQL's integer sums.
_SECONDS = st.integers(0, 12 * 3600) | st.sampled_from(
    [1, 18, 36, 1800, 5400, 99_999_999, 100_000_000, 100_000_001, 2**31 - 1]
)


@st.composite
def awkward(draw: st.DrawFn, world: Dataset) -> Dataset:
    """``world`` with some entries' rates and durations replaced by awkward ones."""
    entries = []
    for e in world.entries:
        if draw(st.booleans()):
            e = evolve(e, rate=draw(_RATES), seconds=draw(_SECONDS))
        entries.append(e)
    return evolve(world, entries=tuple(entries))


@st.composite
def showing_hours(draw: st.DrawFn, world: Dataset) -> Portal:
    """A portal of :func:`portals`; half the time moved to the client of some entry, showing
    hours and amounts of all that client's projects (besides whatever else it selects), so
    totals have much to sum."""
    portal = draw(portals(world))
    if world.entries and draw(st.booleans()):
        clients = {p.id: p.client_id for p in world.projects}
        client = clients[draw(st.sampled_from(world.entries)).project_id]
        own = {p.id for p in world.projects if p.client_id == client}
        shown = evolve(portal.settings, show_hours=True, show_amounts=True)
        portal = evolve(
            portal, client_id=client, settings=shown, project_ids=portal.project_ids | own
        )
    return portal


@st.composite
def queries(draw: st.DrawFn, world: Dataset) -> EntryQuery:
    """Filters over ``world``, each present one time in four: its employees and projects (of
    any client) and unknown ones, a date range, statuses, a cursor on an entry or between."""

    def present() -> bool:
        return draw(st.integers(0, 3)) == 3

    employees = [e.id for e in world.employees] + ["u-unknown"]
    projects = [p.id for p in world.projects] + ["p-unknown"]
    days = sorted(draw(st.lists(_DAYS, min_size=2, max_size=2)))
    after = None
    if present():
        if world.entries and draw(st.booleans()):
            at = draw(st.sampled_from(world.entries))
            after = EntryCursor(at.date, at.id)
        else:
            after = EntryCursor(draw(_DAYS), draw(st.sampled_from(["e", "e1", "e15", "f"])))
    return EntryQuery(
        employee_ids=draw(st.lists(st.sampled_from(employees), max_size=3)) if present() else (),
        project_ids=draw(st.lists(st.sampled_from(projects), max_size=4)) if present() else (),
        date_from=days[0] if present() else None,
        date_to=days[1] if present() else None,
        statuses=draw(st.lists(st.sampled_from(ApprovalStatus), max_size=4)) if present() else (),
        after=after,
        limit=draw(st.integers(1, 5)),  # the totals ignore it
    )


# --------------------------------------------------------------------------------------------------
# The oracle and the comparison


def pure_totals(
    world: Dataset, portal: Portal, policy: ApprovalPolicy | None, query: EntryQuery
) -> Totals:
    """The totals of the entries of ``portal_view`` that match ``query`` from its cursor on."""

    def matches(e: PortalEntry) -> bool:
        return (
            (not query.employee_ids or e.employee_id in query.employee_ids)
            and (not query.project_ids or e.project_id in query.project_ids)
            and (query.date_from is None or e.date >= query.date_from)
            and (query.date_to is None or e.date <= query.date_to)
            and (not query.statuses or e.status in query.statuses)
            and (
                query.after is None
                or e.date < query.after.date
                or (e.date == query.after.date and e.id > query.after.id)
            )
        )

    view = portal_view(portal, world, policy)
    return Totals.of(
        (e for e in view.entries if matches(e)), amounts=Scope.of(portal, policy).amounts
    )


class SumsOnly(PagesOnly):
    """``source`` with its sums but no page to read: totals read through it come from the
    source's ``EntryTotals``, or the test fails."""

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        raise AssertionError("the reader walked the pages of a source that sums")

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        return cast(EntryTotals, self.source).entry_totals(scope, query)


def check_totals(
    source: DataSource,
    world: Dataset,
    portal: Portal,
    policy: ApprovalPolicy | None,
    query: EntryQuery,
) -> None:
    """Summed by the source, by walking its pages, and by the pure view: the same totals."""
    summed = PortalReader(SumsOnly(source), policy).totals(portal, query)
    walked = PortalReader(PagesOnly(source), policy).totals(portal, query)
    expected = pure_totals(world, portal, policy, query)
    assert summed == walked == expected
    # The same form too: Decimal("0") with no priced entry, two places otherwise.
    assert str(summed.amount) == str(walked.amount) == str(expected.amount)


# --------------------------------------------------------------------------------------------------
# The amount of one entry


@given(rate=_RATES, seconds=_SECONDS)
@example(rate=Decimal("0.01"), seconds=1800)  # 0.005 -> 0.01: half-up, not half-even
@example(rate=Decimal("0.05"), seconds=1800)  # 0.025 -> 0.03
def test_entry_amount_is_the_amount_of_the_portal_entry(rate: Decimal, seconds: int) -> None:
    project = Project("p", "c", "P")
    entry = TimeEntry("e", "p", "u", _DAY0, seconds, rate=rate)
    portal = Portal(
        id="portal",
        client_id="c",
        name="Portal",
        settings=PortalSettings(show_amounts=True),
        project_ids={"p"},
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    (shown,) = visible_entries(portal, [project], [entry])
    assert shown.amount is not None
    assert str(entry_amount(rate, seconds)) == str(shown.amount)


# --------------------------------------------------------------------------------------------------
# Differential: memory


@capped(500)
@given(st.data())
def test_memory_totals_equal_the_totals_of_every_page(data: st.DataObject) -> None:
    world = data.draw(worlds(max_entries=30).flatmap(awkward), label="world")
    portal = data.draw(showing_hours(world), label="portal")
    policy = data.draw(st.none() | policies(), label="policy")
    query = data.draw(st.just(EntryQuery()) | queries(world), label="query")
    check_totals(MemoryDataSource(world), world, portal, policy, query)


def test_memory_totals_filter_by_the_stores_approval_state() -> None:
    w = service_world(extra_entries=30)
    portal = acme_portal()
    hours = w.service.pages.hours(portal, EntryQuery(limit=1000)).entries
    submitted = w.service.approvals.submit([e.id for e in hours[::3]], by=MAX)
    assert submitted.all_applied
    for statuses in ({ApprovalStatus.PENDING_EXTERNAL}, {ApprovalStatus.OPEN}, set()):
        query = EntryQuery(statuses=statuses)
        summed = PortalReader(w.data, EXTERNAL).totals(portal, query)
        walked = PortalReader(PagesOnly(w.data), EXTERNAL).totals(portal, query)
        assert summed == walked
    pending = PortalReader(w.data, EXTERNAL).totals(
        portal, EntryQuery(statuses={ApprovalStatus.PENDING_EXTERNAL})
    )
    assert pending.count == len(submitted.applied) > 0


# --------------------------------------------------------------------------------------------------
# Differential: SQLite and PostgreSQL


def sql_differential(engine: Engine, examples: int) -> None:
    @capped(examples)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        world = data.draw(worlds(max_entries=30).flatmap(awkward), label="world")
        portal = data.draw(showing_hours(world), label="portal")
        policy = data.draw(st.none() | policies(), label="policy")
        clear_tables(engine)
        load_dataset(engine, world)
        source = SqlDataSource(engine)
        check_totals(source, world, portal, policy, EntryQuery())
        statuses = data.draw(
            st.lists(st.sampled_from(ApprovalStatus), min_size=1, max_size=3), label="statuses"
        )
        check_totals(source, world, portal, policy, EntryQuery(statuses=statuses))
        for n in range(2):
            query = data.draw(queries(world), label=f"query {n}")
            check_totals(source, world, portal, policy, query)

    check()


def test_sqlite_totals_equal_the_totals_of_every_page(sqlite_memory: Engine) -> None:
    sql_differential(sqlite_memory, 100)


def test_postgres_totals_equal_the_totals_of_every_page(postgres: Engine) -> None:
    sql_differential(postgres, 100)


#: (rate, seconds, amount) on the edges of the rounding and of the SQL's integer sums.
EDGES = [
    (Decimal("0.01"), 1800, Decimal("0.01")),  # 0.005: half-up
    (Decimal("0.05"), 1800, Decimal("0.03")),  # 0.025: half-up, not to even
    (Decimal("0.0099"), 1800, Decimal("0.00")),  # 0.00495
    (Decimal("0.0001"), 180_000, Decimal("0.01")),  # 0.005 from four decimals
    (Decimal("999999.9999"), 100_000_000, Decimal("27777777775.00")),  # the largest in SQL
    (Decimal("1000000"), 3600, Decimal("1000000.00")),  # summed by entry_amount
    (Decimal("1E+3"), 5400, Decimal("1500.00")),  # an exponent
    (Decimal("0.00005"), 360_000, Decimal("0.01")),  # five decimals: 0.005
    (Decimal("1.5"), 2**31 - 1, Decimal("894784.85")),  # beyond 100,000,000 seconds
]


def sql_edges(engine: Engine) -> None:
    """Each edge entry alone (on a day of its own), then all together: the amounts of the table."""
    entries = [
        TimeEntry(f"e{n}", "p", "u", _DAY0 + dt.timedelta(days=n), seconds, rate=rate)
        for n, (rate, seconds, _) in enumerate(EDGES)
    ]
    world = Dataset(
        clients=[Client("c", "C")],
        employees=[Employee("u", "U")],
        projects=[Project("p", "c", "P")],
        entries=entries,
    )
    portal = Portal(
        id="portal",
        client_id="c",
        name="Portal",
        settings=PortalSettings(show_amounts=True),
        project_ids={"p"},
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    clear_tables(engine)
    load_dataset(engine, world)
    source = SqlDataSource(engine)
    reader = PortalReader(source, None)
    for entry, (rate, seconds, amount) in zip(entries, EDGES, strict=True):
        assert entry_amount(rate, seconds) == amount
        alone = reader.totals(portal, EntryQuery(date_from=entry.date, date_to=entry.date))
        assert (alone.count, alone.seconds, str(alone.amount)) == (1, seconds, str(amount))
    every = reader.totals(portal, EntryQuery())
    assert str(every.amount) == str(sum(amount for _, _, amount in EDGES))
    check_totals(source, world, portal, None, EntryQuery())


def test_sqlite_rounds_every_entry_half_up_to_cents(sqlite_memory: Engine) -> None:
    sql_edges(sqlite_memory)


def test_postgres_rounds_every_entry_half_up_to_cents(postgres: Engine) -> None:
    sql_edges(postgres)


# --------------------------------------------------------------------------------------------------
# The reader's gate


class Summing(MemoryDataSource):
    """A memory source that records what it is asked to sum, and may answer ``answer`` instead."""

    def __init__(self, data: Dataset, answer: object = None) -> None:
        super().__init__(data)
        self.answer = answer
        self.asked: list[tuple[Scope, EntryQuery]] = []

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        self.asked.append((scope, query))
        if self.answer is not None:
            return self.answer  # type: ignore[return-value]
        return super().entry_totals(scope, query)


class Leaky(Summing):
    """Lists another client's project among the portal's, and sums every project of every
    client, whatever the scope says."""

    def projects(self, scope: Scope) -> Sequence[Project]:
        return [*super().projects(scope), *(p for p in self.dataset.projects if p.id == "erp")]

    def entry_totals(self, scope: Scope, query: EntryQuery) -> Mapping[str, Totals]:
        self.asked.append((scope, query))
        every: dict[str, Totals] = {}
        for p in self.dataset.projects:
            mine = evolve(scope, client_id=p.client_id, project_ids=frozenset({p.id}))
            every.update(MemoryDataSource.entry_totals(self, mine, query))
        return every


@pytest.mark.parametrize(
    "query",
    [EntryQuery(), EntryQuery(project_ids={"web", "app", "erp"}), EntryQuery(employee_ids={"eva"})],
)
def test_totals_keep_only_the_projects_the_pure_rules_show(query: EntryQuery) -> None:
    source = Leaky(service_dataset())
    portal = acme_portal(project_ids={"web", "erp", "gone"})
    totals = PortalReader(source, EXTERNAL).totals(portal, query)
    ((scope, asked),) = source.asked
    assert (scope.client_id, scope.project_ids, asked) == ("acme", {"web"}, query)
    assert "erp" in source.entry_totals(scope, query)  # it did sum another client's project
    assert totals == PortalReader(PagesOnly(source), EXTERNAL).totals(portal, query)
    assert totals == pure_totals(source.dataset, portal, EXTERNAL, query)
    assert totals.count == (7 if not query.employee_ids else 4)  # web's hours only


@pytest.mark.parametrize(
    "query",
    [EntryQuery(project_ids={"erp"}), EntryQuery(project_ids={"app", "gone"})],
    ids=["another client's project", "projects not shown"],
)
def test_totals_of_no_visible_project_are_zero_without_asking(query: EntryQuery) -> None:
    source = Summing(service_dataset())
    totals = PortalReader(source, EXTERNAL).totals(acme_portal(), query)
    assert totals == Totals(0, 0, 0, Decimal(0))
    assert source.asked == []


def test_totals_of_hidden_hours_are_empty_without_asking() -> None:
    source = Summing(service_dataset())
    portal = acme_portal(settings=PortalSettings(show_hours=False, show_amounts=True))
    assert PortalReader(source, EXTERNAL).totals(portal, EntryQuery()) == Totals()
    assert source.asked == []


def test_totals_drop_an_amount_the_portal_does_not_show() -> None:
    answer = {"web": Totals(2, 7200, 3600, Decimal("180.00"))}
    source = Summing(service_dataset(), answer=answer)
    portal = acme_portal(settings=PortalSettings(show_amounts=False))
    assert PortalReader(source, EXTERNAL).totals(portal, EntryQuery()) == Totals(2, 7200, 3600)


def test_totals_of_projects_not_shown_are_dropped_unread() -> None:
    answer = {"web": Totals(2, 7200, 3600, Decimal("1.00")), "erp": "anything", "app": None}
    source = Summing(service_dataset(), answer=answer)
    totals = PortalReader(source, EXTERNAL).totals(acme_portal(), EntryQuery())
    assert totals == Totals(2, 7200, 3600, Decimal("1.00"))


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (Totals(2, 7200, 3600, None), "returned a Totals: it must return a mapping"),
        ({"web": (2, 7200, 3600, None)}, "it must map each project id to a Totals"),
        ({"web": Totals(-1, 0, 0, Decimal(0))}, "count must be a whole number >= 0"),
        ({"web": Totals(True, 60, 0, Decimal(0))}, "count must be a whole number >= 0"),  # type: ignore[arg-type]
        ({"web": Totals(1, 60.5, 0, Decimal(0))}, "seconds must be a whole number >= 0"),  # type: ignore[arg-type]
        ({"web": Totals(1, 60, 120, Decimal(0))}, r"billable_seconds \(120\) exceed seconds"),
        ({"web": Totals(0, 60, 0, Decimal(0))}, "count is 0 but seconds is 60"),
        ({"web": Totals(1, 60, 0, None)}, "amount must be a Decimal >= 0"),
        ({"web": Totals(1, 60, 0, Decimal("-1.00"))}, "amount must be a Decimal >= 0"),
        ({"web": Totals(1, 60, 0, Decimal("NaN"))}, "amount must be a Decimal >= 0"),
        ({"web": Totals(0, 0, 0, Decimal("1.00"))}, "count is 0 but amount is 1.00"),
    ],
)
def test_totals_that_cannot_be_sums_of_entries_are_refused(answer: object, problem: str) -> None:
    source = Summing(service_dataset(), answer=answer)
    with pytest.raises(DataSourceError, match=problem):
        PortalReader(source, EXTERNAL).totals(acme_portal(), EntryQuery())


def test_the_service_totals_use_the_capability_and_equal_the_walk() -> None:
    source = Summing(service_dataset(extra_entries=40))
    w = service_world(source=source, data=source.dataset)
    walked = service_world(source=PagesOnly(source), data=source.dataset)
    query = EntryQuery(employee_ids={"eva"}, date_to=dt.date(2026, 2, 20))
    assert w.service.pages.hours_totals(acme_portal(), query) == walked.service.pages.hours_totals(
        acme_portal(), query
    )
    assert len(source.asked) == 1
