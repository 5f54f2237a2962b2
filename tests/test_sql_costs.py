"""Differential: the SQL source's expenses and trips are exactly what the pure filter shows.

For adversarial hypothesis worlds loaded into SQLite (in memory) and PostgreSQL (when
configured), after random approval changes of both kinds stored through ``SqlStore`` in one
batch, every page of ``SqlDataSource.expenses``/``.trips`` (walked by cursor, unfiltered and with
drawn employee, project, date and status filters), read through the pure rules as the service
reads it, equals ``portal_view(...).expenses``/``.trips`` over the same data in memory; the
totals the database sums equal ``CostTotals.of`` of those records, project by project; and the
employees of the items (the employee filter's ``SELECT DISTINCT``) are exactly theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import sqlalchemy as sa
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from clientportal.model import (
    ApprovalPolicy,
    ApprovalStatus,
    Dataset,
    Expense,
    ItemKind,
    Portal,
    Trip,
)
from clientportal.ports import ApprovalChange, CostTotals, EntryCursor, EntryQuery
from clientportal.public import PortalExpense, PortalTrip
from clientportal.sql import SqlDataSource, SqlStore, load_dataset
from clientportal.sql.testing import clear_tables
from clientportal.testing.contract.cost_draws import (
    Cost,
    _cost_portal,
    _cost_queries,
    _steps,
    cost_sample,
)
from clientportal.testing.contract.costs import all_costs
from clientportal.testing.contract.samples import _DAY, _sample_portal
from clientportal.testing.strategies import policies, worlds
from clientportal.visibility import Scope, portal_view, visible_expenses, visible_trips

KINDS = (ItemKind.EXPENSE, ItemKind.TRIP)

EXAMPLES = settings(
    max_examples=min(100, settings.default.max_examples if settings.default else 100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def items_of(dataset: Dataset, kind: ItemKind) -> tuple[Cost, ...]:
    return dataset.expenses if kind is ItemKind.EXPENSE else dataset.trips


def pure(
    portal: Portal, dataset: Dataset, policy: ApprovalPolicy | None, kind: ItemKind
) -> tuple[PortalExpense | PortalTrip, ...]:
    view = portal_view(portal, dataset, policy)
    return view.expenses if kind is ItemKind.EXPENSE else view.trips


def as_the_service_reads(
    source: SqlDataSource, portal: Portal, kind: ItemKind, items: Sequence[Cost]
) -> tuple[PortalExpense | PortalTrip, ...]:
    """The source's items through the pure rules (the service's last gate), in page order."""
    projects = source.projects(Scope.of(portal))
    if kind is ItemKind.EXPENSE:
        expenses = [i for i in items if isinstance(i, Expense)]
        assert len(expenses) == len(items), "expenses() gave something else than expenses"
        return tuple(visible_expenses(portal, projects, expenses))
    trips = [i for i in items if isinstance(i, Trip)]
    assert len(trips) == len(items), "trips() gave something else than trips"
    return tuple(visible_trips(portal, projects, trips))


def with_states(dataset: Dataset, changes: Sequence[ApprovalChange]) -> Dataset:
    """``dataset`` with each changed expense and trip at its new state."""
    states = {(c.kind, c.entry_id): c.state for c in changes}
    return evolve(
        dataset,
        expenses=tuple(
            evolve(x, approval=states.get((ItemKind.EXPENSE, x.id), x.approval))
            for x in dataset.expenses
        ),
        trips=tuple(
            evolve(t, approval=states.get((ItemKind.TRIP, t.id), t.approval)) for t in dataset.trips
        ),
    )


def check_same_as_pure_filter(
    engine: Engine,
    world: Dataset,
    portal: Portal,
    policy: ApprovalPolicy | None,
    changed: dict[ItemKind, list[Cost]],
    queries: Sequence[EntryQuery],
) -> None:
    clear_tables(engine)
    load_dataset(engine, world)
    source = SqlDataSource(engine)
    changes = [c for kind in KINDS for c in _steps(kind, changed[kind])]
    SqlStore(engine).apply_changes(changes)  # one batch, both kinds
    effective = with_states(world, changes)
    scope = Scope.of(portal, policy)
    visible = {p.id for p in portal_view(portal, effective, policy).projects}
    for kind in KINDS:
        by_id = {i.id: i for i in items_of(effective, kind)}
        shown = pure(portal, effective, policy, kind)
        for query in queries:
            expected = tuple(x for x in shown if query.matches(by_id[x.id]))
            walked = all_costs(source, scope, kind, query)
            got = as_the_service_reads(source, portal, kind, walked)
            assert got == expected, f"the {kind.value}s differ for {query!r}"

            per_project: dict[str, list[PortalExpense | PortalTrip]] = {}
            for x in expected:
                per_project.setdefault(x.project_id, []).append(x)
            sums = source.cost_totals(scope, query, kind)
            totals = {
                project: t.in_portal_currency(portal.settings.currency)
                for project, t in sums.items()
                if project in visible
            }
            assert totals == {p: CostTotals.of(found) for p, found in per_project.items()}, (
                f"the {kind.value} totals differ for {query!r}"
            )
        # V8: who spent or travelled, exactly (the source leaves out the non-billable items the
        # portal hides, so it may be compared with equality).
        logged = {by_id[x.id].employee_id for x in shown}
        assert source.cost_employee_ids(scope, kind) == logged, f"the {kind.value}s' employees"


def differential(engine: Engine) -> None:
    @EXAMPLES
    @given(st.data())
    def check(data: st.DataObject) -> None:
        world = data.draw(worlds(max_entries=3, max_costs=12), label="world")
        kind = data.draw(st.sampled_from(KINDS), label="the kind the portal is busiest with")
        portal = _cost_portal(data, world, kind)
        hidden = data.draw(st.sampled_from((*[None] * 8, "expenses", "trips")), label="hide")
        if hidden is not None:  # V13/V14 switched off for one kind
            settings_ = portal.settings
            settings_ = (
                evolve(settings_, show_expenses=False)
                if hidden == "expenses"
                else evolve(settings_, show_trips=False)
            )
            portal = evolve(portal, settings=settings_)
        policy = data.draw(st.none() | policies(), label="policy")
        changed = {
            k: data.draw(
                st.lists(st.sampled_from(items_of(world, k)), unique_by=lambda i: i.id)
                if items_of(world, k)
                else st.just([]),
                label=f"{k.value}s changed",
            )
            for k in KINDS
        }
        everything: list[Cost] = [*world.expenses, *world.trips]
        limit = data.draw(st.integers(1, 5), label="page size")
        filtered = data.draw(_cost_queries(everything, portal), label="query")
        queries = [EntryQuery(limit=limit), evolve(filtered, limit=limit)]
        check_same_as_pure_filter(engine, world, portal, policy, changed, queries)

    check()


def test_sqlite_expenses_and_trips_are_exactly_the_pure_views(sqlite_memory: Engine) -> None:
    differential(sqlite_memory)


def test_postgres_expenses_and_trips_are_exactly_the_pure_views(postgres: Engine) -> None:
    differential(postgres)


def test_cost_totals_are_of_expenses_or_trips_and_say_what_to_ask_for_hours(
    sqlite_memory: Engine,
) -> None:
    source = SqlDataSource(sqlite_memory)
    scope = Scope.of(_sample_portal(show_expenses=True, show_trips=True))
    clear_tables(sqlite_memory)
    for kind in KINDS:
        assert source.cost_totals(scope, EntryQuery(), kind) == {}
    with pytest.raises(ValueError, match=r"not of <ItemKind.ENTRY.*ask entry_totals"):
        source.cost_totals(scope, EntryQuery(), ItemKind.ENTRY)
    with pytest.raises(ValueError, match=r"not of <ItemKind.ENTRY.*entry_employee_ids"):
        source.cost_employee_ids(scope, ItemKind.ENTRY)


def test_cost_employees_hold_to_the_client_the_selection_and_the_non_billable_rule(
    sqlite_memory: Engine,
) -> None:
    # u3 spent and travelled on p3 (another client's, though selected) and, non-billable, on p1.
    dataset = with_u3_non_billable_on_p1(cost_sample())
    load_dataset(sqlite_memory, dataset)
    source = SqlDataSource(sqlite_memory)
    billable_only = _sample_portal(show_expenses=True, show_trips=True)
    everything = _sample_portal(show_expenses=True, show_trips=True, show_non_billable_amounts=True)
    for kind in KINDS:
        assert source.cost_employee_ids(Scope.of(billable_only), kind) == {"u1", "u2"}
        assert source.cost_employee_ids(Scope.of(everything), kind) == {"u1", "u2", "u3"}
        only_p2 = Scope.of(evolve(everything, project_ids=frozenset({"p2"})))
        assert source.cost_employee_ids(only_p2, kind) == {"u1", "u2"}
        hidden = Scope.of(_sample_portal())  # shows neither kind
        assert source.cost_employee_ids(hidden, kind) == frozenset()
        none_selected = Scope.of(evolve(everything, project_ids=frozenset()))
        assert source.cost_employee_ids(none_selected, kind) == frozenset()


def with_u3_non_billable_on_p1(dataset: Dataset) -> Dataset:
    """``dataset`` with the non-billable expense x00 and trip t00 (on p1) made u3's."""
    return evolve(
        dataset,
        expenses=[evolve(x, employee_id="u3") if x.id == "x00" else x for x in dataset.expenses],
        trips=[evolve(t, employee_id="u3") if t.id == "t00" else t for t in dataset.trips],
    )


# --------------------------------------------------------------------------------------------------
# A portal's page of expenses or trips is one range scan of the (client_id, date desc, id) index


def page_plan(engine: Engine, kind: ItemKind, query: EntryQuery) -> str:
    """The plan of the page statement the source runs for ``query`` over the kit's sample (its
    EXPLAIN, in one line)."""

    def read(source: SqlDataSource, scope: Scope) -> None:
        (source.expenses if kind is ItemKind.EXPENSE else source.trips)(scope, query)

    return plan_of(engine, read)


def plan_of(engine: Engine, read: Callable[[SqlDataSource, Scope], object]) -> str:
    """The plan of the one statement ``read`` runs over the kit's sample, with a portal that
    shows expenses and trips (its EXPLAIN, in one line)."""
    load_dataset(engine, cost_sample())
    source = SqlDataSource(engine)
    scope = Scope.of(_sample_portal(show_expenses=True, show_trips=True))
    statements: list[tuple[str, object]] = []

    def capture(
        conn: object, cursor: object, statement: str, parameters: object, *args: object
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        read(source, scope)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    ((statement, parameters),) = statements
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)  # type: ignore[arg-type]
            return " | ".join(str(row[-1]) for row in rows)
        # A sample this small is scanned and sorted whatever the indexes: forbid both, and a
        # sort that remains is one no index spares.
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)  # type: ignore[arg-type]
        return " | ".join(str(row[0]) for row in rows)


@pytest.mark.parametrize(
    "query",
    [
        EntryQuery(limit=5),
        EntryQuery(limit=5, statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL})),
        EntryQuery(limit=5, after=EntryCursor(_DAY, "x05"), employee_ids=frozenset({"u1"})),
    ],
    ids=["first page", "awaiting the client", "next page of one employee"],
)
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_a_page_of_costs_is_one_index_range_scan_without_sorting(
    engine: Engine, kind: ItemKind, query: EntryQuery
) -> None:
    plan = page_plan(engine, kind, query)
    assert f"ix_tt_{kind.value}s_client_date_id" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_the_employees_of_costs_are_read_along_an_index_not_by_a_table_scan(
    engine: Engine, kind: ItemKind
) -> None:
    plan = plan_of(engine, lambda source, scope: source.cost_employee_ids(scope, kind))
    table = f"tt_{kind.value}s"
    # The client's range of the page index, or the selected projects' of the project index.
    assert f"ix_{table}_client_date_id" in plan or f"ix_{table}_project_date" in plan, plan
    if engine.dialect.name == "sqlite":
        assert f"SEARCH {table} USING INDEX" in plan, plan  # not SCAN: a range, not all of it
    else:
        assert "Index Cond" in plan, plan  # the index is searched, not read whole
