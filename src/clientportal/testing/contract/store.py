"""The contract every :class:`~clientportal.ports.Store` must pass, one part per port: portals,
links and codes; the access log; approvals with compare-and-set and audit trail (the outbox part
is in :mod:`.outbox`), and :class:`StoreContract`, all of them together."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

import pytest
from attrs import evolve

from ...access import (
    OK,
    AccessAction,
    AccessEvent,
    AccessMode,
    PortalAccess,
    SessionRecord,
    secret_digest,
)
from ...errors import ChangedMeanwhile, NotFound, ValidationError
from ...model import ApprovalState, ApprovalStatus, ItemKind, Workflow
from ...ports import (
    AccessLog,
    ApprovalChange,
    ApprovalStore,
    OutboxStore,
    PortalStore,
    Store,
)
from ...workflow import Action
from .base import StorePortContract
from .outbox import OutboxStoreContract
from .requests import RequestStoreContract
from .samples import T0, _code, _decided, _link, _mail, _portal, _submitted

__all__ = [
    "AccessLogContract",
    "ApprovalStoreContract",
    "ApprovalStoreWithOutbox",
    "PortalStoreContract",
    "StoreContract",
]


class PortalStoreContract(StorePortContract[PortalStore]):
    """Tests every :class:`~clientportal.ports.PortalStore` must pass: portals and their access
    state, links, sessions, one-time codes, and the changes among them that must be atomic."""

    ports: ClassVar[tuple[type[Any], ...]] = (PortalStore,)

    def _with_portal(self) -> PortalStore:
        store = self.make_store()
        store.put_portal(_portal())
        return store

    def _with_code(self) -> PortalStore:
        """A store holding ``portal-1``, its link ``link-1`` and that link's code ``one``."""
        store = self._with_portal()
        store.add_link(_link("link-1"))
        store.put_code(_code("one"))
        return store

    # -- portals -------------------------------------------------------------------------------

    def test_contract_portals_read_back_whole(self) -> None:
        store = self._with_portal()
        assert store.get_portal("portal-1") == _portal()
        assert store.get_portal("nope") is None
        assert store.get_access("portal-1") == PortalAccess(portal_id="portal-1")
        assert store.get_access("nope") is None
        bare = _portal("portal-0", project_ids=frozenset(), contact_ids=frozenset(), active=False)
        store.put_portal(bare)
        assert store.get_portal("portal-0") == bare
        assert [p.id for p in store.list_portals()] == ["portal-0", "portal-1"]

    def test_contract_replacing_a_portal_keeps_its_access_state(self) -> None:
        store = self._with_portal()
        assert store.bump_generation("portal-1") == 1
        store.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
        renamed = _portal(name="Renamed", project_ids=frozenset({"p2"}))
        store.put_portal(renamed)
        assert store.get_portal("portal-1") == renamed
        assert store.get_access("portal-1") == PortalAccess(
            portal_id="portal-1", generation=1, mode=AccessMode.LINK_AND_CODE
        )

    def test_contract_unknown_portals_raise_not_found_on_access_changes(self) -> None:
        store = self.make_store()
        with pytest.raises(NotFound):
            store.bump_generation("nope")
        with pytest.raises(NotFound):
            store.set_access_mode("nope", AccessMode.LINK)

    def test_contract_generation_bumps_are_atomic(self) -> None:
        store = self._with_portal()
        self._race(lambda: [store.bump_generation("portal-1") for _ in range(10)])
        access = store.get_access("portal-1")
        assert access is not None
        assert access.generation == self.threads * 10

    # -- links ---------------------------------------------------------------------------------

    def test_contract_links_read_back_and_are_listed_oldest_first(self) -> None:
        store = self._with_portal()
        store.put_portal(_portal("portal-2"))
        later = T0 + dt.timedelta(minutes=1)
        expiring = _link("b", at=later, expires_at=later + dt.timedelta(days=1))
        contactless = _link("c", contact_id=None, generation=3)
        store.add_link(expiring)
        store.add_link(contactless)
        store.add_link(_link("a", at=later))
        store.add_link(_link("x", portal_id="portal-2"))
        assert [link.id for link in store.list_links("portal-1")] == ["c", "a", "b"]
        assert [link.id for link in store.list_links("portal-2")] == ["x"]
        assert list(store.list_links("nope")) == []
        assert store.get_link("b") == expiring
        assert store.get_link("c") == contactless
        assert store.get_link("nope") is None

    def test_contract_a_link_id_can_be_added_only_once(self) -> None:
        store = self._with_portal()
        store.add_link(_link("a"))
        with pytest.raises(ValidationError, match="a"):
            store.add_link(_link("a", at=T0 + dt.timedelta(hours=1)))
        assert store.get_link("a") == _link("a")

    def test_contract_a_link_of_a_portal_the_store_does_not_hold_is_refused(self) -> None:
        store = self.make_store()
        with pytest.raises(NotFound):
            store.add_link(_link("a"))
        assert store.get_link("a") is None

    def test_contract_revoking_keeps_the_first_time_and_using_touches_only_last_used(
        self,
    ) -> None:
        store = self._with_portal()
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
        store = self._with_portal()
        store.add_link(_link("a"))
        at = T0 + dt.timedelta(hours=1)

        def use_and_revoke() -> None:
            store.mark_link_used("a", at)
            store.revoke_link("a", at)

        self._race(use_and_revoke)
        link = store.get_link("a")
        assert link is not None
        assert link.revoked_at == at

    # -- sessions ------------------------------------------------------------------------------

    def test_contract_sessions_read_back_whole_and_end_once(self) -> None:
        store = self._with_portal()
        store.add_link(_link("link-1"))
        verified = _session("s1", code_verified=True)
        store.add_session(_session("s0"))
        store.add_session(verified)
        assert store.get_session(secret_digest("s1")) == verified
        assert store.get_session(secret_digest("nope")) is None
        ended = T0 + dt.timedelta(hours=1)
        assert store.end_session(secret_digest("s1"), ended) is True
        assert store.end_session(secret_digest("s1"), ended + dt.timedelta(hours=1)) is False
        assert store.end_session(secret_digest("nope"), ended) is False
        assert store.get_session(secret_digest("s1")) == evolve(verified, ended_at=ended)
        assert store.get_session(secret_digest("s0")) == _session("s0")

    def test_contract_a_session_is_added_once_and_only_for_a_stored_link(self) -> None:
        store = self._with_portal()
        with pytest.raises(NotFound, match="link-1"):
            store.add_session(_session("s1"))
        store.add_link(_link("link-1"))
        store.add_session(_session("s1"))
        with pytest.raises(ValidationError, match="link-1"):
            store.add_session(_session("s1", code_verified=True))
        assert store.get_session(secret_digest("s1")) == _session("s1")

    def test_contract_touching_a_session_only_moves_its_last_visit_on(self) -> None:
        store = self._with_portal()
        store.add_link(_link("link-1"))
        store.add_session(_session("s1"))
        later, earlier = T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=2)
        store.touch_session(secret_digest("s1"), later)
        store.touch_session(secret_digest("s1"), earlier)
        store.touch_session(secret_digest("nope"), later)
        assert store.get_session(secret_digest("s1")) == evolve(_session("s1"), last_seen_at=later)
        ended = T0 + dt.timedelta(minutes=6)
        store.end_session(secret_digest("s1"), ended)
        store.touch_session(secret_digest("s1"), T0 + dt.timedelta(minutes=9))
        assert store.get_session(secret_digest("s1")) == evolve(
            _session("s1"), last_seen_at=later, ended_at=ended
        )

    def test_contract_ending_a_session_is_atomic(self) -> None:
        store = self._with_portal()
        store.add_link(_link("link-1"))
        store.add_session(_session("s1"))
        ends = self._race(lambda: store.end_session(secret_digest("s1"), T0))
        assert ends.count(True) == 1

    # -- codes ---------------------------------------------------------------------------------

    def test_contract_a_new_code_replaces_the_links_previous_code(self) -> None:
        store = self._with_code()
        assert store.get_code("link-1") == _code("one")
        store.put_code(_code("two"))
        assert store.get_code("link-1") == _code("two")
        assert store.count_code_attempt("one") == 0
        assert store.use_code("one", T0) is False
        assert store.get_code("nope") is None

    def test_contract_code_attempts_are_counted_and_a_code_is_used_once(self) -> None:
        store = self._with_code()
        assert [store.count_code_attempt("one") for _ in range(3)] == [1, 2, 3]
        assert store.use_code("one", T0) is True
        assert store.use_code("one", T0 + dt.timedelta(seconds=1)) is False
        assert store.get_code("link-1") == evolve(_code("one"), attempts=3, used_at=T0)

    def test_contract_code_attempts_and_use_are_atomic(self) -> None:
        store = self._with_code()
        counts = self._race(lambda: [store.count_code_attempt("one") for _ in range(5)])
        seen = sorted(n for batch in counts for n in batch)
        assert seen == list(range(1, self.threads * 5 + 1))
        uses = self._race(lambda: store.use_code("one", T0))
        assert uses.count(True) == 1


class AccessLogContract(StorePortContract[AccessLog]):
    """Tests every :class:`~clientportal.ports.AccessLog` must pass."""

    ports: ClassVar[tuple[type[Any], ...]] = (AccessLog,)

    def recorded_access_events(self, store: AccessLog) -> Sequence[AccessEvent] | None:
        """The access events ``store`` recorded, oldest first, or ``None`` when they cannot be
        read back (the access-log check is then only that recording works). The default calls
        ``store.access_events()`` when the store has it."""
        reader = getattr(store, "access_events", None)
        return None if reader is None else tuple(reader())

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


class ApprovalStoreWithOutbox(ApprovalStore, OutboxStore, Protocol):
    """An :class:`~clientportal.ports.ApprovalStore` and the outbox its ``apply_changes`` queues
    e-mails in (the approval tests read them back)."""


class ApprovalStoreContract(StorePortContract[ApprovalStoreWithOutbox]):
    """Tests every :class:`~clientportal.ports.ApprovalStore` must pass: compare-and-set, the
    audit trail, races, and mail queued in the same transaction as the decisions; items of every
    kind (entries, expenses, trips) keyed by kind and id, and batches that mix kinds."""

    ports: ClassVar[tuple[type[Any], ...]] = (ApprovalStore, OutboxStore)

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
        assert caught.value.kinds == ("entry",)
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
        outcomes = self._race(lambda: _applied(store, [_decided(submit)]))
        assert outcomes.count(True) == 1
        assert len(store.history("e1")) == 2
        racing_first = self._race(lambda: _applied(store, [_submitted("e9")]))
        assert racing_first.count(True) == 1
        assert len(store.history("e9")) == 1

    def test_contract_decisions_queue_their_mail_in_the_same_transaction(self) -> None:
        store = self.make_store()
        store.apply_changes([_submitted("e1")], [_mail("m1"), _mail("m2")])
        assert [m.id for m in store.pending()] == ["m1", "m2"]

    # -- kinds of item -------------------------------------------------------------------------

    def test_contract_one_id_under_different_kinds_names_different_items(self) -> None:
        store = self.make_store()
        entry = _submitted("a1")
        rejected = _decided(entry, Action.REJECT)
        store.apply_changes([entry, rejected])
        # The expense "a1" has no state yet: its first change is stored although the entry
        # "a1" is at version 2 (a store keyed by id alone would call it stale).
        expense = _of(ItemKind.EXPENSE, _submitted("a1", ApprovalState(version=4)))
        approved = _of(ItemKind.EXPENSE, _decided(expense))
        store.apply_changes([expense])
        store.apply_changes([approved])
        a1 = frozenset({"a1"})
        assert store.approval_states(a1) == {"a1": rejected.state}
        assert store.approval_states(a1, ItemKind.ENTRY) == {"a1": rejected.state}
        assert store.approval_states(a1, ItemKind.EXPENSE) == {"a1": approved.state}
        assert store.approval_states(a1, ItemKind.TRIP) == {}
        assert store.approval_states(a1, ItemKind.EXPENSE)["a1"].version == 6
        assert list(store.history("a1")) == [entry.event, rejected.event]
        assert list(store.history("a1", ItemKind.EXPENSE)) == [expense.event, approved.event]
        assert list(store.history("a1", ItemKind.TRIP)) == []

    def test_contract_a_batch_may_mix_kinds_and_is_stored_whole(self) -> None:
        store = self.make_store()
        changes = [
            _submitted("e1"),
            _of(ItemKind.EXPENSE, _submitted("x1")),
            _of(ItemKind.TRIP, _submitted("x1")),
            _of(ItemKind.TRIP, _decided(_submitted("x1"))),
        ]
        store.apply_changes(changes, [_mail("m1")])
        assert store.approval_states(frozenset({"e1", "x1"})) == {"e1": changes[0].state}
        assert store.approval_states(frozenset({"e1", "x1"}), ItemKind.EXPENSE) == {
            "x1": changes[1].state
        }
        assert store.approval_states(frozenset({"x1"}), ItemKind.TRIP) == {"x1": changes[3].state}
        assert list(store.history("x1", ItemKind.TRIP)) == [changes[2].event, changes[3].event]
        assert list(store.history("x1")) == []
        assert [m.id for m in store.pending()] == ["m1"]

    def test_contract_a_stale_item_of_any_kind_stops_the_whole_mixed_batch(self) -> None:
        store = self.make_store()
        expense = _of(ItemKind.EXPENSE, _submitted("x1"))
        trip = _of(ItemKind.TRIP, _submitted("t1"))
        store.apply_changes([expense, trip, _of(ItemKind.TRIP, _decided(trip))])
        before = {
            kind: store.approval_states(frozenset({"e1", "x1", "t1"}), kind) for kind in ItemKind
        }
        stale_trip = _of(ItemKind.TRIP, _decided(trip, Action.REJECT))  # expects version 1, not 2
        with pytest.raises(ChangedMeanwhile) as caught:
            store.apply_changes(
                [_submitted("e1"), _of(ItemKind.EXPENSE, _decided(expense)), stale_trip],
                [_mail("m1")],
            )
        assert caught.value.items == (("trip", "t1"),)
        assert "trip t1" in str(caught.value)
        after = {
            kind: store.approval_states(frozenset({"e1", "x1", "t1"}), kind) for kind in ItemKind
        }
        assert after == before
        assert list(store.history("e1")) == []
        assert len(store.history("x1", ItemKind.EXPENSE)) == 1
        assert len(store.history("t1", ItemKind.TRIP)) == 2
        assert list(store.pending()) == []

    def test_contract_changed_meanwhile_names_the_kind_of_each_stale_item(self) -> None:
        store = self.make_store()
        entry, expense = _submitted("a1"), _of(ItemKind.EXPENSE, _submitted("a1"))
        store.apply_changes([entry, expense, _of(ItemKind.EXPENSE, _decided(expense))])
        with pytest.raises(ChangedMeanwhile) as caught:  # the entry is fresh, the expense stale
            store.apply_changes([_decided(entry), _of(ItemKind.EXPENSE, _decided(expense))])
        assert caught.value.items == (("expense", "a1"),)
        assert caught.value.entry_ids == ("a1",)
        assert caught.value.kinds == ("expense",)
        assert store.approval_states(frozenset({"a1"})) == {"a1": entry.state}

    def test_contract_racing_mixed_batches_let_exactly_one_win(self) -> None:
        store = self.make_store()
        trip = _of(ItemKind.TRIP, _submitted("t1"))
        store.apply_changes([trip])
        batch = [
            _of(ItemKind.TRIP, _decided(trip)),
            _of(ItemKind.EXPENSE, _submitted("x9")),
            _submitted("x9"),
        ]
        outcomes = self._race(lambda: _applied(store, batch))
        assert outcomes.count(True) == 1
        assert len(store.history("t1", ItemKind.TRIP)) == 2
        assert len(store.history("x9", ItemKind.EXPENSE)) == 1
        assert len(store.history("x9")) == 1


def _session(session_id: str, *, code_verified: bool = False) -> SessionRecord:
    """A session of ``link-1`` opened at :data:`T0`, stored under the hash of ``session_id``."""
    return SessionRecord(
        id_hash=secret_digest(session_id),
        link_id="link-1",
        code_verified=code_verified,
        created_at=T0,
        last_seen_at=T0,
    )


def _of(kind: ItemKind, change: ApprovalChange) -> ApprovalChange:
    """``change`` made to the item of ``kind`` with its id."""
    return evolve(change, kind=kind)


def _applied(store: ApprovalStore, changes: Sequence[ApprovalChange]) -> bool:
    """Apply ``changes``: True when they were stored, False when they lost a race."""
    try:
        store.apply_changes(changes)
    except ChangedMeanwhile:
        return False
    return True


class StoreContract(
    PortalStoreContract,
    AccessLogContract,
    ApprovalStoreContract,
    OutboxStoreContract,
    RequestStoreContract,
):
    """Tests every :class:`~clientportal.ports.Store` must pass. Subclass it as ``Test...``.

    Implement :meth:`make_store`. Set :attr:`threads` to 0 for a store that may not be shared
    between threads (the atomicity tests are then skipped). A store of only some of the ports
    subclasses only their contracts (:class:`PortalStoreContract`, :class:`AccessLogContract`,
    :class:`ApprovalStoreContract`, :class:`~.outbox.OutboxStoreContract`,
    :class:`~.requests.RequestStoreContract`).
    """

    ports: ClassVar[tuple[type[Any], ...]] = (PortalStore, AccessLog, *RequestStoreContract.ports)

    def make_store(self) -> Store:
        """A fresh, empty store."""
        raise NotImplementedError("subclass StoreContract and implement make_store()")
