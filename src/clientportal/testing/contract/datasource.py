"""The contract every :class:`~clientportal.ports.DataSource` must pass."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import pytest
from attrs import evolve
from hypothesis import strategies as st

from ...model import (
    ApprovalPolicy,
    ApprovalStatus,
    BudgetType,
    Dataset,
    Invoice,
    Portal,
    Quote,
)
from ...ports import (
    ApprovalStore,
    DataSource,
    DocumentFile,
    EntryCursor,
    EntryQuery,
    id_order_of,
)
from ...visibility import PortalInvoice, PortalQuote, Scope, portal_view
from ...workflow import Action
from ..missing import Missing
from ..strategies import policies, portals
from .aggregates import AggregateContract
from .costs import CostSourceContract
from .draws import _showing_hours, _some_entries, _submit_or_withdraw
from .ids import Renumbering
from .reading import (
    _by_id,
    _expected_ids,
    _shown,
    _visible_projects,
    all_entries,
    effective_dataset,
)
from .samples import (
    _APPROVING,
    _CLIENT,
    _DAY,
    _EVERYTHING,
    _sample_portal,
    _step,
    sample_dataset,
)

__all__ = ["DataSourceContract"]

_SHOWING_EVERYTHING = _sample_portal(**_EVERYTHING)


def _as_given(documents: Iterable[Invoice | Quote]) -> list[Invoice | Quote]:
    """``documents`` by id, ``has_file`` aside: a source says it from its own files, whatever the
    dataset it was given holds."""
    return _by_id(evolve(d, has_file=True) for d in documents)


def _sample_files(dataset: Dataset, portal: Portal) -> dict[tuple[str, str], DocumentFile]:
    """A small file for every other invoice and quote that ``portal`` shows of ``dataset``:
    some shown documents with a file, some without."""
    view = portal_view(portal, dataset, _APPROVING)
    files: dict[tuple[str, str], DocumentFile] = {}
    shown: tuple[tuple[str, Sequence[PortalInvoice | PortalQuote]], ...] = (
        ("invoice", view.invoices),
        ("quote", view.quotes),
    )
    for kind, documents in shown:
        for document in _by_id(documents)[::2]:
            files[(kind, document.id)] = DocumentFile(
                f"{document.number}.pdf", "application/pdf", b"%PDF-1.4 " + document.id.encode()
            )
    return files


#: The sample's queries: each filter alone and together, cursors and page sizes.
_SAMPLE_QUERIES = (
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


class DataSourceContract(AggregateContract, CostSourceContract):
    """Tests every :class:`~clientportal.ports.DataSource` must pass. Subclass it as ``Test...``.
    Those of the optional parts (totals, who logged hours, hours per week, expenses and trips)
    skip for a source without them, saying which part is missing.

    Say how the source under test is built: implement :meth:`load` (put a world into your
    tables) and :meth:`source` (your source over them), or :meth:`make_source` (both at once).
    Override :meth:`make_store` when your source reads approval states from somewhere other
    than a :class:`~clientportal.memory.MemoryStore`. Declare your ids (:attr:`ids`) and what
    your schema cannot hold (:attr:`cannot_hold`, :class:`~clientportal.testing.missing.Missing`).
    """

    def make_source_with_files(
        self,
        dataset: Dataset,
        store: ApprovalStore,
        files: Mapping[tuple[str, str], DocumentFile],
    ) -> DataSource:
        """A source as :meth:`make_source` makes it that also holds ``files`` (by ``(kind,
        document id)``, kind "invoice" or "quote"). Implement it when your source can be given
        files, and the check that documents say whether they have one runs with files too;
        without it, it runs on :meth:`make_source`'s source alone."""
        raise NotImplementedError

    # -- the properties ------------------------------------------------------------------------

    def test_contract_the_source_implements_the_port(self) -> None:
        source, _, _, _ = self._sample()
        assert isinstance(source, DataSource)

    def test_contract_pages_concatenate_to_exactly_the_matching_visible_entries(self) -> None:
        def check(data: st.DataObject) -> None:
            case = self._case(data)
            source, _ = self._build(case.world)
            self._check_entries(source, case.world, case.portal, case.policy, case.query, data)

        self._run(check)

    def test_contract_approval_states_come_from_the_store(self) -> None:
        def check(data: st.DataObject) -> None:
            case = self._case(data)
            world = case.world
            source, store = self._build(world)
            changed = data.draw(_some_entries(world), label="changed")
            states = _submit_or_withdraw(store, changed)
            effective = effective_dataset(world, states)
            self._check_entries(source, effective, case.portal, _APPROVING, case.query, data)
            by_id = source.entries_by_id(frozenset(states))
            assert {e.id: e.approval for e in by_id} == states

        self._run(check)

    def test_contract_scope_pushdown_never_hides_what_the_pure_filter_shows(self) -> None:
        def check(data: st.DataObject) -> None:
            world = data.draw(self._worlds(max_entries=30, max_costs=0), label="world")
            portal = data.draw(portals(world), label="portal")
            if data.draw(st.booleans(), label="hours shown"):
                portal = _showing_hours(portal)
            policy = data.draw(st.none() | policies(), label="policy")
            ids = self._renumbering(world)
            world, portal = ids.dataset(world), ids.portal(portal)
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
            assert _by_id(budgets) == _by_id(expected_budgets)
            assert {b.id for b in view.budgets} == {b.id for b in budgets}

            for kind, got, wanted in (
                ("invoices", source.invoices(scope), world.invoices),
                ("quotes", source.quotes(scope), world.quotes),
            ):
                kept = _as_given(d for d in got if scope.shows_document(d, visible))
                expected = _as_given(d for d in wanted if scope.shows_document(d, visible))
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
            drawn = data.draw(self._worlds(max_costs=0), label="world")
            ids = self._renumbering(drawn)
            world = ids.dataset(drawn)
            source, _ = self._build(world)
            for client in world.clients:
                assert source.client(client.id) == client
                assert _by_id(source.contacts(client.id)) == _by_id(
                    c for c in world.contacts if c.client_id == client.id
                )
            assert source.client(ids.id("client", "c-unknown")) is None
            wanted = frozenset(e.id for e in world.employees[::2])
            wanted |= {ids.id("employee", "u-unknown")}
            assert _by_id(source.employees(wanted)) == _by_id(
                e for e in world.employees if e.id in wanted
            )
            asked = frozenset(e.id for e in world.entries[::2]) | {ids.id("entry", "e-unknown")}
            got = _by_id(source.entries_by_id(asked))
            assert [_shown(e) for e in got] == [
                _shown(e) for e in _by_id(world.entries) if e.id in asked
            ]

        self._run(check)

    # -- each filter on a fixed world ----------------------------------------------------------

    def _sample(self) -> tuple[DataSource, Dataset, Scope, Renumbering]:
        """The source over the sample world as the host holds it (in its ids), the scope of
        the sample portal that shows everything, and the renumbering of both."""
        held = self._held(sample_dataset())
        ids = self._renumbering(held)
        dataset = ids.dataset(held)
        source, _ = self._build(dataset)
        return source, dataset, Scope.of(ids.portal(_SHOWING_EVERYTHING), _APPROVING), ids

    def _expected(
        self,
        source: DataSource,
        portal: Portal,
        dataset: Dataset,
        policy: ApprovalPolicy | None,
        query: EntryQuery,
    ) -> list[str]:
        """The ids the pure filter shows that match ``query`` after its cursor, in the order
        ``source`` declares."""
        by_id = {e.id: e for e in dataset.entries}
        order = id_order_of(source)
        key = self._order_key(source)
        matching = _expected_ids(portal, dataset, policy, query)
        return sorted(
            (i for i in matching if query.is_after_cursor(by_id[i], order)),
            key=lambda i: key(by_id[i]),
        )

    @pytest.mark.parametrize("query", _SAMPLE_QUERIES, ids=_query_id)
    def test_contract_each_filter(self, query: EntryQuery) -> None:
        source, dataset, scope, ids = self._sample()
        query = ids.query(query)
        portal = ids.portal(_SHOWING_EVERYTHING)
        entries = {e.id: e for e in dataset.entries}
        expected = self._expected(source, portal, dataset, _APPROVING, query)
        wanted = set(expected)
        visible = _visible_projects(dataset, scope)
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
        source, dataset, scope, ids = self._sample()
        query = EntryQuery(limit=limit)
        portal = ids.portal(_SHOWING_EVERYTHING)
        expected = self._expected(source, portal, dataset, _APPROVING, EntryQuery())
        visible = _visible_projects(dataset, scope)
        got = [e.id for e in all_entries(source, scope, query)]
        by_id = {e.id: e for e in dataset.entries}
        assert [i for i in got if by_id[i].project_id in visible] == expected
        assert len(expected) > limit or limit == 100

    def test_contract_an_exact_pushdown_returns_nothing_outside_the_scope(self) -> None:
        if not self.exact_pushdown:
            pytest.skip("the source may return more than its scope (exact_pushdown is False)")
        source, dataset, scope, ids = self._sample()
        visible = _visible_projects(dataset, scope)
        assert all(e.project_id in visible for e in all_entries(source, scope))
        assert {p.id for p in source.projects(scope)} == visible
        assert all(scope.shows_budget(b, visible) for b in source.budgets(scope))
        assert all(scope.shows_document(d, visible) for d in source.invoices(scope))
        assert all(scope.shows_document(d, visible) for d in source.quotes(scope))
        hidden = Scope.of(ids.portal(_sample_portal(show_hours=False)), _APPROVING)
        assert all_entries(source, hidden) == []

    def test_contract_internal_totals_and_drafts_need_not_be_fetched_but_shown_ones_are(
        self,
    ) -> None:
        source, dataset, scope, ids = self._sample()
        view = portal_view(ids.portal(_SHOWING_EVERYTHING), dataset, _APPROVING)
        assert {b.id for b in view.budgets} <= {b.id for b in source.budgets(scope)}
        assert {i.id for i in view.invoices} <= {i.id for i in source.invoices(scope)}
        assert {q.id for q in view.quotes} <= {q.id for q in source.quotes(scope)}
        shown_types = set(self.budget_types or BudgetType) - {BudgetType.TOTAL_COSTS}
        assert view.budgets or Missing.BUDGETS in self.cannot_hold or not shown_types
        assert view.invoices or Missing.INVOICES in self.cannot_hold
        assert view.quotes or Missing.QUOTES in self.cannot_hold

    def test_contract_a_status_filter_sees_decisions_made_in_the_store(self) -> None:
        held = self._held(sample_dataset())
        ids = self._renumbering(held)
        dataset = ids.dataset(held)
        source, store = self._build(dataset)
        scope = Scope.of(ids.portal(_sample_portal()), _APPROVING)
        waiting = EntryQuery(statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL}))
        before = [e.id for e in all_entries(source, scope, waiting)]
        assert before
        target = next(e for e in dataset.entries if e.id == before[0])
        decided = _step(target.id, target.approval, Action.APPROVE, _CLIENT)
        store.apply_changes([decided])
        assert [e.id for e in all_entries(source, scope, waiting)] == before[1:]
        approved = all_entries(
            source, scope, EntryQuery(statuses=frozenset({ApprovalStatus.APPROVED}))
        )
        assert target.id in {e.id for e in approved}
        (again,) = source.entries_by_id(frozenset({target.id}))
        assert again.approval == decided.state

    def test_contract_unknown_documents_have_no_file(self) -> None:
        source, _, _, ids = self._sample()
        assert source.document_file("invoice", ids.id("invoice", "no-such-invoice")) is None
        assert source.document_file("quote", ids.id("quote", "no-such-quote")) is None

    def test_contract_documents_say_whether_they_have_a_file(self) -> None:
        """``has_file`` is true exactly when ``document_file`` gives a file: the pages show a
        download link by it, and a link that answers 404 (or a file without a link) is a bug."""
        if {Missing.INVOICES, Missing.QUOTES} <= self.cannot_hold:
            self._needs(Missing.INVOICES, Missing.QUOTES)
        held = self._held(sample_dataset())
        ids = self._renumbering(held)
        dataset = ids.dataset(held)
        portal = ids.portal(_SHOWING_EVERYTHING)
        files = _sample_files(dataset, portal)
        store = self.make_store()
        source = None
        if Missing.DOCUMENT_FILES not in self.cannot_hold and not self._loads():
            with contextlib.suppress(NotImplementedError):
                source = self.make_source_with_files(dataset, store, files)
        if source is None:
            source, _ = self._build(dataset)
            files = {}
        scope = Scope.of(portal, _APPROVING)
        seen: list[bool] = []
        shown = (("invoice", source.invoices(scope)), ("quote", source.quotes(scope)))
        for kind, documents in shown:
            for document in documents:
                has_file = source.document_file(kind, document.id) is not None
                assert document.has_file == has_file, (
                    f"{kind} {document.id!r} says has_file={document.has_file}, but "
                    f"document_file() gives {'a' if has_file else 'no'} file"
                )
                seen.append(has_file)
        assert seen, "the sample shows invoices and quotes"
        if files:
            assert any(seen), "no document has a file, though some were given one"
            assert not all(seen), "every document has a file, though some were given none"

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
        expected = self._expected(source, portal, dataset, policy, query)
        # A page smaller than the result, whenever there are two entries: several pages to walk.
        most = max(1, len(expected) - 1)
        query = evolve(query, limit=data.draw(st.integers(1, min(most, 7)), label="page size"))
        got = all_entries(source, scope, query)
        ids = [e.id for e in got]
        assert len(set(ids)) == len(ids), f"an entry came twice: {ids}"
        order = id_order_of(source)
        keys = [self._order_key(source)(e) for e in got]
        assert keys == sorted(keys), (
            f"entries are not in (date desc, id asc) order, ids as {order.value}: {ids}"
        )
        for entry in got:
            assert entry.id in by_id, f"entry {entry.id!r} is not in the data"
            assert _shown(entry) == _shown(by_id[entry.id]), (
                f"entry {entry.id!r} differs from the data: {entry!r} != {by_id[entry.id]!r}"
            )
            assert query.matches(entry), f"entry {entry.id!r} does not match {query!r}"
        visible = _visible_projects(dataset, scope)
        kept = [i for i in ids if scope.entries and by_id[i].project_id in visible]
        assert kept == expected, "the entries differ from the pure filter's"
