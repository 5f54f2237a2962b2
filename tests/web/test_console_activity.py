"""The console's activity page of a portal: its events and the staff's steps on its client's
items, newest first, in plain language and the console's language, a page at a time (one
keyset read of the store per page; nothing kept between requests)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from consoletools import EVA, Browser, acme_form, console_app, console_service

from clientportal import Event, PortalService
from clientportal.web.console.activity import LIMIT, Names, describe, with_before
from clientportal.web.console.texts import ConsoleText
from clientportal.workflow import Actor, Party

CLIENT_IP = "203.0.113.9"
TOM = Actor(Party.MANAGER, "tom")


def create(browser: Browser, **changes: Any) -> str:
    page = browser.post("/console/portals/new", acme_form(browser.token(), **changes))
    assert page.status == 303, page.text
    found = re.fullmatch(r"/console/portals/([^/?]+)\?done=created", page.location)
    assert found is not None
    return found.group(1)


def rows(page: str) -> list[str]:
    """The activity table's rows but their time, as text without tags, in the page's order."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    found = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[1:] for row in found]
    return [" ".join(re.sub(r"<[^>]+>", " ", " ".join(c)).split()) for c in cells]


def older_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Older events</a>', page)
    return None if found is None else found.group(1).replace("&amp;", "&")


def act_in_the_portal(service: PortalService, browser: Browser, portal_id: str) -> None:
    """Change the portal, issue Ann a link through the console, open it, approve one hour,
    reject another with a reason, revoke the link."""
    changed = browser.post(
        f"/console/portals/{portal_id}",
        acme_form(browser.token(), project=["web", "app"], active_shown="1", active="on"),
    )
    assert changed.status == 303, changed.text
    issued = browser.post(
        f"/console/portals/{portal_id}/links", {"csrf_token": browser.token(), "contact": "ann"}
    )
    token = re.search(r'id="new-link" class="link-url" value="[^"]+/([^/"]+)"', issued.text)
    assert token is not None
    opening = service.access.open(token.group(1), client=CLIENT_IP)
    assert opening.session is not None
    visit = service.access.check_session(opening.session.value, client=CLIENT_IP)
    assert service.approvals.client_approve(visit, ["p1"]).all_applied
    assert service.approvals.client_reject(visit, ["p2", "p3"], reason="Not agreed").all_applied
    (link,) = service.links.for_portal(portal_id)
    service.links.revoke(link.id)


def test_the_activity_says_who_did_what_in_the_portal_newest_first() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser)
    service.admin.create_portal(client_id="lumen", name="Lumen", project_ids={"bim"})
    act_in_the_portal(service, browser, portal_id)
    page = browser.get(f"/console/portals/{portal_id}/activity")
    assert page.status == 200
    assert 'aria-current="page">Activity</a>' in page.text
    lines = rows(page.text)
    assert lines == [
        "Link revoked Contact: Ann Baker –",
        "Rejected: 2 time entries Reason: Not agreed Ann Baker (Client)",
        "Approved: 1 time entry Ann Baker (Client)",
        "Portal opened with a link Ann Baker (Client)",
        "Link issued Contact: Ann Baker –",
        "Portal changed Changed: Projects –",
        "Portal created –",
    ]
    assert "Lumen" not in " ".join(lines)
    assert older_link(page.text) is None


def test_the_staffs_steps_on_the_clients_items_are_shown_and_no_other_clients() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser)
    service.admin.create_portal(client_id="lumen", name="Lumen", project_ids={"bim"})
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    sent = browser.post(
        f"/console/portals/{portal_id}/approvals", {"csrf_token": page.csrf, "entry": ["a01"]}
    )
    assert sent.status == 200
    # Tom submits an hour of Acme's and one of Lumen's in one step: one event per client.
    assert service.approvals.submit(["a02", "l1"], by=TOM).all_applied
    lumen_events = [e for e in service.events(limit=1000)[-4:] if e.client_id == "lumen"]
    assert {e.type for e in lumen_events} == {"entries.submitted", "entries.submitted_to_client"}
    assert all(e.portal_id is None for e in lumen_events)
    activity = browser.get(f"/console/portals/{portal_id}/activity").text
    assert rows(activity) == [
        "Submitted to the client: 1 time entry –",
        "Submitted: 1 time entry Tom Bakker (Manager)",
        "Link issued Contact: Ann Baker –",
        "Submitted to the client: 1 time entry –",
        "Submitted: 1 time entry Eva Jansen (Manager)",
        "Link issued Contact: Ann Baker –",
        "Portal created –",
    ]


def test_pages_go_back_through_older_events_without_gaps() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser)
    for n in range(LIMIT + 7):
        service.admin.update_portal(portal_id, name=f"Acme {n}")
    first = browser.get(f"/console/portals/{portal_id}/activity")
    assert len(rows(first.text)) == LIMIT
    link = older_link(first.text)
    assert link is not None
    second = browser.get(link)
    assert second.status == 200
    assert len(rows(second.text)) == 8  # 7 more changes, then the creation
    assert rows(second.text)[-1] == "Portal created –"
    assert older_link(second.text) is None
    ids = [e.id for e in service.portal_events(portal_id, limit=1000)]
    assert link.endswith(f"?before={ids[LIMIT - 1]}")


def test_a_bad_or_unknown_before_is_a_bad_request() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser)
    for before in ("999999", "x y", "0"):
        page = browser.get(f"/console/portals/{portal_id}/activity?before={before}")
        assert page.status == 400, before


def test_a_portal_with_no_events_says_so() -> None:
    service = console_service()
    portal = service.admin.create_portal(client_id="acme", name="Acme", project_ids={"web"})
    browser = Browser(console_app(service))
    assert "Portal created" in browser.get(f"/console/portals/{portal.id}/activity").text
    other = Browser(console_app(console_service()))
    assert other.get(f"/console/portals/{portal.id}/activity").status == 404


def test_the_activity_speaks_the_consoles_language() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser)
    act_in_the_portal(service, browser, portal_id)
    for language, texts in {
        "nl": ("Activiteit", "Afgekeurd: 2 tijdregistraties", "Reden: Not agreed", "(Klant)"),
        "de": ("Aktivität", "Abgelehnt: 2 Zeiteinträge", "Grund: Not agreed", "(Kunde)"),
    }.items():
        page = Browser(console_app(service), language=language)
        page.cookies = dict(browser.cookies)
        text = page.get(f"/console/portals/{portal_id}/activity").text
        for expected in texts:
            assert expected in text, (language, expected)


def test_each_visit_reads_one_page_of_the_store_and_keeps_nothing() -> None:
    service = console_service()
    app = console_app(service)
    browser = Browser(app)
    portal_id = create(browser)
    assert rows(browser.get(f"/console/portals/{portal_id}/activity").text) == ["Portal created –"]
    service.links.issue(portal_id, "ann")
    assert rows(browser.get(f"/console/portals/{portal_id}/activity").text)[0] == (
        "Link issued Contact: Ann Baker –"
    )
    assert not hasattr(app, "activity")


def _event(n: int, type: str, data: dict[str, Any]) -> Event:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    return Event(id=str(n), type=type, occurred_at=at, portal_id="acme", data=data)


PORTAL = {"name": "A", "language": "en", "project_ids": ["web"], "contact_ids": [], "active": True}


def test_a_change_says_what_changed() -> None:
    t = ConsoleText("en")
    names = Names(contacts={}, employees={})
    said = _event(9, "portal.updated", {**PORTAL, "changed": ["language", "settings", "active"]})
    line = describe(t, said, None, names)
    assert (line.what, line.detail) == (
        "Portal changed",
        "Changed: Language, Settings, switched on",
    )
    nothing = _event(9, "portal.updated", {**PORTAL, "changed": []})
    assert describe(t, nothing, None, names).detail is None
    unknown = describe(t, _event(1, "invoice.paid", {}), None, names)
    assert unknown.what == "Event invoice.paid"


def test_an_older_change_is_compared_with_the_portal_event_before_it_on_the_page() -> None:
    t = ConsoleText("en")
    names = Names(contacts={}, employees={})
    after = {**PORTAL, "language": "nl", "contact_ids": ["ann"], "active": False}
    page = [
        _event(3, "portal.updated", after),
        _event(2, "link.opened", {}),
        _event(1, "portal.created", PORTAL),
    ]
    paired = with_before(page)
    assert [before for _, before in paired] == [PORTAL, None, None]
    line = describe(t, *paired[0], names)
    assert line.detail == "Changed: Language, Contacts, switched off"
    assert describe(t, *with_before(page[:1])[0], names).detail is None  # no earlier one here


def test_a_forwarded_submission_names_nobody_and_an_explicit_one_its_actor() -> None:
    t = ConsoleText("en")
    names = Names(contacts={}, employees={"eva": "Eva Jansen"})
    actor = {"party": "MANAGER", "id": EVA.actor.id}
    forwarded = _event(1, "entries.submitted_to_client", {"action": "APPROVE", "actor": actor})
    explicit = _event(
        2, "entries.submitted_to_client", {"action": "SUBMIT_TO_CLIENT", "actor": actor}
    )
    assert describe(t, forwarded, None, names).who is None
    assert describe(t, explicit, None, names).who == "Eva Jansen (Manager)"
