"""The events the service writes for the host: every decision, link issued, opened and revoked,
portal created and changed, each in the same store call as the change, read back in order with
``PortalService.events``."""

from __future__ import annotations

from typing import Any

import pytest

from clientportal import ChangedMeanwhile, NotFound, ValidationError
from clientportal.memory import MemoryStore
from clientportal.model import ApprovalPolicy, Workflow
from clientportal.ports import Event
from clientportal.service import PortalService
from worlds import EVA, MAX, OPEN_ON_WEB, T0, acme_portal, service_world, visit_as


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

    def apply_changes(
        self, changes: Any, outbox: Any = (), events: Any = (), **written: Any
    ) -> None:
        victim, self.victim = self.victim, None
        if victim is not None:
            raise ChangedMeanwhile([victim], kinds=["entry"])
        super().apply_changes(changes, outbox, events, **written)


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


def test_a_staff_step_names_the_client_of_each_item_one_event_per_client() -> None:
    globex = acme_portal(
        id="globex-erp", client_id="globex", project_ids=frozenset({"erp"}), contact_ids=()
    )
    w = service_world(portals=(acme_portal(), globex))
    start = w.service.events()[-1].id if w.service.events() else None
    # a1 is on Acme's project app, which no portal shows: its client is not known.
    w.service.approvals.submit(["w1", "g1", "a1"], by=MAX)
    submitted = [e for e in w.service.events(after=start) if e.type == "entries.submitted"]
    assert [(e.client_id, e.portal_id, _items(e)) for e in submitted] == [
        ("acme", None, [("w1", "PENDING_EXTERNAL")]),
        ("globex", None, [("g1", "PENDING_EXTERNAL")]),
        (None, None, [("a1", "PENDING_EXTERNAL")]),
    ]
    assert submitted[0].data["items"][0]["project_id"] == "web"


def test_a_portals_events_are_its_own_and_the_staff_steps_on_its_clients_items() -> None:
    globex = acme_portal(
        id="globex-erp", client_id="globex", project_ids=frozenset({"erp"}), contact_ids=()
    )
    w = service_world(portals=(acme_portal(), globex))
    w.service.approvals.submit(["w1", "g1"], by=MAX)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1"])
    newest = w.service.portal_events("acme-web")
    assert [(e.type, e.client_id) for e in newest] == [
        ("entries.approved", "acme"),
        ("link.opened", "acme"),
        ("link.issued", "acme"),
        ("entries.submitted_to_client", "acme"),
        ("entries.submitted", "acme"),
        ("link.issued", "acme"),  # the approval requests' personal links: Anna's, Bob's
        ("link.issued", "acme"),
    ]
    assert [e.id for e in w.service.portal_events("acme-web", before=newest[1].id, limit=2)] == [
        e.id for e in newest[2:4]
    ]
    with pytest.raises(NotFound, match="no portal with id 'nope'"):
        w.service.portal_events("nope")


def test_a_portal_change_names_what_changed() -> None:
    w = service_world()
    w.service.admin.update_portal("acme-web", name="Acme site", contact_ids=["anna"])
    w.service.admin.update_portal("acme-web", active=False)
    w.service.admin.update_portal("acme-web")
    changes = [e.data["changed"] for e in w.service.events() if e.type == "portal.updated"]
    assert changes == [["name", "contact_ids"], ["active"], []]
