"""Undo on the approvals page through the WSGI app: after a decision the flash offers "Undo" (a
POST form) while the window is open; the undo comes back to the page (303) saying what was undone,
the company is told; after the window, on a reload, from a shared link or with a forged form,
nothing is undone. In the portal's language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from webtools import Result, WsgiClient, csrf_of, open_portal

from clientportal.web.problems import BadRequest
from clientportal.web.undo_views import parse_undo_item
from clientportal.workflow import Action
from worlds import WebWorld, mails, mails_of

APPROVALS = "/portal/acme-en/approvals"
UNDO = APPROVALS + "/undo"
UNDO_FORM = re.compile(
    r'<form method="post" action="([^"]+)" class="notice undo">(.*?)</form>', re.S
)


def decide(client: WsgiClient, data: list[tuple[str, str]], url: str = APPROVALS) -> Result:
    """Send the approvals form with its CSRF token and follow the 303 to the page."""
    page = client.get(url)
    done = client.post(url, data=[("csrf_token", csrf_of(page)), *data])
    assert done.status == 303, done.text
    return client.get(done.location or "")


def undo_form(page: Result) -> tuple[str, list[tuple[str, str]]] | None:
    """The undo form of ``page``: its action and its fields, or ``None``."""
    found = UNDO_FORM.search(page.text)
    if found is None:
        return None
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found.group(2))
    return found.group(1), fields


def test_after_approving_the_page_offers_undo_and_the_undo_takes_it_back(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    page = decide(client, [("action", "approve"), ("entry", "1:p1"), ("entry", "1:p2")])
    assert "2 time entries approved." in page.text
    assert "You can undo this decision within 15 min." in page.text
    form = undo_form(page)
    assert form is not None
    action, fields = form
    assert action == UNDO
    assert [name for name, _ in fields] == ["csrf_token", "item", "item"]
    assert [value for name, value in fields if name == "item"] == ["entry:p1", "entry:p2"]
    before = {m.id for m in world.store.pending()}

    done = client.post(action, data=fields)

    assert done.status == 303
    assert done.location == APPROVALS
    after = client.get(APPROVALS)
    assert "Your decision was undone. The items await your decision again." in after.text
    assert 'value="1:p1"' not in after.text  # p1 is back, at its new version
    assert 'value="3:p1"' in after.text
    assert [e.action for e in world.store.history("p1")][-1] is Action.UNDO
    new = [m for m in world.store.pending() if m.id not in before]
    [notice] = mails_of(new)
    assert "took back their decision on 2 time entries" in str(notice["Subject"])
    assert undo_form(after) is None  # an undo is not offered to be undone


def test_the_offer_is_shown_once_and_a_reload_does_not_show_it_again(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    assert undo_form(decide(client, [("one", "approve:1:p1")])) is not None
    assert undo_form(client.get(APPROVALS)) is None


def test_a_rejection_can_be_undone_too(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    page = decide(client, [("one", "reject:1:p3"), ("reason", "Not ours")])
    form = undo_form(page)
    assert form is not None
    client.post(form[0], data=form[1])
    assert "Your decision was undone." in client.get(APPROVALS).text
    assert [e.action for e in world.store.history("p3")] == [Action.REJECT, Action.UNDO]


def test_once_the_window_has_closed_the_page_offers_no_undo_and_a_late_post_undoes_nothing(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    page = client.get(APPROVALS)
    done = client.post(APPROVALS, data=[("csrf_token", csrf_of(page)), ("one", "approve:1:p1")])
    world.clock.advance(dt.timedelta(minutes=15, seconds=1))
    late = client.get(done.location or "")
    assert "1 time entry approved." in late.text
    assert undo_form(late) is None
    before = len(mails(world.store))

    refused = client.post(UNDO, data=[("csrf_token", csrf_of(late)), ("item", "entry:p1")])

    assert refused.status == 303
    again = client.get(APPROVALS)
    assert "Nothing was undone: the time for undoing has passed" in again.text
    assert [e.action for e in world.store.history("p1")] == [Action.APPROVE]
    assert len(mails(world.store)) == before


def test_partly_refused_undo_says_so(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    page = decide(client, [("one", "approve:1:p1")])
    form = undo_form(page)
    assert form is not None
    csrf = form[1][0]
    client.post(UNDO, data=[csrf, ("item", "entry:p1"), ("item", "entry:p2")])
    text = client.get(APPROVALS).text
    assert "Your decision was undone." in text
    assert "Some items could not be undone" in text


def test_a_forged_or_malformed_undo_is_refused(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    page = decide(client, [("one", "approve:1:p1")])
    token = csrf_of(page)
    no_csrf = client.post(UNDO, data=[("item", "entry:p1")])
    assert no_csrf.status in (400, 403)
    bad = client.post(UNDO, data=[("csrf_token", token), ("item", "invoice:i1")])
    assert bad.status == 400
    empty = client.post(UNDO, data=[("csrf_token", token)])
    assert empty.status == 400
    assert "Traceback" not in bad.text + empty.text
    assert [e.action for e in world.store.history("p1")] == [Action.APPROVE]


def test_a_shared_link_cannot_undo(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world, contact_id=None)
    page = client.get(APPROVALS)
    refused = client.post(UNDO, data=[("csrf_token", csrf_of(page)), ("item", "entry:p1")])
    assert refused.status == 403
    assert "This link is shared." in refused.text


def test_the_offer_and_the_button_speak_the_portals_language(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world, portal_id="acme-nl", contact_id="anna")
    url = "/portal/acme-nl/approvals"
    page = decide(client, [("one", "approve:1:p1")], url=url)
    assert "U kunt deze beslissing binnen 15 min. ongedaan maken." in page.text
    assert ">Ongedaan maken</button>" in page.text
    form = undo_form(page)
    assert form is not None
    client.post(form[0], data=form[1])
    assert "Uw beslissing is teruggedraaid." in client.get(url).text


@pytest.mark.parametrize("bad", ["p1", "entry:", "invoice:i1", ":p1"])
def test_parse_undo_item_reads_kind_and_id_and_refuses_the_rest(bad: str) -> None:
    assert parse_undo_item("entry:p:1").id == "p:1"
    assert parse_undo_item("trip:t1").kind.value == "trip"
    with pytest.raises(BadRequest, match="<kind>:<id>"):
        parse_undo_item(bad)
