"""The contract kit catches broken backends: each deliberately wrong source or store fails the
contract test meant for its fault (so a host that passes the kit has not passed by accident)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import cast

import pytest
from attrs import evolve
from hypothesis import Phase, settings

from clientportal.memory import MemoryDataSource, MemoryPortalStore, MemoryStore
from clientportal.model import Dataset, Invoice, Quote
from clientportal.ports import (
    ApprovalChange,
    ApprovalStore,
    DataSource,
    EntryCursor,
    EntryPage,
    EntryQuery,
    NewEvent,
    OutboxMessage,
    Store,
)
from clientportal.testing.contract import DataSourceContract, StoreContract
from clientportal.visibility import Scope


class IgnoresTheStore(MemoryDataSource):
    def __init__(self, dataset: Dataset, store: ApprovalStore) -> None:
        super().__init__(dataset, None)


class SkipsAnEntryBetweenPages(MemoryDataSource):
    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        page = super().entries(scope, query)
        if page.next is None or len(page.entries) < 2:
            return page
        before_last = page.entries[-2]  # the cursor claims the page ended one entry early
        return EntryPage(page.entries[:-1], EntryCursor(before_last.date, page.entries[-1].id))


class IgnoresTheEmployeeFilter(MemoryDataSource):
    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        return super().entries(scope, evolve(query, employee_ids=frozenset()))


class LosesAProject(MemoryDataSource):
    """Forgets the hours of the client's first selected project (a bogus id in the selection
    would hide the fault, so it drops one the client really owns)."""

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        own = sorted(p.id for p in self.projects(scope))
        kept = scope.project_ids - frozenset(own[:1])
        return super().entries(evolve(scope, project_ids=kept), query)


class OverwritesBlindly(MemoryStore):
    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> None:
        current = self.approval_states(frozenset(c.entry_id for c in changes))
        blind = []
        for change in changes:
            version = current[change.entry_id].version if change.entry_id in current else None
            if version is not None:
                state = evolve(change.state, version=version + 1)
                change = evolve(change, expected_version=version, state=state)
            blind.append(change)
        super().apply_changes(blind, outbox, events)


class IgnoresLeases(MemoryStore):
    def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[OutboxMessage]:
        claimed = super().claim_due(now=now, limit=limit, lease=lease)
        self._leases.clear()
        return claimed


#: The examples each property runs here, derandomized: the same ones on every run (how many
#: changes which ones). Each broken source fails one of them; the correct one passes them.
EXAMPLES = 100


def source_contract(kind: type[MemoryDataSource]) -> DataSourceContract:
    class Contract(DataSourceContract):
        # The same examples on every run, in every profile; finding the fault is what counts
        # here, shrinking it would only take time.
        hypothesis_settings = settings(
            max_examples=EXAMPLES,
            derandomize=True,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            database=None,
        )

        def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
            return kind(dataset, store)

    return Contract()


def store_contract(kind: type[MemoryStore]) -> StoreContract:
    class Contract(StoreContract):
        def make_store(self) -> Store:
            return kind()

    return Contract()


def fails(test: Callable[[], None]) -> None:
    with pytest.raises((AssertionError, BaseExceptionGroup, pytest.fail.Exception)):
        test()


class SaysEveryDocumentHasAFile(MemoryDataSource):
    """Keeps the model's default (``has_file=True``) though it holds no file: every download
    link it makes the pages show answers 404."""

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        return [evolve(d, has_file=True) for d in super().invoices(scope)]

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        return [evolve(d, has_file=True) for d in super().quotes(scope)]


def test_a_source_that_says_documents_have_files_it_does_not_have_fails() -> None:
    contract = source_contract(SaysEveryDocumentHasAFile)
    fails(contract.test_contract_documents_say_whether_they_have_a_file)


def test_a_source_that_ignores_the_stores_approval_states_fails() -> None:
    fails(source_contract(IgnoresTheStore).test_contract_approval_states_come_from_the_store)
    contract = source_contract(IgnoresTheStore)
    fails(contract.test_contract_a_status_filter_sees_decisions_made_in_the_store)


def test_a_source_whose_cursor_skips_entries_fails() -> None:
    contract = source_contract(SkipsAnEntryBetweenPages)
    # The deterministic walk over a sample world catches it every time (the hypothesis test
    # aimed at pagination catches it too, but only once it draws a world of several pages).
    for limit in (2, 3, 7):
        fails(
            lambda limit=limit: contract.test_contract_pages_of_every_size_walk_every_entry_once(
                limit
            )
        )


def test_a_source_that_ignores_a_filter_fails() -> None:
    contract = source_contract(IgnoresTheEmployeeFilter)
    fails(lambda: contract.test_contract_each_filter(EntryQuery(employee_ids=frozenset({"u2"}))))


def test_a_source_that_returns_less_than_its_scope_fails() -> None:
    contract = source_contract(LosesAProject)
    # On the kit's sample world every time; the hypothesis test aimed at the scope catches it
    # once it draws a portal whose first own project has hours (almost always, not always).
    fails(lambda: contract.test_contract_each_filter(EntryQuery()))
    fails(lambda: contract.test_contract_pages_of_every_size_walk_every_entry_once(100))


def test_a_store_without_compare_and_set_fails() -> None:
    contract = store_contract(OverwritesBlindly)
    fails(contract.test_contract_a_stale_change_writes_nothing_and_names_the_entries)


def test_a_store_that_ignores_leases_fails() -> None:
    contract = store_contract(IgnoresLeases)
    fails(contract.test_contract_claims_take_due_messages_oldest_first_up_to_the_limit)


def test_a_store_missing_a_port_fails() -> None:
    class Contract(StoreContract):
        def make_store(self) -> Store:
            return cast(Store, MemoryPortalStore())  # no approvals, outbox or access log

    fails(Contract().test_contract_store_implements_the_ports)


def test_the_correct_memory_backends_pass_the_same_tests() -> None:
    source_contract(MemoryDataSource).test_contract_approval_states_come_from_the_store()
    source_contract(MemoryDataSource).test_contract_documents_say_whether_they_have_a_file()
    store_contract(MemoryStore).test_contract_a_stale_change_writes_nothing_and_names_the_entries()
    store_contract(MemoryStore).test_contract_store_implements_the_ports()
