"""The approvals page of a portal that shows expenses and trips: hours, expenses and trips
awaiting the client in one form (a list and a heading per kind), each row with its Approve and
its own Reject; the selected items of every kind decided at once; an item's kind, version and id
read back unambiguously (ids with ``:`` too); the flash counts each kind; the old form of an
hour still decides. A portal of hours alone keeps its page (``test_web_approvals.py``)."""

from __future__ import annotations

import re

import pytest
from costs_world import costs_world
from hypothesis import given, settings
from hypothesis import strategies as st
from test_web_approvals import dom, form_of, name_of, reject_details, row_of
from webtools import Result, WsgiClient, csrf_of, open_portal

from clientportal import ApprovalStatus, ItemKind, ItemRef
from clientportal.testing.strategies import ids
from clientportal.web import make_wsgi_app
from clientportal.web.approval_views import parse_item
from clientportal.web.problems import BadRequest
from worlds import WebWorld

APPROVALS = "/portal/acme-en/approvals"


@pytest.fixture
def world() -> WebWorld:
    return costs_world()


@pytest.fixture
def client(world: WebWorld) -> WsgiClient:
    client = WsgiClient(make_wsgi_app(world.service))
    assert open_portal(client, world).status == 200
    return client


def post(client: WsgiClient, data: list[tuple[str, str]], url: str = APPROVALS) -> Result:
    """Send the approvals form with the page's CSRF token; expect a 303 back to the page."""
    page = client.get(url)
    result = client.post(url, data=[("csrf_token", csrf_of(page)), *data])
    assert result.status == 303, result.text
    assert result.location == url
    return result


def statuses(world: WebWorld, kind: ItemKind, *ids: str) -> list[ApprovalStatus]:
    states = world.store.approval_states(frozenset(ids), kind)
    return [states[i].status for i in ids]


def headings(html: str) -> list[str]:
    return re.findall(r'<h3 id="[^"]+" class="kind-heading">([^<]+)</h3>', html)


# --------------------------------------------------------------------------------------------------
# The page


def test_hours_expenses_and_trips_await_in_one_form_each_row_with_its_own_reject(
    client: WsgiClient,
) -> None:
    page = client.get(APPROVALS)
    assert page.status == 200
    root = dom(page.text)
    for form in root.find_all(lambda e: e.tag == "form"):
        assert not [a for a in form.ancestors() if a.tag == "form"], "a form inside a form"
    ids = [e.attrs["id"] for e in root.iter() if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    awaiting = page.text[: page.text.index('id="recent-h"')]
    assert headings(awaiting) == ["Hours", "Expenses", "Trips"]
    names: list[str] = []
    for value in ("1:p1", "expense:1:x4", "expense:1:x:5", "trip:1:t3"):
        row = row_of(root, value)  # the row whose buttons end in the value
        (box,) = row.find_all(lambda e: e.tag == "input" and e.attrs.get("type") == "checkbox")
        assert box.attrs["value"] == value
        assert box.attrs["name"] == ("entry" if value == "1:p1" else "item")
        assert form_of(root, box).attrs["id"] == "decide"
        details = reject_details(row)
        (textarea,) = details.find_all(lambda e: e.tag == "textarea")
        (submit,) = details.find_all(lambda e: e.tag == "button")
        (approve,) = [
            b for b in row.find_all(lambda e: e.tag == "button") if b.attrs["value"][0] == "a"
        ]
        assert approve.attrs["value"] == f"approve:{value}"
        assert submit.attrs["value"] == f"reject:{value}"
        own = form_of(root, textarea)
        assert form_of(root, submit) is own
        assert [e.attrs["name"] for e in own.iter() if "name" in e.attrs] == ["csrf_token"]
        names += [name_of(root, x) for x in (box, approve, textarea, submit)]
    assert len(names) == len(set(names)), names
    assert "Select the expense of Mar 13, 2026, Tom Bakker, €9.99" in names
    assert "Approve: Mar 13, 2026, Tom Bakker, €9.99" in names
    assert "Select the trip of Mar 13, 2026, Tom Bakker, 5 km" in names
    assert "Reject with this reason: Mar 13, 2026, Tom Bakker, 5 km" in names
    # "All shown" covers every kind; the selection's reason speaks of items.
    shown = re.findall(r'name="shown" value="([^"]+)"', page.text)
    assert shown == ["1:p1", "1:p2", "1:p3", "1:p4", "expense:1:x4", "expense:1:x:5", "trip:1:t3"]
    (bulk,) = root.find_all(
        lambda e: e.tag == "details" and "reject-selected" in e.attrs.get("class", "")
    )
    (reason,) = bulk.find_all(lambda e: e.tag == "textarea")
    assert name_of(root, reason) == "Reason for rejecting the selected items"


def test_the_recently_decided_lists_each_kind(world: WebWorld, client: WsgiClient) -> None:
    page = client.get(APPROVALS).text
    recent = page[page.index('id="recent-h"') :]
    assert headings(recent) == ["Expenses"]  # x6 was approved; no hour or trip decided yet
    assert "Taxi" in recent


# --------------------------------------------------------------------------------------------------
# Deciding


def test_one_expense_is_approved_with_its_rows_button(world: WebWorld, client: WsgiClient) -> None:
    post(client, [("one", "approve:expense:1:x4")])
    assert statuses(world, ItemKind.EXPENSE, "x4") == [ApprovalStatus.APPROVED]
    assert not world.store.approval_states(frozenset({"x4"}), ItemKind.ENTRY)
    page = client.get(APPROVALS).text
    assert "1 expense approved." in page
    assert 'value="approve:expense:1:x4"' not in page
    assert "Cables" in page[page.index('id="recent-h"') :]


def test_the_selected_items_of_every_kind_are_rejected_at_once(
    world: WebWorld, client: WsgiClient
) -> None:
    post(
        client,
        [("action", "reject"), ("entry", "1:p1"), ("item", "expense:1:x:5"),
         ("item", "trip:1:t3"), ("reason", "Not agreed")],
    )  # fmt: skip
    assert statuses(world, ItemKind.ENTRY, "p1") == [ApprovalStatus.REJECTED]
    assert statuses(world, ItemKind.EXPENSE, "x:5") == [ApprovalStatus.REJECTED]
    assert statuses(world, ItemKind.TRIP, "t3") == [ApprovalStatus.REJECTED]
    assert world.store.history("t3", ItemKind.TRIP)[-1].reason == "Not agreed"
    page = client.get(APPROVALS).text
    for said in ("1 time entry rejected.", "1 expense rejected.", "1 trip rejected."):
        assert said in page
    assert headings(page[page.index('id="recent-h"') :]) == ["Hours", "Expenses", "Trips"]


def test_all_shown_decides_every_kind(world: WebWorld, client: WsgiClient) -> None:
    page = client.get(APPROVALS)
    shown = re.findall(r'name="shown" value="([^"]+)"', page.text)
    post(client, [("action", "approve"), ("all", "1"), *[("shown", s) for s in shown]])
    text = client.get(APPROVALS).text
    for said in ("4 time entries approved.", "2 expenses approved.", "1 trip approved."):
        assert said in text
    assert "There is nothing awaiting your approval." in text


def test_an_hour_in_the_old_form_is_still_decided(world: WebWorld, client: WsgiClient) -> None:
    post(client, [("action", "approve"), ("entry", "1:p2"), ("item", "entry:1:p3")])
    assert statuses(world, ItemKind.ENTRY, "p2", "p3") == [ApprovalStatus.APPROVED] * 2
    assert "2 time entries approved." in client.get(APPROVALS).text


def test_a_rows_reject_without_a_reason_comes_back_open_at_that_row(
    world: WebWorld, client: WsgiClient
) -> None:
    post(client, [("one", "reject:trip:1:t3"), ("reason", " ")])
    assert not world.store.history("t3", ItemKind.TRIP)
    root = dom(client.get(APPROVALS).text)
    details = reject_details(row_of(root, "trip:1:t3"))
    assert "open" in details.attrs
    assert "Please give a reason for rejecting these items." in details.text()
    assert "open" not in reject_details(row_of(root, "expense:1:x4")).attrs
    assert "open" not in reject_details(row_of(root, "1:p1")).attrs


def test_an_item_changed_meanwhile_is_selected_again_with_the_reason_kept(
    world: WebWorld, client: WsgiClient
) -> None:
    post(
        client,
        [("action", "reject"), ("item", "expense:0:x4"), ("item", "trip:1:t3"),
         ("reason", "Too much")],
    )  # fmt: skip
    assert statuses(world, ItemKind.TRIP, "t3") == [ApprovalStatus.REJECTED]
    assert not world.store.history("x4", ItemKind.EXPENSE)
    page = client.get(APPROVALS).text
    assert "1 trip rejected." in page
    assert "Some of these items were changed in the meantime." in page
    assert re.search(r'value="expense:1:x4" data-entry aria-label="[^"]*" checked', page)
    assert 'id="reason"' in page
    assert "Too much</textarea>" in page


def test_nothing_selected_and_items_not_shown_say_so_in_terms_of_items(
    world: WebWorld, client: WsgiClient
) -> None:
    post(client, [("action", "approve")])
    assert "Select at least one item first." in client.get(APPROVALS).text
    post(client, [("action", "approve"), ("item", "expense:1:xg")])  # Globex's
    assert "Some items were not changed" in client.get(APPROVALS).text
    assert not world.store.history("xg", ItemKind.EXPENSE)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("expense:x4", "is not '<version>:<entry id>'"),
        ("trip:1:", "is not '<version>:<entry id>'"),
        ("receipt:1:x4", "is not '<version>:<entry id>'"),
        ("1", "is not '<version>:<entry id>'"),
        ("expense:1: x4", "is not an id"),
    ],
)
def test_an_item_that_is_none_answers_400(
    world: WebWorld, client: WsgiClient, value: str, problem: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_item(value)
    assert problem in refused.value.message
    page = client.get(APPROVALS)
    answer = client.post(
        APPROVALS, data=[("csrf_token", csrf_of(page)), ("action", "approve"), ("item", value)]
    )
    assert answer.status == 400
    assert "could not be read" in answer.text
    assert not world.store.history("x4", ItemKind.EXPENSE)


@settings(max_examples=min(settings().max_examples, 200))
@given(item_id=ids(), version=st.integers(0, 10**9 - 1), kind=st.sampled_from(list(ItemKind)))
def test_every_item_reads_back_as_the_page_writes_it(
    item_id: str, version: int, kind: ItemKind
) -> None:
    """Kind first, from a fixed set; the version digits; the id is the rest, ``:`` and all."""
    written = f"{kind.value}:{version}:{item_id}"
    assert parse_item(written) == (ItemRef(kind, item_id), version)
    if kind is ItemKind.ENTRY:
        assert parse_item(f"{version}:{item_id}") == (ItemRef(kind, item_id), version)


# --------------------------------------------------------------------------------------------------
# Paging per kind, and a shared link


def test_each_kind_pages_on_its_own() -> None:
    world = costs_world()
    client = WsgiClient(make_wsgi_app(world.service, page_size=1))
    open_portal(client, world)
    page = client.get(APPROVALS).text
    links = re.findall(r'<a rel="next" href="([^"]+)"', page)
    assert [link.split("?")[1].split("=")[0] for link in links] == ["after", "after_expense"]
    second = client.get(links[1].replace("&amp;", "&")).text
    assert 'value="expense:1:x:5"' in second
    assert 'value="expense:1:x4"' not in second
    assert 'value="1:p1"' in second  # the hours' first page
    assert 'href="/portal/acme-en/approvals">First page</a>' in second
    bad = client.get(APPROVALS + "?after_trip=not-a-cursor")
    assert bad.status == 400


def test_a_shared_link_shows_the_items_without_buttons(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-en", None)
    page = client.get(APPROVALS).text
    assert "approve or reject hours, expenses and trips" in page
    assert 'value="approve:' not in page
    assert 'value="expense:1:x4"' in page
