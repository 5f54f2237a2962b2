"""The events the service writes for the host: every decision, link issued, opened and revoked,
portal created and changed, each in the same store call as the change, read back in order with
``PortalService.events``."""

from __future__ import annotations

from typing import Any

import pytest

from clientportal import ChangedMeanwhile, ValidationError
from clientportal.memory import MemoryStore
from clientportal.model import ApprovalPolicy, Workflow
from clientportal.ports import Event
from clientportal.service import PortalService
from worlds import EVA, MAX, OPEN_ON_WEB, T0, service_world, visit_as


def _read_all(service: PortalService, after: str | None = None) -> list[Event]:
    found: list[Event] = []
    while page := service.events(after=after, limit=2):
        found.extend(page)
        after = page[-1].id
    return found


def _items(event: Event) -> list[tuple[str, str]]:
    items: list[dict[str, Any]] = event.data["items"]
    return [(i["id"], i["status"]) for i in items]


def test_a_client_decision_is_one_event_naming_the_portal_the_contact_and_the_items() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "w2"], by=MAX)
    anna = visit_as(w.service, "anna")
    start = w.service.events()[-1].id
    w.service.approvals.client_approve(anna, ["w1", "w2"])
    (approved,) = w.service.events(after=start)
    assert approved.type == "entries.approved"
    assert approved.portal_id == "acme-web"
    assert approved.client_id == anna.portal.client_id
    assert approved.data["actor"] == {"party": "CLIENT", "id": "anna"}
    assert approved.data["action"] == "APPROVE"
    assert sorted(_items(approved)) == [("w1", "APPROVED"), ("w2", "APPROVED")]
    assert approved.occurred_at == T0


def test_a_submission_in_the_external_workflow_is_also_a_submission_to_the_client() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=MAX)
    types = [e.type for e in w.service.events() if e.type.startswith("entries.")]
    assert types == ["entries.submitted", "entries.submitted_to_client"]
    submitted = w.service.events()[-1]
    assert _items(submitted) == [("w1", "PENDING_EXTERNAL")]
    assert submitted.portal_id is None  # a staff step concerns no one portal
    assert submitted.data["actor"] == {"party": "MANAGER", "id": "max"}


def test_an_internal_approval_forwarded_at_once_is_submitted_to_the_client() -> None:
    w = service_world(policy=ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL))
    w.service.approvals.submit(["w1"], by=EVA)
    w.service.approvals.approve(["w1"], by=MAX)
    decisions = [e.type for e in w.service.events() if e.type.startswith("entries.")]
    assert decisions == [
        "entries.submitted",
        "entries.approved",
        "entries.submitted_to_client",
    ]


def test_a_rejection_carries_its_reason_and_a_refused_step_writes_nothing() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=MAX)
    anna = visit_as(w.service, "anna")
    count = len(_read_all(w.service))
    w.service.approvals.client_reject(anna, ["w1"], reason="too many hours")
    rejected = _read_all(w.service)[-1]
    assert rejected.type == "entries.rejected"
    assert rejected.data["reason"] == "too many hours"
    w.service.approvals.client_approve(anna, ["w1"])  # not pending: not allowed
    assert len(_read_all(w.service)) == count + 1


class _LosesOnce(MemoryStore):
    """Another decider gets in first on ``victim``: the batch is retried without it."""

    victim: str | None = None

    def apply_changes(self, changes: Any, outbox: Any = (), events: Any = ()) -> None:
        victim, self.victim = self.victim, None
        if victim is not None:
            raise ChangedMeanwhile([victim], kinds=["entry"])
        super().apply_changes(changes, outbox, events)


def test_the_event_of_a_retried_batch_names_only_what_was_stored() -> None:
    store = _LosesOnce()
    w = service_world(store=store)
    w.service.approvals.submit(["w1", "w2"], by=MAX)
    anna = visit_as(w.service, "anna")
    store.victim = "w2"
    w.service.approvals.client_approve(anna, ["w1", "w2"])
    assert _items(w.service.events(limit=1000)[-1]) == [("w1", "APPROVED")]


def test_portals_and_links_write_their_events() -> None:
    w = service_world(portals=())
    portal = w.service.admin.create_portal(
        client_id="acme", name="Acme web", project_ids=["web"], contact_ids=["anna"], id="p9"
    )
    w.service.admin.update_portal("p9", name="Acme website")
    issued = w.service.links.issue("p9", "anna")
    w.service.access.open(issued.token, client="203.0.113.9")
    w.service.links.revoke(issued.link.id)
    w.service.links.revoke(issued.link.id)  # revoked already: no second event
    read = _read_all(w.service)
    assert [e.type for e in read] == [
        "portal.created",
        "portal.updated",
        "link.issued",
        "link.opened",
        "link.revoked",
    ]
    assert all(e.portal_id == "p9" and e.client_id == portal.client_id for e in read)
    assert read[1].data["name"] == "Acme website"
    assert read[2].data["link_id"] == issued.link.id
    assert read[2].data["contact_id"] == "anna"


def test_a_link_to_a_portal_that_asks_for_a_code_opens_after_the_code() -> None:
    from clientportal.access import AccessMode

    w = service_world()
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    issued = w.service.links.issue("acme-web", "anna")
    opening = w.service.access.open(issued.token, client="203.0.113.9")
    assert opening.pending is not None
    assert "link.opened" not in [e.type for e in w.service.events()]
    delivery = w.service.access.new_code(opening.pending, client="203.0.113.9")
    w.service.access.verify_code(opening.pending, delivery.code, client="203.0.113.9")
    assert [e.type for e in w.service.events()][-1] == "link.opened"


def test_every_event_is_read_once_in_order_across_pages() -> None:
    w = service_world()
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    anna = visit_as(w.service, "anna")
    for entry_id in OPEN_ON_WEB:
        w.service.approvals.client_approve(anna, [entry_id])
    read = _read_all(w.service)
    assert len(read) == len({e.id for e in read}) == len(w.service.events(limit=1000))
    approved = [_items(e)[0][0] for e in read if e.type == "entries.approved"]
    assert approved == OPEN_ON_WEB


@pytest.mark.parametrize("limit", [0, 1001])
def test_a_page_size_out_of_range_is_refused(limit: int) -> None:
    with pytest.raises(ValidationError, match="limit"):
        service_world().service.events(limit=limit)
