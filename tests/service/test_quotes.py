"""Quotes a contact accepts or declines (service.quotes): which quotes are open, the decision
with its notice and event in one transaction, once only, and the rules for the typed input."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from clientportal import DocumentStatus, InvalidReason, MemoryDataSource, NotFound, WorkflowError
from clientportal.ports.events import QUOTE_ACCEPTED, QUOTE_DECLINED
from clientportal.ports.requests import QuoteDecision
from clientportal.service import MailSettings, PortalService
from clientportal.service.quotes import (
    MAX_SIGNATURE,
    InvalidSignature,
    Openness,
    QuoteClosed,
    check_signature,
    openness,
)
from clientportal.visibility import PortalQuote
from quote_world import NOW, SHOWS_QUOTES, TODAY, HeldOpen, quote_world
from worlds import MAIL, SECRET, ServiceWorld, mails, text_of, visit_as


def states(world: ServiceWorld) -> dict[str, Openness]:
    visit = visit_as(world.service, "bob", "acme-q")
    return {c.quote.id: c.openness for c in world.service.quotes.shown(visit)}


def test_the_portal_shows_its_clients_quotes_but_drafts_each_with_whether_it_is_open() -> None:
    assert states(quote_world()) == {
        "q-open": Openness.OPEN,
        "q-nodate": Openness.OPEN,
        "q-last-day": Openness.OPEN,
        "q-expired": Openness.EXPIRED,
        "q-marked-expired": Openness.EXPIRED,
        "q-won": Openness.CLOSED,
    }


def test_open_lists_only_the_quotes_a_contact_may_decide_now() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    assert {c.quote.id for c in world.service.quotes.open(visit)} == {
        "q-open",
        "q-nodate",
        "q-last-day",
    }


def test_a_quote_stays_open_through_its_last_day_everywhere_on_earth() -> None:
    world = quote_world()
    last_moment = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(11, 59), dt.UTC)
    world.clock.set(last_moment)
    assert states(world)["q-last-day"] is Openness.OPEN
    world.clock.set(last_moment + dt.timedelta(minutes=1))
    assert states(world)["q-last-day"] is Openness.EXPIRED


def test_a_portal_without_quotes_has_none_to_decide() -> None:
    world = quote_world(settings=evolve(SHOWS_QUOTES, show_quotes=False))
    visit = visit_as(world.service, "bob", "acme-q")
    assert world.service.quotes.shown(visit) == ()
    with pytest.raises(NotFound):
        world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob Smith")


def test_accepting_stores_the_decision_the_event_and_the_companys_notice_together() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    decision = world.service.quotes.decide(
        visit, "q-open", accept=True, signature="  Bob   Smith ", address_hash="abc123"
    )
    assert (decision.accepted, decision.signature, decision.contact_id) == (
        True,
        "Bob Smith",
        "bob",
    )
    assert (decision.at, decision.address_hash, decision.reason) == (NOW, "abc123", None)
    stored = world.store.quote_decisions("acme", frozenset({"q-open", "q-nodate"}))
    assert stored == {"q-open": decision}
    (event,) = [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")]
    assert event.type == QUOTE_ACCEPTED
    assert (event.portal_id, event.client_id, event.occurred_at) == ("acme-q", "acme", NOW)
    assert dict(event.data) == {
        "quote_id": "q-open",
        "number": "Q-2026-07",
        "amount": "4250.00",
        "currency": "EUR",
        "contact_id": "bob",
        "actor": {"party": "CLIENT", "id": "bob"},
        "signature": "Bob Smith",
        "reason": None,
    }
    (notice,) = mails(world.store)
    assert notice["To"] == "Office <office@example.com>, boss@example.com"
    assert notice["Reply-To"] == "Bob Smith <bob@acme.example>"
    assert notice["Subject"] == "Bob Smith accepted quote Q-2026-07: Acme quotes"
    text = text_of(notice)
    assert "Bob Smith (bob@acme.example) accepted the quote Q-2026-07 (€4,250.00)" in text
    assert "Projects: App, Website" in text
    assert "> Bob Smith" in text
    choice = world.service.quotes.quote(visit, "q-open")
    assert (choice.openness, choice.decision) == (Openness.DECIDED, decision)


def test_declining_needs_a_reason_and_sends_it_with_the_signature() -> None:
    world = quote_world()
    visit = visit_as(world.service, "carla", "acme-q")
    with pytest.raises(InvalidReason) as missing:
        world.service.quotes.decide(visit, "q-nodate", accept=False, signature="Carla", reason=" ")
    assert missing.value.missing
    assert "declining a quote needs a reason" in str(missing.value)
    with pytest.raises(InvalidReason) as long:
        world.service.quotes.decide(
            visit, "q-nodate", accept=False, signature="Carla", reason="x" * 2001
        )
    assert not long.value.missing
    assert world.store.quote_decisions("acme", frozenset({"q-nodate"})) == {}
    decision = world.service.quotes.decide(
        visit, "q-nodate", accept=False, signature="Carla Weber", reason="Too expensive."
    )
    assert (decision.accepted, decision.reason) == (False, "Too expensive.")
    (event,) = [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")]
    assert event.type == QUOTE_DECLINED
    assert (event.data["signature"], event.data["reason"]) == ("Carla Weber", "Too expensive.")
    (notice,) = mails(world.store)
    assert notice["Subject"] == "Carla Weber declined quote Q-2026-08: Acme quotes"
    text = text_of(notice)
    assert "Reason given by Carla Weber:\n\n> Too expensive." in text
    assert "> Carla Weber" in text


def test_a_reason_given_with_an_acceptance_is_not_kept() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    decision = world.service.quotes.decide(
        visit, "q-open", accept=True, signature="Bob", reason="typed, then accepted"
    )
    assert decision.reason is None


def test_a_second_decision_is_refused_and_writes_nothing() -> None:
    world = quote_world()
    first = world.service.quotes.decide(
        visit_as(world.service, "bob", "acme-q"), "q-open", accept=True, signature="Bob Smith"
    )
    carla = visit_as(world.service, "carla", "acme-q")
    events, outbox = len(world.store.events(limit=1000)), len(world.store.pending())
    with pytest.raises(QuoteClosed) as closed:
        world.service.quotes.decide(carla, "q-open", accept=False, signature="Carla", reason="No.")
    assert closed.value.openness is Openness.DECIDED
    assert closed.value.decision == first
    assert "decided before (accepted by contact 'bob'" in str(closed.value)
    assert (len(world.store.events(limit=1000)), len(world.store.pending())) == (events, outbox)


@pytest.mark.parametrize(
    ("quote_id", "why"),
    [
        ("q-expired", Openness.EXPIRED),
        ("q-marked-expired", Openness.EXPIRED),
        ("q-won", Openness.CLOSED),
    ],
)
def test_quotes_that_are_not_open_are_refused(quote_id: str, why: Openness) -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    with pytest.raises(QuoteClosed) as closed:
        world.service.quotes.decide(visit, quote_id, accept=True, signature="Bob")
    assert closed.value.openness is why
    assert not [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")]
    assert mails(world.store) == []


@pytest.mark.parametrize("quote_id", ["q-draft", "g-open", "nope"])
def test_drafts_and_other_clients_quotes_are_not_found(quote_id: str) -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    with pytest.raises(NotFound):
        world.service.quotes.decide(visit, quote_id, accept=True, signature="Bob")


def test_a_shared_link_cannot_sign() -> None:
    world = quote_world()
    visit = visit_as(world.service, None, "acme-q")
    with pytest.raises(WorkflowError, match="shared"):
        world.service.quotes.decide(visit, "q-open", accept=True, signature="Somebody")


def test_the_host_narrows_the_open_quotes_but_never_opens_a_closed_one() -> None:
    world = quote_world(source="held")
    assert states(world) == {
        "q-open": Openness.CLOSED,
        "q-nodate": Openness.OPEN,
        "q-last-day": Openness.CLOSED,
        "q-expired": Openness.EXPIRED,
        "q-marked-expired": Openness.EXPIRED,
        "q-won": Openness.CLOSED,
    }
    assert isinstance(world.data, HeldOpen)
    assert world.data.asked == ["acme"]
    visit = visit_as(world.service, "bob", "acme-q")
    with pytest.raises(QuoteClosed):
        world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob")


def test_without_company_recipients_the_decision_and_event_are_stored_without_a_notice() -> None:
    mail = MailSettings(
        sender_name=MAIL.sender_name,
        sender_address=MAIL.sender_address,
        message_id_domain=MAIL.message_id_domain,
        base_url=MAIL.base_url,
    )
    world = quote_world(mail=mail)
    visit = visit_as(world.service, "bob", "acme-q")
    world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob")
    assert mails(world.store) == []
    assert [e.type for e in world.store.events(limit=1000) if e.type.startswith("quote.")] == [
        QUOTE_ACCEPTED
    ]


def test_the_notice_is_in_the_companys_language() -> None:
    world = quote_world(mail=evolve(MAIL, company_language="de"))
    visit = visit_as(world.service, "bob", "acme-q")
    world.service.quotes.decide(visit, "q-open", accept=True, signature="Bob Smith")
    (notice,) = mails(world.store)
    assert notice["Subject"] == "Bob Smith hat das Angebot Q-2026-07 angenommen: Acme quotes"
    assert notice["Content-Language"] == "de"


def test_eight_racing_contacts_decide_a_quote_once() -> None:
    world = quote_world()
    visits = [visit_as(world.service, ("bob", "carla")[n % 2], "acme-q") for n in range(8)]
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def decide(n: int) -> None:
        barrier.wait()
        try:
            world.service.quotes.decide(visits[n], "q-open", accept=True, signature=f"N {n}")
            won.append(True)
        except QuoteClosed:
            won.append(False)

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]
    assert len(mails(world.store)) == 1
    assert len([e for e in world.store.events(limit=1000) if e.type == QUOTE_ACCEPTED]) == 1


# --------------------------------------------------------------------------------------------------
# The typed signature


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("Bob Smith", "Bob Smith"), ("  Anna\tvan  der Berg \n", "Anna van der Berg"),
     ("Łucja Żółć", "Łucja Żółć"), ("O'Neil-Smith Jr.", "O'Neil-Smith Jr.")],
)  # fmt: skip
def test_a_signature_is_the_typed_name_with_its_spaces_collapsed(typed: str, kept: str) -> None:
    assert check_signature(typed) == kept


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("", "missing"), ("   \n", "missing"), (None, "missing"),
     ("x" * (MAX_SIGNATURE + 1), "too_long"), ("12345", "not_a_name"),
     ("Bob\x00Smith", "not_a_name"), ("Bob\u202eSmith", "not_a_name")],
)  # fmt: skip
def test_a_signature_that_is_no_name_is_refused_saying_why(typed: str | None, problem: str) -> None:
    with pytest.raises(InvalidSignature) as invalid:
        check_signature(typed)
    assert invalid.value.problem == problem
    assert str(invalid.value).startswith("the signature is not valid")


def test_a_signature_of_the_longest_length_is_kept() -> None:
    assert check_signature("x" * MAX_SIGNATURE) == "x" * MAX_SIGNATURE


def test_a_bad_signature_is_refused_before_anything_is_read_or_written() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    with pytest.raises(InvalidSignature):
        world.service.quotes.decide(visit, "q-open", accept=True, signature=" ")
    assert world.store.quote_decisions("acme", frozenset({"q-open"})) == {}


def test_a_contact_the_source_no_longer_lists_cannot_sign() -> None:
    world = quote_world()
    visit = visit_as(world.service, "bob", "acme-q")
    gone = evolve(world.dataset, contacts=[c for c in world.dataset.contacts if c.id != "bob"])
    service = PortalService(
        MemoryDataSource(gone, world.store), world.store, mail=MAIL, secret_keys=[SECRET],
        clock=world.clock,
    )  # fmt: skip
    with pytest.raises(NotFound, match="not among client 'acme'"):
        service.quotes.decide(visit, "q-open", accept=True, signature="Bob")
    assert world.store.quote_decisions("acme", frozenset({"q-open"})) == {}


# --------------------------------------------------------------------------------------------------
# The rule itself, for any quote and any moment


@given(
    status=st.sampled_from(DocumentStatus),
    valid_until=st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
    now=st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC)),
    held=st.none() | st.frozensets(st.sampled_from(["q", "other"])),
)
def test_only_a_sent_valid_undecided_quote_opens_and_the_host_only_narrows(
    status: DocumentStatus,
    valid_until: dt.date | None,
    now: dt.datetime,
    held: frozenset[str] | None,
) -> None:
    quote = PortalQuote("q", "Q", dt.date(2025, 1, 1), Decimal(1), "EUR", status, frozenset(),
                        valid_until, False)  # fmt: skip
    found = openness(quote, None, now=now, held_open=held)
    alone = openness(quote, None, now=now)
    if found is Openness.OPEN:
        assert status is DocumentStatus.SENT
        assert valid_until is None or now.date() <= valid_until + dt.timedelta(days=1)
        assert alone is Openness.OPEN
    if alone is not Openness.OPEN:
        assert found is alone
    last = None if valid_until is None else dt.datetime.combine(valid_until, dt.time(12), dt.UTC)
    valid = last is None or now < last + dt.timedelta(days=1)
    if status is DocumentStatus.SENT and valid and (held is None or "q" in held):
        assert found is Openness.OPEN
    decided = QuoteDecision(client_id="c", quote_id="q", portal_id="p", contact_id="k",
                            accepted=True, signature="K", at=now)  # fmt: skip
    assert openness(quote, decided, now=now, held_open=held) is Openness.DECIDED
