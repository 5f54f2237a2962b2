"""A decision on a quote is bound to the quote the contact saw (service.quotes.quote_digest and
``Quotes.decide(..., seen=)``): a quote the host revised meanwhile is refused and nothing is
written; the decision, its event and the company's notice carry the amount decided on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from clientportal import DocumentStatus, MemoryDataSource, WorkflowError
from clientportal.mail.messages import Recipient, Sender
from clientportal.mail.quotes import quote_decided
from clientportal.service.quotes import QuoteChanged, QuoteClosed, quote_digest
from clientportal.visibility import PortalQuote
from quote_world import NOW, quote_world
from worlds import ServiceWorld, mails, text_of, visit_as


def revise(world: ServiceWorld, quote_id: str, **changes: Any) -> None:
    """The host changes one of its quotes (as its own system would, between two requests)."""
    source = world.data
    assert isinstance(source, MemoryDataSource)
    quotes = [evolve(q, **changes) if q.id == quote_id else q for q in source.dataset.quotes]
    source.dataset = evolve(source.dataset, quotes=quotes)


def written(world: ServiceWorld) -> tuple[object, ...]:
    """Everything a decision writes: the decisions, the quote events, the outbox."""
    return (
        world.store.quote_decisions("acme", frozenset({"q-open", "q-nodate"})),
        [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")],
        mails(world.store),
    )


def test_a_quote_revised_while_the_contact_looked_at_it_is_not_accepted() -> None:
    """The reviewer's reproduction: the page showed 4,250.00, the host revised it to 9,999.00,
    the contact's signature must not accept 9,999.00."""
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    shown = world.service.quotes.quote(visit, "q-open").quote  # the decision page
    assert shown.amount == Decimal("4250.00")
    seen = quote_digest(shown)
    revise(world, "q-open", amount=Decimal("9999.00"))
    assert world.service.quotes.quote(visit, "q-open").quote.amount == Decimal("9999.00")
    with pytest.raises(QuoteChanged) as changed:
        world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob Smith", seen=seen)
    assert isinstance(changed.value, WorkflowError)
    assert changed.value.quote_id == "q-open"
    assert changed.value.quote.amount == Decimal("9999.00")  # what to show them now
    assert "changed while the contact was looking at it" in str(changed.value)
    assert "nothing was decided" in str(changed.value)
    assert written(world) == ({}, [], [])
    # Shown again and signed again: now 9,999.00 is what Bob accepts.
    again = quote_digest(world.service.quotes.quote(visit, "q-open").quote)
    decision = world.service.quotes.decide(
        visit, "q-open", accept=True, signature="Bob Smith", seen=again
    )
    assert (decision.amount, decision.currency) == (Decimal("9999.00"), "EUR")
    (event,) = [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")]
    assert (event.data["amount"], event.data["currency"]) == ("9999.00", "EUR")


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": Decimal("4250.01")},
        {"number": "Q-2026-07b"},
        {"currency": "USD"},
        {"valid_until": NOW.date() + dt.timedelta(days=60)},
        {"valid_until": None},
        {"date": dt.date(2026, 2, 21)},
    ],
    ids=["amount", "number", "currency", "valid_until", "no_valid_until", "date"],
)
def test_any_change_to_what_the_contact_saw_is_refused(changes: dict[str, Any]) -> None:
    world = quote_world()
    for accept, reason in ((True, None), (False, "Too late.")):
        visit = visit_as(world.service, "carla", "acme-q")
        seen = quote_digest(world.service.quotes.quote(visit, "q-open").quote)
        revise(world, "q-open", **changes)
        with pytest.raises(QuoteChanged):
            world.service.quotes.decide(
                visit, "q-open", accept=accept, signature="Carla", reason=reason, seen=seen
            )
        assert written(world) == ({}, [], [])
        world = quote_world()


def test_an_unchanged_quote_is_decided_with_the_amount_the_contact_saw() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    seen = quote_digest(world.service.quotes.quote(visit, "q-open").quote)
    decision = world.service.quotes.decide(
        visit, "q-open", accept=False, signature="Bob", reason="Too much.", seen=seen
    )
    assert (decision.amount, decision.currency) == (Decimal("4250.00"), "EUR")
    (event,) = [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")]
    assert (event.data["amount"], event.data["currency"]) == ("4250.00", "EUR")
    (notice,) = mails(world.store)
    assert "declined the quote Q-2026-07 (€4,250.00)" in text_of(notice)
    # The memory store keeps what was decided on.
    stored = world.store.quote_decisions("acme", frozenset({"q-open"}))["q-open"]
    assert (stored.amount, stored.currency) == (Decimal("4250.00"), "EUR")


def test_what_the_contact_does_not_see_of_the_amount_is_no_change() -> None:
    """4,250.00 and 4,250.0 are the same amount: the page shows them alike."""
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    seen = quote_digest(world.service.quotes.quote(visit, "q-open").quote)
    revise(world, "q-open", amount=Decimal("4250.0"))
    decision = world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob", seen=seen)
    assert decision.amount == Decimal("4250.0")


def test_without_seen_the_host_decides_on_the_quote_as_it_is_now() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    revise(world, "q-open", amount=Decimal("9999.00"), currency="USD")
    decision = world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob")
    assert (decision.amount, decision.currency) == (Decimal("9999.00"), "USD")
    (event,) = [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")]
    assert (event.data["amount"], event.data["currency"]) == ("9999.00", "USD")


def test_a_digest_of_another_quote_is_refused() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    other = quote_digest(world.service.quotes.quote(visit, "q-nodate").quote)
    with pytest.raises(QuoteChanged):
        world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob", seen=other)
    with pytest.raises(QuoteChanged):
        world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob", seen="")
    assert written(world) == ({}, [], [])


def test_a_quote_decided_meanwhile_is_told_as_decided_whatever_was_seen() -> None:
    world = quote_world()
    bob = visit_as(world.service, "bob", "acme-q")
    seen = quote_digest(world.service.quotes.quote(bob, "q-open").quote)
    carla = visit_as(world.service, "carla", "acme-q")
    world.service.quotes.decide(carla, "q-open", accept=True, signature="Carla")
    revise(world, "q-open", amount=Decimal("1.00"))
    with pytest.raises(QuoteClosed):
        world.service.quotes.decide(bob, "q-open", accept=True, signature="Bob", seen=seen)


# --------------------------------------------------------------------------------------------------
# The digest itself

BASE = PortalQuote("q", "Q-1", dt.date(2026, 1, 5), Decimal("10.00"), "EUR", DocumentStatus.SENT,
                   frozenset({"p"}), dt.date(2026, 2, 5), True)  # fmt: skip

facts = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["q", "r"]),
        "number": st.sampled_from(["Q-1", "Q-2", "Q-1 "]),
        "amount": st.decimals(-10_000, 10_000, places=2, allow_nan=False),
        "currency": st.sampled_from(["EUR", "USD"]),
        "date": st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 9)),
        "valid_until": st.none() | st.dates(dt.date(2026, 2, 1), dt.date(2026, 2, 9)),
    }
)


@given(a=facts, b=facts)
def test_the_digest_differs_exactly_when_what_the_contact_sees_differs(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    same = a == b  # Decimal equality is by value: 10.00 == 10.0
    assert (quote_digest(evolve(BASE, **a)) == quote_digest(evolve(BASE, **b))) is same


def test_the_digest_ignores_what_the_decision_does_not_depend_on() -> None:
    other = evolve(BASE, status=DocumentStatus.ACCEPTED, project_ids=frozenset(), has_file=False)
    assert quote_digest(other) == quote_digest(BASE)
    assert quote_digest(evolve(BASE, amount=Decimal("1E+1"))) == quote_digest(BASE)
    zero = quote_digest(evolve(BASE, amount=Decimal("0.00")))
    assert quote_digest(evolve(BASE, amount=Decimal("-0.00"))) == zero
    assert quote_digest(evolve(BASE, amount=Decimal("-0.01"))) != zero
    assert len(quote_digest(BASE)) == 64


# --------------------------------------------------------------------------------------------------
# The company's notice names the amount decided on


def test_the_notice_names_the_amount_decided_on_not_the_quotes_amount_of_now() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    seen = quote_digest(world.service.quotes.quote(visit, "q-open").quote)
    decision = world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob", seen=seen)
    revised = evolve(world.service.quotes.quote(visit, "q-open").quote, amount=Decimal("9999"))
    contact = next(c for c in world.dataset.contacts if c.id == "bob")
    mail = quote_decided(
        portal=visit.portal,
        contact=contact,
        quote=revised,
        decision=decision,
        project_names=(),
        recipients=(Recipient("Office", "office@example.com"),),
        sender=Sender("Example Co", "portal@example.com", "example.com"),
        locale="en",
    )
    text = text_of(mail.message)
    assert "€4,250.00" in text
    assert "9,999" not in text
