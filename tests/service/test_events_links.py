"""The events of revoking every link of a portal at once (``LinkService.revoke_all``): one
``link.revoked`` per link it ends, none for links already ended."""

from __future__ import annotations

import pytest

from clientportal import NotFound
from clientportal.ports import Event
from clientportal.service import PortalService
from worlds import service_world


def _read_all(service: PortalService) -> list[Event]:
    found: list[Event] = []
    after: str | None = None
    while page := service.events(after=after, limit=50):
        found.extend(page)
        after = page[-1].id
    return found


def test_revoke_all_writes_one_link_revoked_per_link_it_ends() -> None:
    w = service_world(portals=())
    portal = w.service.admin.create_portal(
        client_id="acme", name="Acme web", project_ids=["web"], contact_ids=["anna"], id="p9"
    )
    first = w.service.links.issue("p9", "anna")
    second = w.service.links.issue("p9", "anna")
    third = w.service.links.issue("p9", "anna")
    w.service.links.revoke(first.link.id)  # ended already: revoke_all writes nothing for it
    start = _read_all(w.service)[-1].id
    w.service.links.revoke_all("p9")
    ended = [e for e in _read_all(w.service) if int(e.id) > int(start)]
    assert sorted((e.type, e.data["link_id"]) for e in ended) == sorted(
        [("link.revoked", second.link.id), ("link.revoked", third.link.id)]
    )
    assert all(e.portal_id == "p9" and e.client_id == portal.client_id for e in ended)
    assert all(e.data["contact_id"] == "anna" for e in ended)

    later = w.service.links.issue("p9", "anna")
    start = _read_all(w.service)[-1].id
    w.service.links.revoke_all("p9")
    w.service.links.revoke_all("p9")  # nothing left to end: no event
    again = [e for e in _read_all(w.service) if int(e.id) > int(start)]
    assert [(e.type, e.data["link_id"]) for e in again] == [("link.revoked", later.link.id)]


def test_revoke_all_of_an_unknown_portal_writes_nothing() -> None:
    w = service_world(portals=())
    before = _read_all(w.service)
    with pytest.raises(NotFound):
        w.service.links.revoke_all("nope")
    assert _read_all(w.service) == before
