"""The decision page is bound to the quote it showed (web.quote_views, ``seen``): a quote the host
revised while the page was open is not decided; the page answers again (409) with the quote as
it is now and says so, in the portal's language."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from attrs import evolve
from webtools import Result, WsgiClient, csrf_of

from clientportal import Dataset, MemoryDataSource, MemoryStore, Quote
from clientportal.ports.events import QUOTE_ACCEPTED
from clientportal.visibility import Scope
from clientportal.web import make_wsgi_app
from quote_world import NOW, quote_dataset, quote_portal, quote_world
from worlds import ServiceWorld, mails, service_world

PAGE = "/portal/acme-q"
DECIDE = PAGE + "/quotes/q-open/decision"
CHANGED = (
    "This quote changed while you were looking at it: look at it again. "
    "Nothing has been accepted or declined."
)


def words(page: Result) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page.text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def seen_of(page: Result) -> str:
    found = re.search(r'name="seen" value="([0-9a-f]{64})"', page.text)
    assert found, "no seen field on the page"
    return found.group(1)


def signed_in(world: ServiceWorld, contact_id: str = "bob") -> WsgiClient:
    client = WsgiClient(make_wsgi_app(world.service))
    token = world.service.links.issue("acme-q", contact_id).token
    assert client.get(f"/l/{token}", follow=True).status == 200
    return client


def revised(dataset: Dataset, **changes: Any) -> Dataset:
    quotes = [evolve(q, **changes) if q.id == "q-open" else q for q in dataset.quotes]
    return evolve(dataset, quotes=quotes)


def revise(world: ServiceWorld, **changes: Any) -> None:
    """The host revises quote q-open in its own system."""
    assert isinstance(world.data, MemoryDataSource)
    world.data.dataset = revised(world.data.dataset, **changes)


def nothing_decided(world: ServiceWorld) -> bool:
    return (
        world.store.quote_decisions("acme", frozenset({"q-open"})) == {}
        and not [e for e in world.store.events(limit=1000) if e.type.startswith("quote.")]
        and mails(world.store) == []
    )


def post(client: WsgiClient, page: Result, **form: str) -> Result:
    """Submit the decision form of ``page`` (its token and ``seen``) with ``form``."""
    return client.post(DECIDE, data={"csrf_token": csrf_of(page), "seen": seen_of(page), **form})


def test_the_form_carries_what_the_page_shows_of_the_quote() -> None:
    world = quote_world()
    client = signed_in(world)
    first = seen_of(client.get(DECIDE))
    assert seen_of(client.get(DECIDE)) == first  # the same quote, the same digest
    revise(world, valid_until=None)
    assert seen_of(client.get(DECIDE)) != first


def test_a_quote_revised_while_the_page_was_open_is_shown_again_and_not_decided() -> None:
    world = quote_world()
    client = signed_in(world)
    page = client.get(DECIDE)
    assert "€4,250.00" in words(page)
    revise(world, amount=Decimal("9999.00"))
    answer = post(client, page, decision="accept", signature="Bob Smith")
    assert answer.status == 409
    text = words(answer)
    assert CHANGED in text
    assert re.search(r'class="notice warning" role="alert"[^>]*>\s*This quote changed', answer.text)
    assert "Amount €9,999.00" in text
    assert "for €9,999.00." in text
    assert "4,250" not in text
    assert 'value="Bob Smith"' in answer.text  # what was typed stays
    assert seen_of(answer) != seen_of(page)
    assert nothing_decided(world)
    # Looked at again, signed again: the amount now shown is the one accepted.
    done = post(client, answer, decision="accept", signature="Bob Smith")
    assert done.status == 303
    (event,) = [e for e in world.store.events(limit=1000) if e.type == QUOTE_ACCEPTED]
    assert (event.data["amount"], event.data["currency"]) == ("9999.00", "EUR")
    decision = world.store.quote_decisions("acme", frozenset({"q-open"}))["q-open"]
    assert (decision.amount, decision.currency) == (Decimal("9999.00"), "EUR")


def test_a_revised_quote_is_told_before_any_problem_with_the_typed_input() -> None:
    world = quote_world()
    client = signed_in(world)
    page = client.get(DECIDE)
    revise(world, number="Q-2026-07-rev2")
    answer = post(client, page, decision="decline", signature="Bob", reason="")
    assert answer.status == 409
    assert CHANGED in words(answer)
    assert "Quote Q-2026-07-rev2" in words(answer)
    assert nothing_decided(world)


def test_a_post_without_what_the_page_showed_decides_nothing() -> None:
    world = quote_world()
    client = signed_in(world)
    page = client.get(DECIDE)
    for seen in ("", "0" * 64):
        answer = client.post(
            DECIDE, data={"csrf_token": csrf_of(page), "seen": seen, "decision": "accept",
                          "signature": "Bob Smith"},
        )  # fmt: skip
        assert answer.status == 409
        assert CHANGED in words(answer)
    answer = client.post(
        DECIDE, data={"csrf_token": csrf_of(page), "decision": "accept", "signature": "Bob Smith"}
    )
    assert answer.status == 409
    assert nothing_decided(world)


class RevisedOnFirstRead(MemoryDataSource):
    """A host that revises q-open right after the next read of its quotes: between the page's
    check of ``seen`` and the service's decision."""

    armed = False

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        found = super().quotes(scope)
        if self.armed:
            self.armed = False
            self.dataset = revised(self.dataset, amount=Decimal("5000.00"))
        return found


def test_a_quote_revised_between_the_pages_check_and_the_decision_is_not_decided() -> None:
    store = MemoryStore()
    source = RevisedOnFirstRead(quote_dataset(), store)
    world = service_world(
        portals=(quote_portal(),), data=source.dataset, source=source, store=store
    )
    world.clock.set(NOW)
    client = signed_in(world)
    page = client.get(DECIDE)
    source.armed = True
    answer = post(client, page, decision="accept", signature="Bob Smith")
    assert not source.armed  # the revision happened during the POST
    assert answer.status == 409
    assert CHANGED in words(answer)
    assert "Amount €5,000.00" in words(answer)
    assert nothing_decided(world)


def test_the_notice_speaks_the_portals_language() -> None:
    world = quote_world()
    world.store.put_portal(evolve(world.store.get_portal("acme-q"), language="de"))
    client = signed_in(world, "carla")
    page = client.get(DECIDE)
    revise(world, amount=Decimal("9999.00"))
    answer = post(client, page, decision="accept", signature="Carla Weber")
    assert answer.status == 409
    assert (
        "Dieses Angebot hat sich geändert, während Sie es angesehen haben: Sehen Sie es sich "
        "bitte noch einmal an. Es wurde nichts angenommen oder abgelehnt." in words(answer)
    )
    assert nothing_decided(world)


def test_a_decided_quote_shows_the_amount_decided_on_even_after_the_host_revises_it() -> None:
    world = quote_world()
    client = signed_in(world)
    assert post(client, client.get(DECIDE), decision="accept", signature="Bob").status == 303
    revise(world, amount=Decimal("9999.00"))
    text = words(client.get(DECIDE))
    assert "Accepted by Bob on Mar 2, 2026" in text
    assert "Amount decided on: €4,250.00" in text
    assert "Amount €9,999.00" in text  # the quote as the host holds it now
