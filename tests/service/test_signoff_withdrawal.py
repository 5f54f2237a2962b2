"""A sign-off no longer stands once an item it covers is undone by the client or reopened by the
staff: the store withdraws it in the step's transaction, the step's event names it
(``withdrawn_signoffs``), it is no longer among the item's standing sign-offs, and it is still
listed (as withdrawn, its document and hash unchanged) for the contact and the console. On the
memory store, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import attrs
from sqlalchemy.engine import Engine

from clientportal import ItemRef, MemoryDataSource, PortalService
from clientportal.memory import ManualClock
from clientportal.signoff import read_certificate
from clientportal.sql import SqlStore
from clientportal.workflow import Actor, Party
from worlds import EVA, EXTERNAL, MAIL, MAX, SECRET, WEB_T0, create_acme_en, visit_as, web_dataset

from .test_undo import world

FIVE_MINUTES = dt.timedelta(minutes=5)


def _last(service: PortalService, type: str) -> dict[str, object]:
    return dict([e for e in service.events() if e.type == type][-1].data)


def test_an_undo_withdraws_the_signoff_and_the_undone_event_names_it() -> None:
    w = world()
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    signoff = w.service.approvals.client_approve(anna, ["w1", "w3"]).signoff
    assert signoff is not None
    assert set(signoff.items) == {ItemRef.entry("w1"), ItemRef.entry("w3")}
    assert w.store.signoffs_for([ItemRef.entry("w1")]) == (signoff,)
    w.clock.advance(FIVE_MINUTES)

    assert len(w.service.approvals.client_undo(anna, ["w1", "w3"]).applied) == 2

    assert _last(w.service, "entries.undone")["withdrawn_signoffs"] == [signoff.id]
    withdrawn = attrs.evolve(signoff, withdrawn_at=w.clock.now())
    assert w.service.signoffs.of("acme-web", "anna") == (withdrawn,)
    assert w.service.signoffs.get("acme-web", signoff.id, contact_id="anna") == withdrawn
    assert w.store.signoffs_for([ItemRef.entry("w1"), ItemRef.entry("w3")]) == ()
    # What was signed is still readable, its hash the one the approval's event carried.
    assert read_certificate(withdrawn).sha256 == signoff.sha256
    approved = _last(w.service, "entries.approved")
    assert (approved["signoff_id"], approved["signoff_sha256"]) == (signoff.id, signoff.sha256)


def test_undoing_one_item_withdraws_the_whole_certificate_and_a_new_approval_stands() -> None:
    w = world()
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    first = w.service.approvals.client_approve(anna, ["w1", "w3"]).signoff
    assert first is not None
    w.clock.advance(FIVE_MINUTES)
    assert len(w.service.approvals.client_undo(anna, ["w1"]).applied) == 1
    assert _last(w.service, "entries.undone")["withdrawn_signoffs"] == [first.id]
    assert w.store.signoffs_for([ItemRef.entry("w3")]) == ()  # w3 stays approved, unsigned

    w.clock.advance(FIVE_MINUTES)
    second = w.service.approvals.client_approve(anna, ["w1"]).signoff
    assert second is not None
    assert w.store.signoffs_for([ItemRef.entry("w1"), ItemRef.entry("w3")]) == (second,)
    listed = w.service.signoffs.of("acme-web", "anna")
    assert [(s.id, s.withdrawn_at is None) for s in listed] == [
        (second.id, True),
        (first.id, False),
    ]
    # An undo with no standing sign-off names none.
    w.clock.advance(FIVE_MINUTES)
    w.service.approvals.client_undo(anna, ["w1"])
    assert _last(w.service, "entries.undone")["withdrawn_signoffs"] == [second.id]
    assert w.service.approvals.client_reject(anna, ["w1"], reason="wrong day").applied
    w.clock.advance(FIVE_MINUTES)
    w.service.approvals.client_undo(anna, ["w1"])
    assert _last(w.service, "entries.undone")["withdrawn_signoffs"] == []


def test_a_reopen_by_the_staff_withdraws_the_signoff_and_the_reopened_event_names_it() -> None:
    w = world()
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    signoff = w.service.approvals.client_approve(anna, ["w1", "w3"]).signoff
    assert signoff is not None
    w.clock.advance(dt.timedelta(days=3))

    assert w.service.approvals.reopen(["w3"], by=MAX, reason="wrong project").all_applied

    assert _last(w.service, "entries.reopened")["withdrawn_signoffs"] == [signoff.id]
    (listed,) = w.service.signoffs.of("acme-web")
    assert listed == attrs.evolve(signoff, withdrawn_at=w.clock.now())
    assert w.store.signoffs_for([ItemRef.entry("w1")]) == ()


def test_on_sql_a_reopened_week_is_listed_as_withdrawn_by_any_service(engine: Engine) -> None:
    def service_over() -> PortalService:
        store = SqlStore(engine)
        return PortalService(
            MemoryDataSource(web_dataset(), store),
            store,
            mail=MAIL,
            secret_keys=SECRET,
            clock=ManualClock(WEB_T0),
            policy=EXTERNAL,
        )

    service = service_over()
    create_acme_en(service)
    bob = visit_as(service, "bob", "acme-en")
    week = (dt.date(2026, 3, 9), dt.date(2026, 3, 15))
    result = service.approvals.client_sign_off(bob, start=week[0], end=week[1])
    signoff = result.signoff
    assert signoff is not None
    assert len(signoff.items) == len(result.applied) == 4
    reopened = signoff.items[0]

    manager = Actor(Party.MANAGER, "tom")
    assert service.approvals.reopen([reopened], by=manager, reason="wrong rate").all_applied

    kind = {"entry": "entries", "expense": "expenses", "trip": "trips"}[reopened.kind.value]
    assert _last(service, f"{kind}.reopened")["withdrawn_signoffs"] == [signoff.id]
    again = service_over()  # another process over the same database
    (listed,) = again.signoffs.of("acme-en", "bob")
    assert listed == attrs.evolve(signoff, withdrawn_at=WEB_T0)
    assert listed.withdrawn_at is not None
    assert again.signoffs.get("acme-en", signoff.id).items == signoff.items
