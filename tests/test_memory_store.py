"""MemoryStore and MemoryDataSource beyond the contract kit (test_contract_memory runs that)."""

from __future__ import annotations

import datetime as dt

import pytest
from attrs import evolve

from clientportal.errors import NotFound, ValidationError
from clientportal.memory import MemoryDataSource, MemoryPortalStore, MemoryStore
from clientportal.model import ApprovalStatus, Workflow
from clientportal.ports import ApprovalChange, DocumentFile, EntryQuery
from clientportal.testing.contract import (
    T0,
    _mail,
    _sample_portal,
    _submitted,
    all_entries,
    sample_dataset,
)
from clientportal.visibility import Scope
from clientportal.workflow import Action, Actor, Party, approval_machine


def test_the_store_is_a_portal_store_too() -> None:
    store = MemoryStore()
    assert isinstance(store, MemoryPortalStore)
    assert "MemoryStore(<0 portals" in repr(store)


def test_without_a_store_the_source_shows_the_datasets_own_states() -> None:
    dataset = sample_dataset()
    source = MemoryDataSource(dataset)
    scope = Scope.of(_sample_portal())
    by_id = {e.id: e.approval for e in dataset.entries}
    assert all(e.approval == by_id[e.id] for e in all_entries(source, scope))


def test_a_stored_state_overrides_the_datasets_own() -> None:
    dataset = sample_dataset()
    own = dataset.entries[0].approval
    store = MemoryStore()
    change = _submitted(dataset.entries[0].id, own)
    store.apply_changes([change])
    (entry,) = MemoryDataSource(dataset, store).entries_by_id(frozenset({dataset.entries[0].id}))
    assert entry.approval == change.state
    assert entry.approval.version == own.version + 1


def test_document_files_are_served_from_the_mapping_given() -> None:
    pdf = DocumentFile(filename="INV-1.pdf", content_type="application/pdf", data=b"%PDF-1.7")
    source = MemoryDataSource(sample_dataset(), documents={("invoice", "i1"): pdf})
    assert source.document_file("invoice", "i1") == pdf
    assert source.document_file("quote", "i1") is None


def test_a_change_that_skips_a_version_is_refused_and_writes_nothing() -> None:
    store = MemoryStore()
    change = _submitted("e1")
    with pytest.raises(ValidationError, match="must store version 1, not 3"):
        store.apply_changes([evolve(change, state=evolve(change.state, version=3))])
    assert store.approval_states(frozenset({"e1"})) == {}


def test_a_taken_outbox_id_writes_nothing() -> None:
    store = MemoryStore()
    store.enqueue([_mail("m1")])
    with pytest.raises(ValidationError, match="m1"):
        store.apply_changes([_submitted("e1")], [_mail("m1")])
    assert store.approval_states(frozenset({"e1"})) == {}
    assert store.outbox_message("m1") == _mail("m1")
    assert store.outbox_message("nope") is None


def test_claims_refuse_nonsense_arguments() -> None:
    store = MemoryStore()
    with pytest.raises(ValidationError, match="limit"):
        store.claim_due(now=T0, limit=0, lease=dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="lease"):
        store.claim_due(now=T0, limit=1, lease=dt.timedelta(0))
    with pytest.raises(ValidationError, match="timezone-aware"):
        store.claim_due(now=T0.replace(tzinfo=None), limit=1, lease=dt.timedelta(minutes=1))
    with pytest.raises(NotFound, match="nope"):
        store.mark_sent("nope", at=T0)


def test_the_access_log_can_be_read_per_portal() -> None:
    from clientportal.access import OK, AccessAction, AccessEvent

    store = MemoryStore()
    mine = AccessEvent(at=T0, action=AccessAction.OPEN, reason=OK, portal_id="p1")
    other = evolve(mine, portal_id="p2")
    store.record(mine)
    store.record(other)
    assert store.access_events("p1") == (mine,)
    assert store.access_events() == (mine, other)


def test_a_status_filter_uses_the_stored_state_not_the_datasets() -> None:
    dataset = sample_dataset()
    pending = next(
        e for e in dataset.entries if e.approval.status is ApprovalStatus.PENDING_EXTERNAL
    )
    withdrawn = approval_machine(Workflow.EXTERNAL).apply(
        pending.approval, Action.WITHDRAW, Actor(Party.EMPLOYEE, "u1"), at=T0, owner="u1"
    )
    store = MemoryStore()
    store.apply_changes(
        [ApprovalChange(pending.id, pending.approval.version, withdrawn.state, withdrawn.event)]
    )
    source = MemoryDataSource(dataset, store)
    scope = Scope.of(_sample_portal())
    waiting = EntryQuery(statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL}))
    assert pending.id not in {e.id for e in all_entries(source, scope, waiting)}
    opened = EntryQuery(statuses=frozenset({ApprovalStatus.OPEN}), limit=1)
    assert pending.id in {e.id for e in all_entries(source, scope, opened)}
