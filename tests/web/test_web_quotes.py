"""The quotes pages (web.quote_views): the list with each quote's decision, the "Accept or
decline" page, the POST that decides, and every way the input can be wrong, in the portal's
language."""

from __future__ import annotations

import html
import re

import pytest
from attrs import evolve
from webtools import Result, WsgiClient, csrf_of

from clientportal.ports.events import QUOTE_ACCEPTED
from clientportal.web import make_wsgi_app
from quote_world import quote_world
from worlds import ServiceWorld, mails, text_of

PAGE = "/portal/acme-q"
DECIDE = PAGE + "/quotes/q-open/decision"


def words(page: Result) -> str:
    """The page's text as a reader sees it: tags out, spaces collapsed, entities read."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page.text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def signed_in(world: ServiceWorld, contact_id: str | None = "bob") -> WsgiClient:
    client = WsgiClient(make_wsgi_app(world.service))
    token = world.service.links.issue("acme-q", contact_id).token
    assert client.get(f"/l/{token}", follow=True).status == 200
    return client


def seen_of(page: Result) -> str:
    """The digest of the quote the decision page shows (its hidden ``seen`` field)."""
    found = re.search(r'name="seen" value="([0-9a-f]{64})"', page.text)
    assert found, "no seen field on the page"
    return found.group(1)


def decide(client: WsgiClient, **form: str) -> Result:
    page = client.get(DECIDE)
    return client.post(DECIDE, data={"csrf_token": csrf_of(page), "seen": seen_of(page), **form})


def test_the_quotes_page_offers_a_decision_on_each_open_quote_only() -> None:
    world = quote_world()
    page = signed_in(world).get(PAGE + "/quotes")
    assert page.status == 200
    links = re.findall(r'href="([^"]+/decision)"', page.text)
    assert sorted(links) == sorted(
        f"{PAGE}/quotes/{q}/decision" for q in ("q-open", "q-nodate", "q-last-day")
    )
    text = words(page)
    assert "Decision" in text
    assert "Accept or decline Q-2026-07" in text
    # Past its date, or marked so: "Expired" in the decision column (and once as a status).
    assert text.count("Expired") == 3
    assert "Q-2026-10" not in text  # a draft is never shown
    assert "GLX-Q-1" not in text


def test_the_decision_page_shows_the_quote_and_the_signing_form() -> None:
    world = quote_world()
    page = signed_in(world).get(DECIDE)
    assert page.status == 200
    text = words(page)
    assert "Quote Q-2026-07" in text
    assert "Amount €4,250.00" in text
    assert "Valid until Apr 1, 2026" in text
    assert "Projects App, Website" in text
    assert (
        "By typing your full name and pressing “Accept the quote”, you accept quote Q-2026-07 of "
        "Example Co for €4,250.00." in text
    )
    assert 'autocomplete="name"' in page.text
    assert 'name="decision" value="accept"' in page.text
    assert 'name="decision" value="decline"' in page.text
    assert '<button type="submit" disabled hidden' in page.text  # Enter decides nothing
    assert f'href="{PAGE}/quotes/q-open"' in page.text  # its file


def test_accepting_leads_back_to_the_quotes_with_a_thank_you_and_who_accepted() -> None:
    world = quote_world()
    client = signed_in(world)
    answer = decide(client, decision="accept", signature="Bob  Smith")
    assert answer.status == 303
    assert answer.location == PAGE + "/quotes"
    page = client.get(answer.location)
    text = words(page)
    assert "Thank you: you accepted the quote. Your acceptance is recorded." in text
    assert "Accepted by Bob Smith on Mar 2, 2026" in text
    assert DECIDE not in page.text
    assert "Thank you" not in words(client.get(PAGE + "/quotes"))  # shown once
    (event,) = [e for e in world.store.events(limit=1000) if e.type == QUOTE_ACCEPTED]
    assert event.data["signature"] == "Bob Smith"
    (notice,) = mails(world.store)
    assert "accepted the quote Q-2026-07" in text_of(notice)
    decision = world.store.quote_decisions("acme", frozenset({"q-open"}))["q-open"]
    assert decision.address_hash == world.service.access.codec.client_hash("203.0.113.5")
    after = words(client.get(DECIDE))
    assert "Accepted by Bob Smith on Mar 2, 2026" in after
    assert "Type your full name" not in after


def test_declining_keeps_the_reason_and_shows_it() -> None:
    world = quote_world()
    client = signed_in(world)
    answer = decide(client, decision="decline", signature="Bob Smith", reason="Too expensive.")
    assert answer.status == 303
    text = words(client.get(answer.location or ""))
    assert "You declined the quote. Your decision and reason are recorded." in text
    assert "Declined by Bob Smith on Mar 2, 2026" in text
    assert "Reason: Too expensive." in words(client.get(DECIDE))


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"decision": "accept", "signature": " "}, "signature", "Type your full name to sign."),
        ({"decision": "accept", "signature": "1234"}, "signature", "Type your name in letters."),
        ({"decision": "accept", "signature": "B" * 201}, "signature",
         "Your name is too long: type at most 200 characters."),
        ({"decision": "decline", "signature": "Bob", "reason": ""}, "reason",
         "Please give a reason for declining the quote."),
        ({"decision": "decline", "signature": "Bob", "reason": "x" * 2001}, "reason",
         "The reason is too long"),
    ],
)  # fmt: skip
def test_input_that_cannot_be_used_answers_the_form_again_with_the_problem_at_its_field(
    form: dict[str, str], field: str, message: str
) -> None:
    world = quote_world()
    client = signed_in(world)
    page = decide(client, **form)
    assert page.status == 400
    assert message in words(page)
    assert f'id="{field}-error"' in page.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page.text)
    assert re.search(rf'aria-describedby="{field}-error {field}-help"', page.text)
    if field == "reason":
        assert 'value="Bob"' in page.text  # what was typed stays
    assert world.store.quote_decisions("acme", frozenset({"q-open"})) == {}
    assert mails(world.store) == []


def test_a_quote_decided_meanwhile_says_so_on_the_page() -> None:
    world = quote_world()
    bob = signed_in(world)
    form = bob.get(DECIDE)
    carla = signed_in(world, "carla")
    assert decide(carla, decision="accept", signature="Carla Weber").status == 303
    page = bob.post(
        DECIDE, data={"csrf_token": csrf_of(form), "seen": seen_of(form), "decision": "decline",
                      "signature": "Bob", "reason": "No"},
    )  # fmt: skip
    assert page.status == 409
    text = words(page)
    assert "This quote has already been accepted or declined." in text
    assert "Accepted by Carla Weber on Mar 2, 2026" in text
    assert len(mails(world.store)) == 1


def test_an_expired_quote_has_no_form_and_cannot_be_decided() -> None:
    world = quote_world()
    client = signed_in(world)
    url = PAGE + "/quotes/q-expired/decision"
    page = client.get(url)
    assert "This quote has expired: it can no longer be accepted or declined." in words(page)
    assert 'name="signature"' not in page.text
    answer = client.post(
        url, data={"csrf_token": csrf_of(client.get(DECIDE)), "decision": "accept",
                   "signature": "Bob"},
    )  # fmt: skip
    assert answer.status == 409
    assert world.store.quote_decisions("acme", frozenset({"q-expired"})) == {}


@pytest.mark.parametrize("quote_id", ["q-draft", "g-open", "nope", "bad%20id"])
def test_quotes_the_portal_does_not_show_are_not_found(quote_id: str) -> None:
    client = signed_in(quote_world())
    assert client.get(f"{PAGE}/quotes/{quote_id}/decision").status in (400, 404)


def test_a_shared_link_sees_the_quotes_but_cannot_sign() -> None:
    world = quote_world()
    client = signed_in(world, None)
    page = client.get(PAGE + "/quotes")
    text = words(page)
    assert "Open the portal from your personal link to accept or decline quotes." in text
    assert "/decision" not in page.text
    form = client.get(DECIDE)
    assert 'name="signature"' not in form.text
    answer = client.post(
        DECIDE, data={"csrf_token": csrf_of(page) if "csrf_token" in page.text else "",
                      "decision": "accept", "signature": "Somebody"},
    )  # fmt: skip
    assert answer.status in (403, 404)
    assert world.store.quote_decisions("acme", frozenset({"q-open"})) == {}


def test_a_post_without_the_forms_token_decides_nothing() -> None:
    world = quote_world()
    client = signed_in(world)
    answer = client.post(DECIDE, data={"decision": "accept", "signature": "Bob"})
    assert answer.status in (400, 403)
    assert world.store.quote_decisions("acme", frozenset({"q-open"})) == {}


def test_an_unknown_decision_is_a_bad_request() -> None:
    client = signed_in(quote_world())
    assert decide(client, decision="maybe", signature="Bob").status == 400


def test_without_a_session_the_pages_are_not_found() -> None:
    client = WsgiClient(make_wsgi_app(quote_world().service))
    assert client.get(DECIDE).status == 404
    assert client.post(DECIDE, data={"decision": "accept", "signature": "Bob"}).status == 404


def test_the_pages_speak_the_portals_language() -> None:
    world = quote_world()
    world.store.put_portal(evolve(world.store.get_portal("acme-q"), language="de"))
    client = signed_in(world, "carla")
    page = decide(client, decision="accept", signature="")
    assert page.status == 400
    text = words(page)
    assert "Geben Sie zum Unterschreiben Ihren vollständigen Namen ein." in text
    assert "Angebot Q-2026-07" in text
    assert 'lang="de"' in page.text


def test_a_portal_that_hides_quotes_has_no_decision_page() -> None:
    from quote_world import SHOWS_QUOTES

    world = quote_world(settings=evolve(SHOWS_QUOTES, show_quotes=False, show_hours=True))
    client = signed_in(world)
    assert client.get(PAGE + "/quotes").status == 404
    assert client.get(DECIDE).status == 404


def test_a_missing_name_and_a_missing_reason_are_both_told_at_once() -> None:
    world = quote_world()
    page = decide(signed_in(world), decision="decline", signature="", reason=" ")
    assert page.status == 400
    text = words(page)
    assert "Type your full name to sign." in text
    assert "Please give a reason for declining the quote." in text
    assert page.text.count('aria-invalid="true"') == 2
    assert page.text.count("autofocus") == 1  # on the first field with a problem
