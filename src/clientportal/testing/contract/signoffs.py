"""The sign-off part of the :class:`~clientportal.ports.RequestStore` contract: sign-offs read
back with the items they cover, found by item
(:meth:`~clientportal.ports.RequestStore.signoffs_for`: the standing ones, oldest first), and
withdrawn by an UNDO or a REOPEN of an item they cover in the transaction of that step
(:meth:`~clientportal.ports.ApprovalStore.apply_changes`), the others untouched.
:class:`~.requests.RequestStoreContract` includes it."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Protocol

import pytest
from attrs import evolve

from ...errors import ChangedMeanwhile
from ...model import ItemKind, ItemRef
from ...ports import (
    ApprovalChange,
    ApprovalStore,
    EventLog,
    OutboxStore,
    RequestStore,
    SignOff,
)
from ...workflow import Action, Actor, Party
from .base import StorePortContract
from .samples import T0, _decided, _step, _submitted

__all__ = ["SignOffContract"]


class _Store(RequestStore, ApprovalStore, OutboxStore, EventLog, Protocol):
    """What the request contracts need: the requests, and the approvals, outbox and event log
    they are written with."""


_MINUTE = dt.timedelta(minutes=1)
_CLIENT = Actor(Party.CLIENT, "k1")
_MANAGER = Actor(Party.MANAGER, "m1")


def _signoff(
    signoff_id: str, at: dt.datetime = T0, *, contact_id: str = "k1", **changes: Any
) -> SignOff:
    """A sign-off of ``portal-1`` by ``contact_id`` for February 2026, made at ``at``."""
    base = SignOff(
        id=signoff_id,
        portal_id="portal-1",
        contact_id=contact_id,
        created_at=at,
        sha256=hashlib.sha256(signoff_id.encode()).hexdigest(),
        document='{"rows": ["Łódź – zażółć"]}',
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
    )
    return evolve(base, **changes)


def _covering(signoff_id: str, at: dt.datetime, *items: ItemRef) -> SignOff:
    """A sign-off made at ``at`` covering ``items`` (given in the order every store gives them
    back: by kind, then id)."""
    return _signoff(signoff_id, at, items=items)


def _approved(store: _Store, kind: ItemKind, *ids: str) -> dict[str, ApprovalChange]:
    """Submit and approve items ``ids`` of ``kind`` (by the client, a minute after T0): the
    approvals by id, whose states the next steps start from."""
    approvals: dict[str, ApprovalChange] = {}
    for item_id in ids:
        submitted = evolve(_submitted(item_id), kind=kind)
        approvals[item_id] = evolve(_decided(submitted), kind=kind)
        store.apply_changes([submitted, approvals[item_id]])
    return approvals


def _next(change: ApprovalChange, action: Action, actor: Actor, at: dt.datetime) -> ApprovalChange:
    """The step ``action`` by ``actor`` at ``at`` from the state ``change`` stored."""
    return evolve(
        _step(change.entry_id, change.state, action, actor, at=at, reason="why"), kind=change.kind
    )


def _ids(signoffs: Any) -> list[str]:
    return [s.id for s in signoffs]


class SignOffContract(StorePortContract[_Store]):
    """Tests of sign-offs every :class:`~clientportal.ports.RequestStore` must pass (with the
    :class:`~clientportal.ports.ApprovalStore` that withdraws them)."""

    def test_contract_signoffs_keep_the_items_they_cover(self) -> None:
        store = self.make_store()
        items = (
            ItemRef.entry("e1"),
            ItemRef.entry("e10"),
            ItemRef.entry("e2"),
            ItemRef(ItemKind.EXPENSE, "e1"),
            ItemRef(ItemKind.TRIP, "t-ü"),
        )
        whole = _covering("s1", T0, *items)
        store.apply_changes([], signoffs=[whole, _signoff("s2")])
        assert store.get_signoff("s1") == whole
        assert store.get_signoff("s2") == _signoff("s2")
        assert store.get_signoff("s2").items == ()  # type: ignore[union-attr]
        assert list(store.signoffs("portal-1")) == [_signoff("s2"), whole]
        assert list(store.signoffs("portal-1", limit=1)) == [_signoff("s2")]

    def test_contract_signoffs_for_are_the_standing_ones_covering_any_item_oldest_first(
        self,
    ) -> None:
        store = self.make_store()
        entry, expense, trip = (
            ItemRef.entry("e1"),
            ItemRef(ItemKind.EXPENSE, "e1"),
            ItemRef.trip("t1"),
        )
        made = [
            _covering("s3", T0 + 2 * _MINUTE, entry, trip),
            _covering("s1", T0, entry),
            _covering("s2", T0 + _MINUTE, expense),
            _covering("s0", T0 + 2 * _MINUTE, trip),
            evolve(_covering("s9", T0, ItemRef.entry("e9")), portal_id="portal-2"),
        ]
        store.apply_changes([], signoffs=made)
        assert _ids(store.signoffs_for([entry])) == ["s1", "s3"]
        assert _ids(store.signoffs_for([expense])) == ["s2"]
        assert _ids(store.signoffs_for([trip, entry, entry])) == ["s1", "s0", "s3"]
        assert store.signoffs_for([entry])[1] == made[0]  # whole, with every item it covers
        assert _ids(store.signoffs_for([ItemRef.entry("e9")])) == ["s9"]  # any portal's
        assert list(store.signoffs_for([ItemRef.entry("nobody")])) == []
        assert list(store.signoffs_for([])) == []
        # Any number of items: the store chunks them.
        many = [ItemRef.entry(f"x{n}") for n in range(1200)]
        assert _ids(store.signoffs_for([*many, expense])) == ["s2"]

    def test_contract_an_undo_withdraws_the_signoffs_covering_its_item_and_no_other(
        self,
    ) -> None:
        store = self.make_store()
        approvals = _approved(store, ItemKind.ENTRY, "e1", "e2", "e3")
        expense = _approved(store, ItemKind.EXPENSE, "e1")["e1"]
        covering = _covering("s1", T0, ItemRef.entry("e1"), ItemRef.entry("e2"))
        also = _covering("s2", T0 + _MINUTE, ItemRef.entry("e1"))
        other = _covering("s3", T0, ItemRef.entry("e2"), ItemRef.entry("e3"))
        same_id = _covering("s4", T0, ItemRef(ItemKind.EXPENSE, "e1"))
        store.apply_changes([], signoffs=[covering, also, other, same_id])
        undone_at = T0 + 5 * _MINUTE
        store.apply_changes([_next(approvals["e1"], Action.UNDO, _CLIENT, undone_at)])
        assert store.get_signoff("s1") == evolve(covering, withdrawn_at=undone_at)
        assert store.get_signoff("s2") == evolve(also, withdrawn_at=undone_at)
        assert store.get_signoff("s3") == other
        assert store.get_signoff("s4") == same_id
        assert list(store.signoffs_for([ItemRef.entry("e1")])) == []
        assert list(store.signoffs_for([ItemRef.entry("e2")])) == [other]
        assert list(store.signoffs_for([ItemRef(ItemKind.EXPENSE, "e1")])) == [same_id]
        listed = {s.id: s.withdrawn_at for s in store.signoffs("portal-1")}
        assert listed == {"s1": undone_at, "s2": undone_at, "s3": None, "s4": None}
        # The expense's own UNDO withdraws its own sign-off, and leaves the first time alone.
        later = undone_at + _MINUTE
        store.apply_changes([_next(expense, Action.UNDO, _CLIENT, later)])
        assert store.get_signoff("s4").withdrawn_at == later  # type: ignore[union-attr]
        assert store.get_signoff("s1").withdrawn_at == undone_at  # type: ignore[union-attr]
        assert store.get_signoff("s3").withdrawn_at is None  # type: ignore[union-attr]

    def test_contract_a_reopen_withdraws_the_signoffs_covering_its_item(self) -> None:
        store = self.make_store()
        trips = _approved(store, ItemKind.TRIP, "t1", "t2")
        covering = _covering("s1", T0, ItemRef.trip("t1"), ItemRef.trip("t2"))
        other = _covering("s2", T0, ItemRef.trip("t2"))
        store.apply_changes([], signoffs=[covering, other])
        reopened_at = T0 + dt.timedelta(days=2)
        store.apply_changes([_next(trips["t1"], Action.REOPEN, _MANAGER, reopened_at)])
        assert store.get_signoff("s1") == evolve(covering, withdrawn_at=reopened_at)
        assert store.get_signoff("s2") == other
        assert list(store.signoffs_for([ItemRef.trip("t1"), ItemRef.trip("t2")])) == [other]

    def test_contract_only_undo_and_reopen_withdraw_and_a_batchs_own_signoff_stands(
        self,
    ) -> None:
        store = self.make_store()
        submitted = _submitted("e1")
        store.apply_changes([submitted])
        first = _covering("s1", T0, ItemRef.entry("e1"))
        approve = _decided(submitted)
        store.apply_changes([approve], signoffs=[first])
        assert list(store.signoffs_for([ItemRef.entry("e1")])) == [first]
        # Undone and approved again in one batch: the old sign-off goes, the new one stands.
        undo = _next(approve, Action.UNDO, _CLIENT, T0 + 2 * _MINUTE)
        again = _next(undo, Action.APPROVE, _CLIENT, T0 + 3 * _MINUTE)
        second = _covering("s2", T0 + 3 * _MINUTE, ItemRef.entry("e1"))
        store.apply_changes([undo, again], signoffs=[second])
        assert list(store.signoffs_for([ItemRef.entry("e1")])) == [second]
        assert store.get_signoff("s1").withdrawn_at == T0 + 2 * _MINUTE  # type: ignore[union-attr]
        # Other steps withdraw nothing: a rejection after a client's undo leaves a sign-off.
        undo_again = _next(again, Action.UNDO, _CLIENT, T0 + 4 * _MINUTE)
        store.apply_changes([undo_again])
        third = _covering("s3", T0 + 5 * _MINUTE, ItemRef.entry("e1"))
        store.apply_changes([], signoffs=[third])
        store.apply_changes([_next(undo_again, Action.REJECT, _CLIENT, T0 + 6 * _MINUTE)])
        assert list(store.signoffs_for([ItemRef.entry("e1")])) == [third]
        assert store.get_signoff("s3") == third

    def test_contract_a_stale_undo_withdraws_nothing(self) -> None:
        store = self.make_store()
        approval = _approved(store, ItemKind.ENTRY, "e1")["e1"]
        covering = _covering("s1", T0, ItemRef.entry("e1"))
        store.apply_changes([], signoffs=[covering])
        undo = _next(approval, Action.UNDO, _CLIENT, T0 + 5 * _MINUTE)
        store.apply_changes([undo])
        store.apply_changes([], signoffs=[_covering("s2", T0 + 6 * _MINUTE, ItemRef.entry("e1"))])
        with pytest.raises(ChangedMeanwhile):  # the same undo again: e1 moved on meanwhile
            store.apply_changes([_next(approval, Action.UNDO, _CLIENT, T0 + 7 * _MINUTE)])
        assert store.get_signoff("s2").withdrawn_at is None  # type: ignore[union-attr]
        assert store.get_signoff("s1").withdrawn_at == T0 + 5 * _MINUTE  # type: ignore[union-attr]
