"""A contract test kit: check that your own DataSource or Store behaves as clientportal expects.

Subclass a contract in one of your test modules, name the subclass ``Test...`` so pytest collects
it, and say how to build the thing under test; every ``test_*`` method of the contract then runs
against it::

    from clientportal.testing.contract import DataSourceContract

    class TestMyDataSource(DataSourceContract):
        def make_store(self):
            return SqlStore(engine)             # where approval states live (or MemoryStore())

        def make_source(self, dataset, store):
            load_into_my_tables(dataset)        # your schema, your loader
            return MyDataSource(engine, store)  # must show store's approval states

:class:`DataSourceContract` draws adversarial worlds with :func:`~.strategies.worlds` and checks
that pages concatenate to exactly the matching entries in (date desc, id asc) order, that every
filter works, that pushing the :class:`~clientportal.Scope` down never loses anything the pure
filter shows, and that approval states come from the store. :class:`StoreContract` checks a
:class:`~clientportal.ports.Store`: portals, links, codes, approvals with compare-and-set and
audit trail, the outbox with leases, the access log, and the methods that must be atomic.

Requires pytest and hypothesis (``pip install 'clientportal[test]'``).
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from email.message import EmailMessage
from typing import Any, ClassVar, TypeVar

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..access import (
    OK,
    AccessAction,
    AccessEvent,
    AccessMode,
    Link,
    OneTimeCode,
    PortalAccess,
    secret_digest,
)
from ..memory import MemoryStore
from ..model import (
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
from ..ports import (
    AccessLog,
    ApprovalChange,
    ApprovalStore,
    ChangedMeanwhile,
    DataSource,
    EntryCursor,
    EntryPage,
    EntryQuery,
    OutboxMessage,
    OutboxStore,
    PortalStore,
    Store,
)
from ..visibility import Scope, portal_view
from ..workflow import Action, Actor, Party, approval_machine
from .strategies import policies, portals, worlds

__all__ = [
    "DataSourceContract",
    "StoreContract",
    "all_entries",
    "effective_dataset",
    "sample_dataset",
]

_T = TypeVar("_T")

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_DAY = dt.date(2026, 3, 2)
_EMPLOYEE = Actor(Party.EMPLOYEE, "u1")
_CLIENT = Actor(Party.CLIENT, "k1")


# --------------------------------------------------------------------------------------------------
# Helpers a host's own tests can use too


def all_entries(
    source: DataSource, scope: Scope, query: EntryQuery | None = None
) -> list[TimeEntry]:
    """Every entry ``source`` returns for ``scope`` and ``query``, walking page after page.

    Fails the test when a page is longer than the limit, a cursor is not the page's last entry,
    or the pages never end.
    """
    query = query or EntryQuery()
    found: list[TimeEntry] = []
    for _ in range(100_000):
        page = source.entries(scope, query)
        assert isinstance(page, EntryPage), f"entries() must return an EntryPage, got {page!r}"
        assert len(page.entries) <= query.limit, (
            f"a page holds {len(page.entries)} entries, more than the limit {query.limit}"
        )
        found.extend(page.entries)
        if page.next is None:
            return found
        assert page.entries, "a page with a next cursor must not be empty"
        last = page.entries[-1]
        assert page.next == EntryCursor(last.date, last.id), (
            f"the next cursor {page.next!r} is not the page's last entry ({last.date}, {last.id})"
        )
        query = evolve(query, after=page.next)
    raise AssertionError("the pages never ended (a cursor that does not move on?)")


def effective_dataset(dataset: Dataset, states: dict[str, ApprovalState]) -> Dataset:
    """``dataset`` with each entry's approval state replaced by ``states`` where it has one."""
    return evolve(
        dataset,
        entries=tuple(
            evolve(e, approval=states[e.id]) if e.id in states else e for e in dataset.entries
        ),
    )


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


_EVERYTHING = {
    "show_budget": True,
    "show_invoices": True,
    "show_quotes": True,
    "show_amounts": True,
}
_APPROVING = ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL)


def _entry_key(entry: TimeEntry) -> tuple[int, str]:
    return (-entry.date.toordinal(), entry.id)


def _shown(entry: TimeEntry) -> tuple[Any, ...]:
    """What of an entry can reach a client (internal fields aside)."""
    return (
        entry.id,
        entry.project_id,
        entry.employee_id,
        entry.date,
        entry.seconds,
        entry.description,
        entry.task,
        entry.billable,
        entry.rate,
        entry.approval,
    )


def _query_id(query: EntryQuery) -> str:
    """A test id for ``query`` that is the same in every process (sets sorted, no hashes)."""
    parts = []
    for name in ("employee_ids", "project_ids", "statuses"):
        values = getattr(query, name)
        if values:
            parts.append(f"{name}=" + "+".join(sorted(getattr(v, "name", v) for v in values)))
    for name in ("date_from", "date_to"):
        if getattr(query, name) is not None:
            parts.append(f"{name}={getattr(query, name)}")
    if query.after is not None:
        parts.append(f"after={query.after.date}/{query.after.id}")
    parts.append(f"limit={query.limit}")
    return ",".join(parts)


def _examples(limit: int, base: settings | None = None) -> int:
    profile = base or settings.default
    return max(1, limit if profile is None else min(limit, profile.max_examples))


def _queries(dataset: Dataset, portal: Portal | None = None) -> st.SearchStrategy[EntryQuery]:
    """Queries over ``dataset``; filter values are mostly ones that match something (the
    portal's projects, employees who logged hours, days with hours), sometimes unknown ones."""
    employees = sorted({e.employee_id for e in dataset.entries} | {"u-unknown"})
    selected = portal.project_ids if portal is not None else {p.id for p in dataset.projects}
    projects = sorted(set(selected) | {"p-unknown"})
    days = sorted({e.date for e in dataset.entries} | {dt.date(2026, 1, 1)})
    day = st.sampled_from(days) | st.integers(0, 15).map(
        lambda d: dt.date(2026, 1, 1) + dt.timedelta(days=d)
    )

    def some(items: list[Any], most: int) -> st.SearchStrategy[frozenset[Any]]:
        # Mostly no filter, so that pages are long enough to need several.
        chosen = st.lists(st.sampled_from(items), min_size=1, max_size=most).map(frozenset)
        return st.just(frozenset()) | st.just(frozenset()) | chosen

    @st.composite
    def build(draw: st.DrawFn) -> EntryQuery:
        start, end = draw(st.none() | st.none() | day), draw(st.none() | st.none() | day)
        if start is not None and end is not None and start > end:
            start, end = end, start
        return EntryQuery(
            employee_ids=draw(some(employees, 2)),
            project_ids=draw(some(projects, 2)),
            date_from=start,
            date_to=end,
            statuses=draw(some(list(ApprovalStatus), 3)),
        )

    return build()


def _showing_hours(portal: Portal) -> Portal:
    return evolve(portal, settings=evolve(portal.settings, show_hours=True))


def _busy_portal(data: st.DataObject, world: Dataset) -> Portal:
    """A portal of ``world`` (as :func:`portals` draws it) that shows hours, and half the time
    selects every project of its client too, so that pages are often several."""
    portal = _showing_hours(data.draw(portals(world), label="portal"))
    if data.draw(st.booleans(), label="the busiest client's, with all its projects"):
        client_of = {p.id: p.client_id for p in world.projects}
        logged = collections.Counter(client_of[e.project_id] for e in world.entries)
        busiest = max(sorted(logged), key=logged.__getitem__) if logged else portal.client_id
        own = {p.id for p in world.projects if p.client_id == busiest}
        portal = evolve(portal, client_id=busiest, project_ids=portal.project_ids | own)
    return portal


def _busy_worlds() -> st.SearchStrategy[Dataset]:
    """:func:`worlds` with at least two entries (the property needs something to page)."""
    return worlds(max_entries=40).filter(lambda world: len(world.entries) >= 2)


def _in_threads(work: Callable[[], _T], threads: int) -> list[_T]:
    barrier = threading.Barrier(threads)
    results: list[_T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            result = work()
        except BaseException as error:
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(result)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    return results


# --------------------------------------------------------------------------------------------------
# DataSource


class DataSourceContract:
    """Tests every :class:`~clientportal.ports.DataSource` must pass. Subclass it as ``Test...``.

    Implement :meth:`make_source`; override :meth:`make_store` when your source reads approval
    states from somewhere other than a :class:`~clientportal.memory.MemoryStore`.
    """

    #: The most hypothesis examples per property (the active profile may ask for fewer).
    max_examples: ClassVar[int] = 100
    #: The hypothesis settings the properties start from (``None``: the active profile); e.g.
    #: ``settings(phases=[...])`` without shrinking, to fail fast.
    hypothesis_settings: ClassVar[settings | None] = None
    #: True when the source returns exactly what its scope allows. The port lets a source return
    #: more (the service filters again); set this to check that your pushdown is exact.
    exact_pushdown: ClassVar[bool] = False

    def make_store(self) -> ApprovalStore:
        """A fresh, empty store the source under test takes its approval states from."""
        return MemoryStore()

    def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
        """A source holding exactly ``dataset``, showing ``store``'s approval state of an entry
        when it holds one and the dataset's own otherwise."""
        raise NotImplementedError("subclass DataSourceContract and implement make_source()")

    def _build(self, dataset: Dataset) -> tuple[DataSource, ApprovalStore]:
        store = self.make_store()
        return self.make_source(dataset, store), store

    def _run(self, test: Callable[..., None]) -> None:
        settings(
            self.hypothesis_settings,
            max_examples=_examples(self.max_examples, self.hypothesis_settings),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )(given(st.data())(test))()

    # -- the properties ------------------------------------------------------------------------

    def test_contract_the_source_implements_the_port(self) -> None:
        source, _ = self._build(sample_dataset())
        assert isinstance(source, DataSource)

    def test_contract_pages_concatenate_to_exactly_the_matching_visible_entries(self) -> None:
        def check(data: st.DataObject) -> None:
            world = data.draw(_busy_worlds(), label="world")
            portal = _busy_portal(data, world)
            policy = data.draw(st.none() | policies(), label="policy")
            query = data.draw(_queries(world, portal), label="query")
            source, _ = self._build(world)
            self._check_entries(source, world, portal, policy, query, data)

        self._run(check)

    def test_contract_approval_states_come_from_the_store(self) -> None:
        def check(data: st.DataObject) -> None:
            world = data.draw(_busy_worlds(), label="world")
            portal = _busy_portal(data, world)
            source, store = self._build(world)
            changed = data.draw(
                st.lists(st.sampled_from(world.entries), unique_by=lambda e: e.id)
                if world.entries
                else st.just([]),
                label="changed",
            )
            states = _submit_or_withdraw(store, changed)
            effective = effective_dataset(world, states)
            query = data.draw(_queries(world, portal), label="query")
            self._check_entries(source, effective, portal, _APPROVING, query, data)
            by_id = source.entries_by_id(frozenset(states))
            assert {e.id: e.approval for e in by_id} == states

        self._run(check)

    def test_contract_scope_pushdown_never_hides_what_the_pure_filter_shows(self) -> None:
        def check(data: st.DataObject) -> None:
            world = data.draw(worlds(max_entries=30), label="world")
            portal = data.draw(portals(world), label="portal")
            if data.draw(st.booleans(), label="hours shown"):
                portal = _showing_hours(portal)
            policy = data.draw(st.none() | policies(), label="policy")
            source, _ = self._build(world)
            scope = Scope.of(portal, policy)
            view = portal_view(portal, world, policy)
            visible = frozenset(p.id for p in view.projects)

            projects = source.projects(scope)
            by_id = {p.id: p for p in world.projects}
            assert all(p == by_id.get(p.id) for p in projects), "projects differ from the data"
            assert {p.id for p in projects if scope.shows_project(p)} == visible

            budgets = [b for b in source.budgets(scope) if scope.shows_budget(b, visible)]
            expected_budgets = [b for b in world.budgets if scope.shows_budget(b, visible)]
            assert sorted(budgets, key=lambda b: b.id) == sorted(
                expected_budgets, key=lambda b: b.id
            )
            assert {b.id for b in view.budgets} == {b.id for b in budgets}

            for kind, got, wanted in (
                ("invoices", source.invoices(scope), world.invoices),
                ("quotes", source.quotes(scope), world.quotes),
            ):
                kept = sorted(
                    (d for d in got if scope.shows_document(d, visible)), key=lambda d: d.id
                )
                expected = sorted(
                    (d for d in wanted if scope.shows_document(d, visible)),
                    key=lambda d: d.id,
                )
                assert kept == expected, f"{kind} differ from the pure filter's"

            entries = all_entries(source, scope)
            assert {e.id for e in entries} >= {e.id for e in view.entries}
            if self.exact_pushdown:
                assert {e.id for e in entries} == {e.id for e in view.entries}
                assert {p.id for p in projects} == visible
                assert {b.id for b in source.budgets(scope)} == {b.id for b in view.budgets}
                assert {d.id for d in source.invoices(scope)} == {d.id for d in view.invoices}
                assert {d.id for d in source.quotes(scope)} == {d.id for d in view.quotes}

        self._run(check)

    def test_contract_records_read_back_as_they_were_given(self) -> None:
        def check(data: st.DataObject) -> None:
            world = data.draw(worlds(), label="world")
            source, _ = self._build(world)
            for client in world.clients:
                assert source.client(client.id) == client
                assert sorted(source.contacts(client.id), key=lambda c: c.id) == sorted(
                    (c for c in world.contacts if c.client_id == client.id), key=lambda c: c.id
                )
            assert source.client("c-unknown") is None
            wanted = frozenset(e.id for e in world.employees[::2]) | {"u-unknown"}
            assert sorted(source.employees(wanted), key=lambda e: e.id) == sorted(
                (e for e in world.employees if e.id in wanted), key=lambda e: e.id
            )
            who = getattr(source, "entry_employee_ids", None)  # optional (pages.EntryEmployees)
            if who is not None:
                portal = data.draw(portals(world), label="portal")
                logged = {e.employee_id for e in portal_view(portal, world).entries}
                found = frozenset(who(Scope.of(portal)))
                assert found >= logged, f"entry_employee_ids misses {logged - found}"
                if self.exact_pushdown:
                    assert found == logged
            ids = frozenset(e.id for e in world.entries[::2]) | {"e-unknown"}
            got = sorted(source.entries_by_id(ids), key=lambda e: e.id)
            assert [_shown(e) for e in got] == [
                _shown(e) for e in sorted(world.entries, key=lambda e: e.id) if e.id in ids
            ]

        self._run(check)

    # -- each filter on a fixed world ----------------------------------------------------------

    def _sample(self) -> tuple[DataSource, Dataset, Scope]:
        dataset = sample_dataset()
        source, _ = self._build(dataset)
        return source, dataset, Scope.of(_sample_portal(**_EVERYTHING), _APPROVING)

    def _expect(self, dataset: Dataset, query: EntryQuery) -> list[str]:
        portal = _sample_portal(**_EVERYTHING)
        by_id = {e.id: e for e in dataset.entries}
        return [
            e.id
            for e in portal_view(portal, dataset, _APPROVING).entries
            if query.matches(by_id[e.id])
        ]

    @pytest.mark.parametrize(
        "query",
        [
            EntryQuery(),
            EntryQuery(employee_ids=frozenset({"u2"})),
            EntryQuery(employee_ids=frozenset({"u1", "u3"})),
            EntryQuery(project_ids=frozenset({"p2"})),
            EntryQuery(project_ids=frozenset({"p3"})),
            EntryQuery(date_from=_DAY - dt.timedelta(days=3)),
            EntryQuery(date_to=_DAY - dt.timedelta(days=5)),
            EntryQuery(date_from=_DAY - dt.timedelta(days=4), date_to=_DAY - dt.timedelta(days=4)),
            EntryQuery(statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL})),
            EntryQuery(statuses=frozenset({ApprovalStatus.OPEN, ApprovalStatus.REJECTED})),
            EntryQuery(
                employee_ids=frozenset({"u1"}),
                project_ids=frozenset({"p1"}),
                date_to=_DAY - dt.timedelta(days=1),
                statuses=frozenset({ApprovalStatus.OPEN, ApprovalStatus.APPROVED}),
            ),
            EntryQuery(limit=1),
            EntryQuery(limit=3, after=EntryCursor(_DAY - dt.timedelta(days=2), "e07")),
            EntryQuery(after=EntryCursor(_DAY - dt.timedelta(days=2), "e0")),
            EntryQuery(after=EntryCursor(_DAY - dt.timedelta(days=99), "e00")),
        ],
        ids=_query_id,
    )
    def test_contract_each_filter(self, query: EntryQuery) -> None:
        source, dataset, scope = self._sample()
        expected = [
            i
            for i in self._expect(dataset, evolve(query, after=None, limit=100))
            if query.after is None
            or _entry_key(next(e for e in dataset.entries if e.id == i))
            > (-query.after.date.toordinal(), query.after.id)
        ]
        wanted = set(expected)
        visible = {p.id for p in dataset.projects if scope.shows_project(p)}
        entries = {e.id: e for e in dataset.entries}
        got = [e.id for e in all_entries(source, scope, query)]
        assert [i for i in got if i in wanted] == expected
        extra = [i for i in got if i not in wanted]
        assert not [i for i in extra if entries[i].project_id in visible], (
            f"entries outside the query's filters came back: {extra}"
        )
        first = [e.id for e in source.entries(scope, query).entries]
        assert [i for i in first if i in wanted] == expected[: len(first)]
        if self.exact_pushdown:
            assert got == expected
            assert first == expected[: query.limit]

    @pytest.mark.parametrize("limit", [1, 2, 3, 4, 7, 11, 100])
    def test_contract_pages_of_every_size_walk_every_entry_once(self, limit: int) -> None:
        source, dataset, scope = self._sample()
        query = EntryQuery(limit=limit)
        expected = self._expect(dataset, EntryQuery())
        visible = {p.id for p in dataset.projects if scope.shows_project(p)}
        got = [e.id for e in all_entries(source, scope, query)]
        by_id = {e.id: e for e in dataset.entries}
        assert [i for i in got if by_id[i].project_id in visible] == expected
        assert len(expected) > limit or limit == 100

    def test_contract_an_exact_pushdown_returns_nothing_outside_the_scope(self) -> None:
        if not self.exact_pushdown:
            pytest.skip("the source may return more than its scope (exact_pushdown is False)")
        source, dataset, scope = self._sample()
        visible = frozenset(p.id for p in dataset.projects if scope.shows_project(p))
        assert all(e.project_id in visible for e in all_entries(source, scope))
        assert {p.id for p in source.projects(scope)} == visible
        assert all(scope.shows_budget(b, visible) for b in source.budgets(scope))
        assert all(scope.shows_document(d, visible) for d in source.invoices(scope))
        assert all(scope.shows_document(d, visible) for d in source.quotes(scope))
        hidden = Scope.of(_sample_portal(show_hours=False), _APPROVING)
        assert all_entries(source, hidden) == []

    def test_contract_internal_totals_and_drafts_need_not_be_fetched_but_shown_ones_are(
        self,
    ) -> None:
        source, dataset, scope = self._sample()
        view = portal_view(_sample_portal(**_EVERYTHING), dataset, _APPROVING)
        assert {b.id for b in view.budgets} <= {b.id for b in source.budgets(scope)}
        assert {i.id for i in view.invoices} <= {i.id for i in source.invoices(scope)}
        assert {q.id for q in view.quotes} <= {q.id for q in source.quotes(scope)}
        assert view.budgets
        assert view.invoices
        assert view.quotes

    def test_contract_a_status_filter_sees_decisions_made_in_the_store(self) -> None:
        dataset = sample_dataset()
        source, store = self._build(dataset)
        scope = Scope.of(_sample_portal(), _APPROVING)
        waiting = EntryQuery(statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL}))
        before = [e.id for e in all_entries(source, scope, waiting)]
        assert before
        target = next(e for e in dataset.entries if e.id == before[0])
        decided = approval_machine(Workflow.EXTERNAL).apply(
            target.approval, Action.APPROVE, _CLIENT, at=T0
        )
        store.apply_changes(
            [ApprovalChange(target.id, target.approval.version, decided.state, decided.event)]
        )
        assert [e.id for e in all_entries(source, scope, waiting)] == before[1:]
        approved = all_entries(
            source, scope, EntryQuery(statuses=frozenset({ApprovalStatus.APPROVED}))
        )
        assert target.id in {e.id for e in approved}
        (again,) = source.entries_by_id(frozenset({target.id}))
        assert again.approval == decided.state

    def test_contract_unknown_documents_have_no_file(self) -> None:
        source, _, _ = self._sample()
        assert source.document_file("invoice", "no-such-invoice") is None
        assert source.document_file("quote", "no-such-quote") is None

    # -- the shared check ----------------------------------------------------------------------

    def _check_entries(
        self,
        source: DataSource,
        dataset: Dataset,
        portal: Portal,
        policy: ApprovalPolicy | None,
        query: EntryQuery,
        data: st.DataObject,
    ) -> None:
        scope = Scope.of(portal, policy)
        by_id = {e.id: e for e in dataset.entries}
        expected = [
            e.id for e in portal_view(portal, dataset, policy).entries if query.matches(by_id[e.id])
        ]
        # A page smaller than the result, whenever there are two entries: several pages to walk.
        most = max(1, len(expected) - 1)
        query = evolve(query, limit=data.draw(st.integers(1, min(most, 7)), label="page size"))
        got = all_entries(source, scope, query)
        ids = [e.id for e in got]
        assert len(set(ids)) == len(ids), f"an entry came twice: {ids}"
        keys = [_entry_key(e) for e in got]
        assert keys == sorted(keys), f"entries are not in (date desc, id asc) order: {ids}"
        for entry in got:
            assert entry.id in by_id, f"entry {entry.id!r} is not in the data"
            assert _shown(entry) == _shown(by_id[entry.id]), (
                f"entry {entry.id!r} differs from the data: {entry!r} != {by_id[entry.id]!r}"
            )
            assert query.matches(entry), f"entry {entry.id!r} does not match {query!r}"
        visible = {p.id for p in dataset.projects if scope.shows_project(p)}
        kept = [i for i in ids if scope.entries and by_id[i].project_id in visible]
        assert kept == expected, "the entries differ from the pure filter's"


def _submit_or_withdraw(
    store: ApprovalStore, entries: Iterable[TimeEntry]
) -> dict[str, ApprovalState]:
    """Move each entry one legal step through the store (whoever may take one), and return the
    states stored. Entries nobody can move (none under the workflows drawn) are left alone."""
    machine = approval_machine(Workflow.EXTERNAL)
    actors = (_EMPLOYEE, Actor(Party.MANAGER, "m1"), _CLIENT)
    changes = []
    for entry in entries:
        state = entry.approval
        for actor in actors:
            options = machine.allowed(state, actor, owner="u-other")
            if options:
                step = machine.apply(
                    state, options[0], actor, at=T0, reason="changed", owner="u-other"
                )
                changes.append(ApprovalChange(entry.id, state.version, step.state, step.event))
                break
    store.apply_changes(changes)
    return {c.entry_id: c.state for c in changes}


# --------------------------------------------------------------------------------------------------
# Store


def _portal(portal_id: str = "portal-1", **changes: Any) -> Portal:
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
    message = EmailMessage()
    message["From"] = "portal@example.com"
    message["To"] = to
    message["Subject"] = f"Hours to approve ({message_id}) – bitte prüfen"
    message["Message-ID"] = f"<{message_id}@clientportal.example>"
    message.set_content("Please approve 3 entries.\nÜmlauts & <markup> survive.\n")
    return OutboxMessage.of(message_id, message, created_at=at)


def _submitted(entry_id: str, state: ApprovalState | None = None) -> ApprovalChange:
    before = state or ApprovalState()
    step = approval_machine(Workflow.EXTERNAL).apply(before, Action.SUBMIT, _EMPLOYEE, at=T0)
    return ApprovalChange(entry_id, before.version, step.state, step.event)


def _decided(change: ApprovalChange, action: Action = Action.APPROVE) -> ApprovalChange:
    step = approval_machine(Workflow.EXTERNAL).apply(
        change.state, action, _CLIENT, at=T0 + dt.timedelta(minutes=1), reason="why"
    )
    return ApprovalChange(change.entry_id, change.state.version, step.state, step.event)


class StoreContract:
    """Tests every :class:`~clientportal.ports.Store` must pass. Subclass it as ``Test...``.

    Implement :meth:`make_store`. Set :attr:`threads` to 0 for a store that may not be shared
    between threads (the atomicity tests are then skipped).
    """

    #: How many threads the atomicity tests race (0 skips them).
    threads: ClassVar[int] = 6

    def make_store(self) -> Store:
        """A fresh, empty store."""
        raise NotImplementedError("subclass StoreContract and implement make_store()")

    def recorded_access_events(self, store: Store) -> Sequence[AccessEvent] | None:
        """The access events ``store`` recorded, oldest first, or ``None`` when they cannot be
        read back (the access-log check is then only that recording works). The default calls
        ``store.access_events()`` when the store has it."""
        reader = getattr(store, "access_events", None)
        return None if reader is None else tuple(reader())

    def _race(self, work: Callable[[], _T]) -> list[_T]:
        if self.threads < 2:
            pytest.skip("this store is not shared between threads (threads < 2)")
        return _in_threads(work, self.threads)

    # -- portals -------------------------------------------------------------------------------

    def test_contract_store_implements_the_ports(self) -> None:
        store = self.make_store()
        for port in (PortalStore, ApprovalStore, OutboxStore, AccessLog):
            assert isinstance(store, port), f"the store does not implement {port.__name__}"

    def test_contract_portals_read_back_whole(self) -> None:
        store = self.make_store()
        portal = _portal()
        store.put_portal(portal)
        assert store.get_portal("portal-1") == portal
        assert store.get_portal("nope") is None
        assert store.get_access("portal-1") == PortalAccess(portal_id="portal-1")
        assert store.get_access("nope") is None
        bare = _portal("portal-0", project_ids=frozenset(), contact_ids=frozenset(), active=False)
        store.put_portal(bare)
        assert store.get_portal("portal-0") == bare
        assert [p.id for p in store.list_portals()] == ["portal-0", "portal-1"]

    def test_contract_replacing_a_portal_keeps_its_access_state(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        assert store.bump_generation("portal-1") == 1
        store.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
        renamed = _portal(name="Renamed", project_ids=frozenset({"p2"}))
        store.put_portal(renamed)
        assert store.get_portal("portal-1") == renamed
        assert store.get_access("portal-1") == PortalAccess(
            portal_id="portal-1", generation=1, mode=AccessMode.LINK_AND_CODE
        )

    def test_contract_unknown_portals_raise_key_error_on_access_changes(self) -> None:
        store = self.make_store()
        with pytest.raises(KeyError):
            store.bump_generation("nope")
        with pytest.raises(KeyError):
            store.set_access_mode("nope", AccessMode.LINK)

    def test_contract_generation_bumps_are_atomic(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        self._race(lambda: [store.bump_generation("portal-1") for _ in range(10)])
        access = store.get_access("portal-1")
        assert access is not None
        assert access.generation == self.threads * 10

    # -- links ---------------------------------------------------------------------------------

    def test_contract_links_read_back_and_are_listed_oldest_first(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        store.put_portal(_portal("portal-2"))
        later = T0 + dt.timedelta(minutes=1)
        store.add_link(_link("b", at=later, expires_at=later + dt.timedelta(days=1)))
        store.add_link(_link("c", contact_id=None, generation=3))
        store.add_link(_link("a", at=later))
        store.add_link(_link("x", portal_id="portal-2"))
        assert [link.id for link in store.list_links("portal-1")] == ["c", "a", "b"]
        assert [link.id for link in store.list_links("portal-2")] == ["x"]
        assert list(store.list_links("nope")) == []
        assert store.get_link("b") == _link("b", at=later, expires_at=later + dt.timedelta(days=1))
        assert store.get_link("c") == _link("c", contact_id=None, generation=3)
        assert store.get_link("nope") is None

    def test_contract_a_link_id_can_be_added_only_once(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        store.add_link(_link("a"))
        with pytest.raises(ValueError, match="a"):
            store.add_link(_link("a", at=T0 + dt.timedelta(hours=1)))
        assert store.get_link("a") == _link("a")

    def test_contract_revoking_keeps_the_first_time_and_using_touches_only_last_used(
        self,
    ) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        store.add_link(_link("a"))
        used = T0 + dt.timedelta(minutes=5)
        store.mark_link_used("a", used)
        assert store.get_link("a") == _link("a", last_used_at=used)
        first, second = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)
        store.revoke_link("a", first)
        store.revoke_link("a", second)
        store.mark_link_used("a", second)
        assert store.get_link("a") == _link("a", last_used_at=second, revoked_at=first)
        store.mark_link_used("nope", used)
        store.revoke_link("nope", used)
        assert store.get_link("nope") is None

    def test_contract_a_revocation_wins_over_concurrent_use(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        store.add_link(_link("a"))
        at = T0 + dt.timedelta(hours=1)

        def use_and_revoke() -> None:
            store.mark_link_used("a", at)
            store.revoke_link("a", at)

        self._race(use_and_revoke)
        link = store.get_link("a")
        assert link is not None
        assert link.revoked_at == at

    # -- codes ---------------------------------------------------------------------------------

    def test_contract_a_new_code_replaces_the_links_previous_code(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        store.add_link(_link("link-1"))
        store.put_code(_code("one"))
        assert store.get_code("link-1") == _code("one")
        store.put_code(_code("two"))
        assert store.get_code("link-1") == _code("two")
        assert store.count_code_attempt("one") == 0
        assert store.use_code("one", T0) is False
        assert store.get_code("nope") is None

    def test_contract_code_attempts_are_counted_and_a_code_is_used_once(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        store.add_link(_link("link-1"))
        store.put_code(_code("one"))
        assert [store.count_code_attempt("one") for _ in range(3)] == [1, 2, 3]
        assert store.use_code("one", T0) is True
        assert store.use_code("one", T0 + dt.timedelta(seconds=1)) is False
        assert store.get_code("link-1") == evolve(_code("one"), attempts=3, used_at=T0)

    def test_contract_code_attempts_and_use_are_atomic(self) -> None:
        store = self.make_store()
        store.put_portal(_portal())
        store.add_link(_link("link-1"))
        store.put_code(_code("one"))
        counts = self._race(lambda: [store.count_code_attempt("one") for _ in range(5)])
        seen = sorted(n for batch in counts for n in batch)
        assert seen == list(range(1, self.threads * 5 + 1))
        uses = self._race(lambda: store.use_code("one", T0))
        assert uses.count(True) == 1

    # -- access log ----------------------------------------------------------------------------

    def test_contract_the_access_log_keeps_events_in_order(self) -> None:
        store = self.make_store()
        events = [
            AccessEvent(
                at=T0 + dt.timedelta(seconds=n),
                action=action,
                reason=OK if n % 2 else "link_revoked",
                link_id=f"link-{n}" if n else None,
                portal_id="portal-1" if n != 2 else None,
                client_hash=None if n == 1 else f"{n:064x}",
            )
            for n, action in enumerate(AccessAction)
        ]
        for event in events:
            store.record(event)
        recorded = self.recorded_access_events(store)
        if recorded is not None:
            assert list(recorded) == events

    # -- approvals -----------------------------------------------------------------------------

    def test_contract_changes_are_stored_with_their_audit_trail(self) -> None:
        store = self.make_store()
        assert store.approval_states(frozenset({"e1"})) == {}
        assert list(store.history("e1")) == []
        submit = _submitted("e1")
        store.apply_changes([submit, _submitted("e2")])
        approve = _decided(submit)
        store.apply_changes([approve])
        assert store.approval_states(frozenset({"e1", "e2", "e3"})) == {
            "e1": approve.state,
            "e2": _submitted("e2").state,
        }
        assert list(store.history("e1")) == [submit.event, approve.event]
        assert list(store.history("e2")) == [_submitted("e2").event]

    def test_contract_a_batch_may_move_one_entry_twice_in_order(self) -> None:
        store = self.make_store()
        submit = _submitted("e1")
        reject = _decided(submit, Action.REJECT)
        store.apply_changes([submit, reject])
        assert store.approval_states(frozenset({"e1"})) == {"e1": reject.state}
        trail = list(store.history("e1"))
        assert trail == [submit.event, reject.event]
        assert all(a.after == b.before for a, b in itertools.pairwise(trail))

    def test_contract_a_first_change_starts_from_the_sources_own_state(self) -> None:
        store = self.make_store()
        own = ApprovalState(ApprovalStatus.REJECTED, Workflow.EXTERNAL, version=7, reason="x")
        store.apply_changes([_submitted("e1", own)])
        assert store.approval_states(frozenset({"e1"}))["e1"].version == 8

    def test_contract_a_stale_change_writes_nothing_and_names_the_entries(self) -> None:
        store = self.make_store()
        first = _submitted("e1")
        store.apply_changes([first, _submitted("e2")])
        store.apply_changes([_decided(first)])
        stale = _decided(first, Action.REJECT)  # still expects version 1
        fresh = _decided(_submitted("e2"))
        with pytest.raises(ChangedMeanwhile) as caught:
            store.apply_changes([fresh, stale, _submitted("e3")], [_mail("m1")])
        assert caught.value.entry_ids == ("e1",)
        assert store.approval_states(frozenset({"e1", "e2", "e3"})) == {
            "e1": _decided(first).state,
            "e2": _submitted("e2").state,
        }
        assert len(store.history("e1")) == 2
        assert len(store.history("e2")) == 1
        assert list(store.history("e3")) == []
        assert list(store.pending()) == []

    def test_contract_racing_decisions_on_one_entry_let_exactly_one_win(self) -> None:
        store = self.make_store()
        submit = _submitted("e1")
        store.apply_changes([submit])

        def decide() -> bool:
            try:
                store.apply_changes([_decided(submit)])
            except ChangedMeanwhile:
                return False
            return True

        outcomes = self._race(decide)
        assert outcomes.count(True) == 1
        assert len(store.history("e1")) == 2
        racing_first = self._race(lambda: _try(store, [_submitted("e9")]))
        assert racing_first.count(True) == 1
        assert len(store.history("e9")) == 1

    def test_contract_decisions_queue_their_mail_in_the_same_transaction(self) -> None:
        store = self.make_store()
        store.apply_changes([_submitted("e1")], [_mail("m1"), _mail("m2")])
        assert [m.id for m in store.pending()] == ["m1", "m2"]

    # -- outbox --------------------------------------------------------------------------------

    def test_contract_outbox_messages_read_back_byte_for_byte(self) -> None:
        store = self.make_store()
        mail = _mail("m1", to="kim@acme.example, lou@acme.example")
        store.enqueue([mail])
        assert list(store.pending()) == [mail]
        (claimed,) = store.claim_due(now=T0, limit=10, lease=dt.timedelta(minutes=1))
        assert claimed == mail
        assert claimed.message == mail.message
        assert claimed.recipients == ("kim@acme.example", "lou@acme.example")

    def test_contract_claims_take_due_messages_oldest_first_up_to_the_limit(self) -> None:
        store = self.make_store()
        store.enqueue([_mail(f"m{n}", T0 + dt.timedelta(minutes=n)) for n in (3, 1, 2, 9)])
        lease = dt.timedelta(minutes=5)
        now = T0 + dt.timedelta(minutes=3)
        assert [m.id for m in store.claim_due(now=now, limit=2, lease=lease)] == ["m1", "m2"]
        assert [m.id for m in store.claim_due(now=now, limit=2, lease=lease)] == ["m3"]
        assert list(store.claim_due(now=now, limit=2, lease=lease)) == []
        # The lease runs out (a crashed worker): the messages come back.
        later = now + lease
        assert [m.id for m in store.claim_due(now=later, limit=10, lease=lease)] == [
            "m1",
            "m2",
            "m3",
        ]
        hour = T0 + dt.timedelta(hours=1)
        assert [m.id for m in store.claim_due(now=hour, limit=9, lease=lease)] == [
            "m1",
            "m2",
            "m3",
            "m9",
        ]
        assert [m.id for m in store.pending()] == ["m1", "m2", "m3", "m9"]

    def test_contract_sent_messages_leave_the_queue(self) -> None:
        store = self.make_store()
        store.enqueue([_mail("m1"), _mail("m2")])
        lease = dt.timedelta(minutes=1)
        store.claim_due(now=T0, limit=10, lease=lease)
        store.mark_sent("m1", at=T0 + dt.timedelta(seconds=2))
        assert [m.id for m in store.pending()] == ["m2"]
        later = T0 + dt.timedelta(hours=1)
        assert [m.id for m in store.claim_due(now=later, limit=10, lease=lease)] == ["m2"]

    def test_contract_failures_are_counted_retried_later_and_given_up(self) -> None:
        store = self.make_store()
        store.enqueue([_mail("m1")])
        lease = dt.timedelta(minutes=1)
        store.claim_due(now=T0, limit=10, lease=lease)
        retry = T0 + dt.timedelta(minutes=10)
        store.mark_failed("m1", at=T0, error="421 try later", retry_at=retry)
        (waiting,) = store.pending()
        assert (waiting.attempts, waiting.last_error, waiting.next_attempt_at) == (
            1,
            "421 try later",
            retry,
        )
        assert (
            list(store.claim_due(now=retry - dt.timedelta(seconds=1), limit=9, lease=lease)) == []
        )
        (again,) = store.claim_due(now=retry, limit=9, lease=lease)
        assert again.attempts == 1
        store.mark_failed("m1", at=retry, error="550 no such user", retry_at=None)
        (given_up,) = store.pending()
        assert (given_up.attempts, given_up.last_error) == (2, "550 no such user")
        forever = T0 + dt.timedelta(days=365)
        assert list(store.claim_due(now=forever, limit=9, lease=lease)) == []

    def test_contract_concurrent_claims_never_hand_out_a_message_twice(self) -> None:
        store = self.make_store()
        store.enqueue([_mail(f"m{n:02d}") for n in range(30)])
        claimed = self._race(
            lambda: [m.id for m in store.claim_due(now=T0, limit=4, lease=dt.timedelta(minutes=5))]
        )
        ids = [i for batch in claimed for i in batch]
        assert len(ids) == len(set(ids))
        assert len(ids) == min(30, 4 * self.threads)


def _try(store: ApprovalStore, changes: Sequence[ApprovalChange]) -> bool:
    try:
        store.apply_changes(changes)
    except ChangedMeanwhile:
        return False
    return True
