"""The contract every :class:`~clientportal.ports.RequestStore` must pass: approval requests
stored with the decisions and e-mails they belong to (and never without them), action links
used once, e-mails sent once under a key (and when), sign-offs read back newest first (and,
:mod:`.signoffs`, withdrawn by an UNDO or REOPEN of an item they cover), quotes decided once
with the amount the contact saw, and the stored states in one status for the staff reminders.
The once-only methods are raced from :attr:`~.base.StorePortContract.threads` threads at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from attrs import evolve

from ...errors import ChangedMeanwhile, ValidationError
from ...model import ApprovalStatus, ItemKind
from ...ports import (
    ApprovalChange,
    ApprovalRequest,
    ApprovalStore,
    EventLog,
    NewEvent,
    OutboxStore,
    QuoteDecision,
    RequestedItem,
    RequestStore,
)
from .samples import T0, _decided, _mail, _submitted
from .signoffs import SignOffContract, _signoff, _Store

__all__ = ["RequestStoreContract"]


_HASH = hashlib.sha256(b"the action link's secret").hexdigest()
_ids = itertools.count(1)
_ids_lock = threading.Lock()


def _fresh(prefix: str) -> str:
    """An id no other call gives (threads race with their own e-mails)."""
    with _ids_lock:
        return f"{prefix}-{next(_ids)}"


def _request(request_id: str, at: dt.datetime = T0, **changes: Any) -> ApprovalRequest:
    """A request of ``portal-1`` to ``k1`` listing an entry, an expense and a trip that share
    an id, made at ``at`` and working for a week."""
    base = ApprovalRequest(
        id=request_id,
        portal_id="portal-1",
        contact_id="k1",
        items=(
            RequestedItem(ItemKind.ENTRY, "e1", 1),
            RequestedItem(ItemKind.EXPENSE, "e1", 3),
            RequestedItem(ItemKind.TRIP, "t-ü", 0),
        ),
        token_hash=_HASH,
        created_at=at,
        expires_at=at + dt.timedelta(days=7),
        link_id="link-1",
        note="Zurück: bitte prüfen <b>",
    )
    return evolve(base, **changes)


def _decision(quote_id: str = "q1", **changes: Any) -> QuoteDecision:
    base = QuoteDecision(
        client_id="c1",
        quote_id=quote_id,
        portal_id="portal-1",
        contact_id="k1",
        accepted=True,
        signature="Zoë Łukasik",
        at=T0,
        address_hash="ab12",
    )
    return evolve(base, **changes)


def _event(kind: str, **data: Any) -> NewEvent:
    return NewEvent(type=kind, occurred_at=T0, portal_id="portal-1", client_id="c1", data=data)


def _at(change: ApprovalChange, at: dt.datetime) -> ApprovalChange:
    """``change`` made at ``at``."""
    return evolve(change, event=evolve(change.event, at=at))


def _of(kind: ItemKind, change: ApprovalChange) -> ApprovalChange:
    return evolve(change, kind=kind)


class RequestStoreContract(SignOffContract):
    """Tests every :class:`~clientportal.ports.RequestStore` must pass (with the
    :class:`~clientportal.ports.ApprovalStore`, outbox and event log it writes with), the
    sign-offs' withdrawal (:class:`~.signoffs.SignOffContract`) included."""

    ports: ClassVar[tuple[type[Any], ...]] = (RequestStore, ApprovalStore, OutboxStore, EventLog)

    def _types(self, store: _Store) -> list[str]:
        return [e.type for e in store.events(limit=1000)]

    # -- approval requests ---------------------------------------------------------------------

    def test_contract_requests_are_stored_with_the_decision_and_read_back_whole(self) -> None:
        store = self.make_store()
        cet = dt.timezone(dt.timedelta(hours=1))
        first = _request("r1", T0.astimezone(cet))
        second = _request(
            "r2", link_id=None, note=None, items=[RequestedItem(ItemKind.ENTRY, "e2", 0)]
        )
        store.apply_changes(
            [_submitted("e1")],
            [_mail("m1")],
            [_event("approval.requested")],
            requests=[first, second],
        )
        assert store.get_request("r1") == first
        assert store.get_request("r2") == second
        assert store.get_request("r1").items == first.items  # type: ignore[union-attr]
        assert store.get_request("r3") is None
        assert [m.id for m in store.pending()] == ["m1"]

    def test_contract_requests_and_signoffs_may_be_stored_without_changes(self) -> None:
        store = self.make_store()
        store.apply_changes([], requests=[_request("r1")], signoffs=[_signoff("s1")])
        assert store.get_request("r1") == _request("r1")
        assert store.get_signoff("s1") == _signoff("s1")

    def test_contract_a_taken_request_or_signoff_id_writes_nothing_and_names_them(self) -> None:
        store = self.make_store()
        store.apply_changes([], requests=[_request("r1")], signoffs=[_signoff("s1")])
        with pytest.raises(ValidationError) as caught:
            store.apply_changes(
                [_submitted("e1")],
                [_mail("m1")],
                [_event("approval.requested")],
                requests=[_request("r1"), _request("r2"), _request("r2")],
                signoffs=[_signoff("s1")],
            )
        message = str(caught.value)
        assert "approval request ids already stored: r1, r2" in message
        assert "sign-off ids already stored: s1" in message
        assert store.get_request("r2") is None
        assert store.approval_states(frozenset({"e1"})) == {}
        assert list(store.pending()) == []
        assert self._types(store) == []

    def test_contract_a_signoff_needs_a_whole_period_or_none(self) -> None:
        store = self.make_store()
        half = _signoff("s1", period_end=None)
        backwards = _signoff("s2", period_start=dt.date(2026, 3, 1))
        with pytest.raises(ValidationError) as caught:
            store.apply_changes([], signoffs=[half, backwards])
        assert "sign-off 's1': give both period_start and period_end" in str(caught.value)
        assert "sign-off 's2': its period ends (2026-02-28) before it starts" in str(caught.value)
        store.apply_changes([], signoffs=[_signoff("s3", period_start=None, period_end=None)])
        assert store.get_signoff("s1") is None
        assert store.get_signoff("s3").period_start is None  # type: ignore[union-attr]

    def test_contract_a_stale_change_stores_no_request_and_no_signoff(self) -> None:
        store = self.make_store()
        change = _submitted("e1")
        store.apply_changes([change, _decided(change)])
        with pytest.raises(ChangedMeanwhile):
            store.apply_changes(
                [_decided(change)], requests=[_request("r1")], signoffs=[_signoff("s1")]
            )
        assert store.get_request("r1") is None
        assert store.get_signoff("s1") is None
        assert list(store.signoffs("portal-1")) == []

    def test_contract_of_racing_decisions_only_the_winners_signoff_and_request_stay(
        self,
    ) -> None:
        store = self.make_store()
        change = _submitted("e1")
        store.apply_changes([change])

        def decide() -> str | None:
            mine = _fresh("s")
            try:
                store.apply_changes(
                    [_decided(change)],
                    requests=[_request(f"r-{mine}")],
                    signoffs=[_signoff(mine)],
                )
            except ChangedMeanwhile:
                return None
            return mine

        outcomes = self._race(decide)
        winners = [o for o in outcomes if o is not None]
        assert len(winners) == 1
        assert [s.id for s in store.signoffs("portal-1")] == winners
        assert list(store.open_requests(since=T0)) == [_request(f"r-{winners[0]}")]

    def test_contract_a_request_is_used_once(self) -> None:
        store = self.make_store()
        store.apply_changes([], requests=[_request("r1"), _request("r2")])
        later = T0 + dt.timedelta(hours=2)
        assert store.use_request("r1", later) is True
        assert store.use_request("r1", later + dt.timedelta(hours=1)) is False
        assert store.use_request("nobody", later) is False
        assert store.get_request("r1") == _request("r1", used_at=later)
        assert store.get_request("r2") == _request("r2")

    def test_contract_open_requests_are_the_unused_recent_ones_by_id_a_page_at_a_time(
        self,
    ) -> None:
        store = self.make_store()
        ids = ["b2", "B", "a10", "a9", "old", "used", "é"]
        store.apply_changes(
            [],
            requests=[_request(i, T0 - dt.timedelta(days=30) if i == "old" else T0) for i in ids],
        )
        store.use_request("used", T0)
        assert [r.id for r in store.open_requests(since=T0)] == ["B", "a10", "a9", "b2", "é"]
        assert [r.id for r in store.open_requests(since=T0, limit=2)] == ["B", "a10"]
        assert [r.id for r in store.open_requests(since=T0, after="a10", limit=2)] == ["a9", "b2"]
        assert [r.id for r in store.open_requests(since=T0, after="é")] == []
        assert "old" in [r.id for r in store.open_requests(since=T0 - dt.timedelta(days=31))]
        assert store.open_requests(since=T0)[0] == _request("B")

    def test_contract_racing_users_of_a_request_let_exactly_one_use_it(self) -> None:
        store = self.make_store()
        store.apply_changes([], requests=[_request("r1")])
        outcomes = self._race(lambda: store.use_request("r1", T0 + dt.timedelta(minutes=5)))
        assert outcomes.count(True) == 1
        assert outcomes.count(False) == len(outcomes) - 1
        assert store.get_request("r1").used_at == T0 + dt.timedelta(minutes=5)  # type: ignore[union-attr]

    # -- once-only e-mails ---------------------------------------------------------------------

    def test_contract_send_once_writes_under_a_key_once(self) -> None:
        store = self.make_store()
        assert store.send_once(
            "reminder:r1:1", at=T0, outbox=[_mail("m1")], events=[_event("reminder.sent", n=1)]
        )
        assert not store.send_once(
            "reminder:r1:1", at=T0, outbox=[_mail("m2")], events=[_event("reminder.sent", n=2)]
        )
        assert store.send_once("reminder:r1:2", at=T0, outbox=[_mail("m3")])
        assert [m.id for m in store.pending()] == ["m1", "m3"]
        events = list(store.events(limit=1000))
        assert [(e.type, dict(e.data)) for e in events] == [("reminder.sent", {"n": 1})]

    def test_contract_once_done_at_is_when_the_key_was_first_recorded(self) -> None:
        store = self.make_store()
        cet = dt.timezone(dt.timedelta(hours=1))
        first = (T0 + dt.timedelta(hours=2)).astimezone(cet)
        assert store.once_done_at("warning:r1") is None
        assert store.send_once("warning:r1", at=first, outbox=[_mail("m1")])
        assert not store.send_once("warning:r1", at=first + dt.timedelta(days=1))
        assert store.send_once("warning:r2", at=T0)
        assert store.once_done_at("warning:r1") == first
        assert store.once_done_at("warning:r2") == T0
        assert store.once_done_at("warning:r3") is None

    def test_contract_send_once_refuses_a_bad_key_and_a_taken_outbox_id(self) -> None:
        store = self.make_store()
        for key in ("", "k" * 201):
            with pytest.raises(ValidationError, match="key: must be 1 to 200 characters"):
                store.send_once(key, at=T0, outbox=[_mail("m1")])
        assert store.send_once("k" * 200, at=T0, outbox=[_mail("m1")])
        with pytest.raises(ValidationError, match="outbox message ids already queued: m1"):
            store.send_once("second", at=T0, outbox=[_mail("m1")], events=[_event("x.y")])
        assert self._types(store) == []
        # The failed call recorded nothing: the key is free for a retry with a new id.
        assert store.send_once("second", at=T0, outbox=[_mail("m2")])
        assert [m.id for m in store.pending()] == ["m1", "m2"]

    def test_contract_racing_workers_send_once_exactly_once(self) -> None:
        store = self.make_store()

        def send() -> bool:
            return store.send_once(
                "escalation:r1",
                at=T0,
                outbox=[_mail(_fresh("race"))],
                events=[_event("reminder.escalated")],
            )

        outcomes = self._race(send)
        assert outcomes.count(True) == 1
        assert len(store.pending()) == 1
        assert self._types(store) == ["reminder.escalated"]

    # -- staff reminders -----------------------------------------------------------------------

    def test_contract_items_in_status_are_the_stored_states_oldest_first(self) -> None:
        store = self.make_store()
        hour = dt.timedelta(hours=1)
        entry = _at(_submitted("e1"), T0 + 3 * hour)
        expense = _of(ItemKind.EXPENSE, _at(_submitted("e1"), T0 + hour))
        trip = _of(ItemKind.TRIP, _at(_submitted("t1"), T0 + 2 * hour))
        decided = _submitted("e2")
        store.apply_changes([entry, expense, trip, decided, _decided(decided)])
        status = entry.state.status
        assert status is not _decided(decided).state.status
        assert list(store.items_in_status(status)) == [
            (ItemKind.EXPENSE, "e1", T0 + hour),
            (ItemKind.TRIP, "t1", T0 + 2 * hour),
            (ItemKind.ENTRY, "e1", T0 + 3 * hour),
        ]
        assert list(store.items_in_status(status, limit=2)) == [
            (ItemKind.EXPENSE, "e1", T0 + hour),
            (ItemKind.TRIP, "t1", T0 + 2 * hour),
        ]
        assert list(store.items_in_status(_decided(decided).state.status)) == [
            (ItemKind.ENTRY, "e2", T0 + dt.timedelta(minutes=1))
        ]
        assert list(store.items_in_status(ApprovalStatus.REJECTED)) == []
        store.apply_changes([_of(ItemKind.TRIP, _decided(_of(ItemKind.TRIP, trip)))])
        assert [i[:2] for i in store.items_in_status(status)] == [
            (ItemKind.EXPENSE, "e1"),
            (ItemKind.ENTRY, "e1"),
        ]

    # -- sign-offs -----------------------------------------------------------------------------

    def test_contract_signoffs_read_back_newest_first_per_portal_and_contact(self) -> None:
        store = self.make_store()
        minute = dt.timedelta(minutes=1)
        made = [
            _signoff("s1", T0),
            _signoff("s2", T0 + minute, contact_id="k2", period_start=None, period_end=None),
            _signoff("s3", T0 + 2 * minute),
            _signoff("s0", T0 + 2 * minute),
            evolve(_signoff("s9", T0 + 3 * minute), portal_id="portal-2"),
        ]
        store.apply_changes([_submitted("e1")], signoffs=made[:2])
        store.apply_changes([], signoffs=made[2:])
        assert store.get_signoff("s2") == made[1]
        assert store.get_signoff("nope") is None
        assert [s.id for s in store.signoffs("portal-1")] == ["s3", "s0", "s2", "s1"]
        assert [s.id for s in store.signoffs("portal-1", contact_id="k1")] == ["s3", "s0", "s1"]
        assert [s.id for s in store.signoffs("portal-1", limit=1)] == ["s3"]
        assert [s.id for s in store.signoffs("portal-2")] == ["s9"]
        assert list(store.signoffs("portal-1", contact_id="k9")) == []
        assert store.signoffs("portal-1")[0] == made[2]

    # -- quotes --------------------------------------------------------------------------------

    def test_contract_a_quote_is_decided_once(self) -> None:
        store = self.make_store()
        accepted = _decision("q1")
        declined = _decision("q1", accepted=False, reason="Zu teuer", signature="Other")
        assert store.decide_quote(
            accepted, outbox=[_mail("m1")], events=[_event("quote.accepted", quote_id="q1")]
        )
        assert not store.decide_quote(
            declined, outbox=[_mail("m2")], events=[_event("quote.declined", quote_id="q1")]
        )
        other_client = _decision("q1", client_id="c2", accepted=False, reason="Nein")
        assert store.decide_quote(other_client)
        assert store.decide_quote(_decision("q2", address_hash=None))
        assert store.quote_decisions("c1", frozenset({"q1", "q3"})) == {"q1": accepted}
        assert store.quote_decisions("c2", frozenset({"q1", "q2"})) == {"q1": other_client}
        assert store.quote_decisions("c1", frozenset()) == {}
        assert [m.id for m in store.pending()] == ["m1"]
        assert self._types(store) == ["quote.accepted"]

    def test_contract_a_quote_decision_keeps_the_amount_the_contact_saw_exactly(self) -> None:
        store = self.make_store()
        made = {
            "q1": _decision("q1", amount=Decimal("12345678901234567.8900"), currency="EUR"),
            "q2": _decision("q2", amount=Decimal("0.10"), currency="PLN"),
            "q3": _decision("q3", amount=Decimal("-5"), currency="JPY"),
            "q4": _decision("q4"),
        }
        for decision in made.values():
            assert store.decide_quote(decision)
        found = store.quote_decisions("c1", frozenset(made))
        assert found == made
        assert {q: str(d.amount) for q, d in found.items()} == {
            "q1": "12345678901234567.8900",
            "q2": "0.10",
            "q3": "-5",
            "q4": "None",
        }
        assert found["q4"].currency is None

    def test_contract_a_quote_decision_with_a_taken_outbox_id_stores_nothing(self) -> None:
        store = self.make_store()
        store.enqueue([_mail("m1")])
        with pytest.raises(ValidationError, match="outbox message ids already queued: m1"):
            store.decide_quote(_decision("q1"), outbox=[_mail("m1")])
        assert store.quote_decisions("c1", frozenset({"q1"})) == {}
        assert store.decide_quote(_decision("q1"), outbox=[_mail("m2")])

    def test_contract_racing_deciders_of_a_quote_let_exactly_one_decide(self) -> None:
        store = self.make_store()

        def decide() -> tuple[bool, str]:
            signature = _fresh("signer")
            decided = store.decide_quote(
                _decision("q1", signature=signature),
                outbox=[_mail(_fresh("quote"))],
                events=[_event("quote.accepted", signature=signature)],
            )
            return decided, signature

        outcomes = self._race(decide)
        winners = [signature for decided, signature in outcomes if decided]
        assert len(winners) == 1
        assert store.quote_decisions("c1", frozenset({"q1"}))["q1"].signature == winners[0]
        assert len(store.pending()) == 1
        events = list(store.events(limit=1000))
        assert [dict(e.data) for e in events] == [{"signature": winners[0]}]
