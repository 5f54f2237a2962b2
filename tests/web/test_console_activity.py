"""The console's activity page of a portal: its events from the log, newest first, in plain
language and the console's language; only the portal's own; the log read to its end."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from consoletools import Browser, acme_form, console_app, console_service

from clientportal import Event, PortalService, ValidationError
from clientportal.web.console.activity import ActivityIndex, Names, describe, portal_events
from clientportal.web.console.texts import ConsoleText

CLIENT_IP = "203.0.113.9"


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


def test_the_staffs_own_steps_are_left_to_the_audit_trail() -> None:
    service = console_service()
    browser = Browser(console_app(service))
    portal_id = create(browser)
    page = browser.get(f"/console/portals/{portal_id}/approvals")
    browser.post(
        f"/console/portals/{portal_id}/approvals", {"csrf_token": page.csrf, "entry": ["a01"]}
    )
    activity = browser.get(f"/console/portals/{portal_id}/activity").text
    # Submitting asked Ann: the service issued her a link for the e-mail; the step itself is
    # in the entry's audit trail, which the page names.
    assert rows(activity) == ["Link issued Contact: Ann Baker –", "Portal created –"]
    assert "audit trail" in activity


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


def _event(n: int, portal_id: str | None, type: str = "link.opened") -> Event:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
    return Event(id=str(n), type=type, occurred_at=at, portal_id=portal_id, data={})


def test_the_log_is_read_to_its_end_and_the_portals_latest_kept_newest_first() -> None:
    log = [_event(n, "acme" if n % 3 == 0 else "other") for n in range(1, 2600)]
    reads: list[str | None] = []

    def read(after: str | None = None, limit: int = 100) -> Sequence[Event]:
        reads.append(after)
        start = 0 if after is None else int(after)
        return log[start : start + limit]

    found = portal_events(read, "acme", limit=50)
    assert [int(e.id) for e, _ in found] == list(range(2598, 2598 - 150, -3))
    assert reads == [None, "1000", "2000"]


def test_a_change_says_what_changed_since_the_portals_last_event() -> None:
    t = ConsoleText("en")
    names = Names(contacts={}, employees={})
    before = {
        "name": "A",
        "language": "en",
        "project_ids": ["web"],
        "contact_ids": [],
        "active": True,
    }
    after = {**before, "language": "nl", "contact_ids": ["ann"], "active": False}
    event = Event(
        id="9",
        type="portal.updated",
        occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        portal_id="acme",
        data=after,
    )
    line = describe(t, event, before, names)
    assert (line.what, line.detail) == (
        "Portal changed",
        "Changed: Language, Contacts, switched off",
    )
    unknown = describe(t, _event(1, "acme", "reminder.sent"), None, names)
    assert unknown.what == "Event reminder.sent"


def test_the_index_reads_only_what_was_written_since_and_starts_again_when_the_log_forgets() -> (
    None
):
    log = [_event(n, "acme" if n % 2 else "other") for n in range(1, 1500)]
    reads: list[str | None] = []

    def read(after: str | None = None, limit: int = 100) -> Sequence[Event]:
        reads.append(after)
        if after is not None and not 1 <= int(after) <= len(log):
            raise ValidationError(["after: unknown event"], summary="cannot read the log")
        start = 0 if after is None else int(after)
        return log[start : start + limit]

    index = ActivityIndex(limit=3)
    assert [e.id for e, _ in index.latest(read, "acme")] == ["1499", "1497", "1495"]
    assert reads == [None, "1000"]
    log.append(_event(1500, "other"))
    log.append(_event(1501, "acme", "portal.created"))
    reads.clear()
    assert [e.id for e, _ in index.latest(read, "acme")] == ["1501", "1499", "1497"]
    assert reads == ["1499"]
    del log[1000:]  # pruned: the last event read is gone
    reads.clear()
    assert [e.id for e, _ in index.latest(read, "acme")] == ["999", "997", "995"]
    assert reads == ["1501", None, "1000"]


def test_the_console_keeps_one_index_and_shows_new_events_on_the_next_visit() -> None:
    service = console_service()
    app = console_app(service)
    browser = Browser(app)
    portal_id = create(browser)
    assert rows(browser.get(f"/console/portals/{portal_id}/activity").text) == ["Portal created –"]
    service.links.issue(portal_id, "ann")
    assert rows(browser.get(f"/console/portals/{portal_id}/activity").text)[0] == (
        "Link issued Contact: Ann Baker –"
    )
    assert "1 portals" in repr(app.activity)
