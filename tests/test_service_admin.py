"""Portal and link administration through the service: portals checked with check_portal (every
problem listed at once), the employee snapshot that only grows, and links issued, listed, revoked
and regenerated."""

from __future__ import annotations

import datetime as dt

import pytest

from clientportal import (
    AccessMode,
    ApprovalPolicy,
    ConfigError,
    GenerationMismatch,
    LinkRevoked,
    LinkStatus,
    NotFound,
    PortalInactive,
    PortalSettings,
    Workflow,
)
from test_service_world import EXTERNAL, T0, acme_portal, make_world


def test_create_portal_takes_the_projects_members_as_its_employee_filter() -> None:
    w = make_world(portals=())
    portal = w.service.admin.create_portal(
        client_id="acme",
        name="Acme",
        project_ids=["web", "app"],
        contact_ids=["anna"],
        language="nl",
        settings=PortalSettings(approval=True),
    )
    assert portal.employee_ids == {"eva", "tom"}
    assert portal.created_at == T0
    assert len(portal.id) >= 16
    assert w.service.admin.portal(portal.id) == portal
    assert w.service.admin.portals() == (portal,)


def test_create_portal_lists_every_problem_at_once() -> None:
    w = make_world(portals=(), policy=ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL))
    with pytest.raises(ConfigError) as caught:
        w.service.admin.create_portal(
            id="bad",
            client_id="acme",
            name="Acme",
            project_ids=["web", "erp", "ghost"],
            contact_ids=["anna", "gina"],
            language="sv",
            settings=PortalSettings(approval=True),
        )
    problems = caught.value.problems
    assert len(problems) == 5
    text = "\n".join(problems)
    assert "no client step" in text
    assert "project 'erp'" in text  # another client's: the DataSource does not return it
    assert "project 'ghost' does not exist" in text
    assert "contact 'gina'" in text
    assert "language 'sv'" in text
    assert w.service.admin.portals() == ()  # nothing stored


def test_create_portal_refuses_a_taken_id_and_malformed_fields() -> None:
    w = make_world()
    with pytest.raises(ConfigError, match="exists: change it with update_portal"):
        w.service.admin.create_portal(id="acme-web", client_id="acme", name="Again")
    with pytest.raises(ConfigError, match="name must not be empty"):
        w.service.admin.create_portal(client_id="acme", name="  ")
    with pytest.raises(ConfigError, match="single string 'web'"):
        w.service.admin.create_portal(client_id="acme", name="Acme", project_ids="web")
    with pytest.raises(ConfigError, match="single string 'anna'"):
        w.service.admin.update_portal("acme-web", contact_ids="anna")
    with pytest.raises(ConfigError, match="client 'nobody' does not exist"):
        w.service.admin.create_portal(client_id="nobody", name="Nobody")


def test_update_portal_grows_the_snapshot_and_keeps_what_is_not_given() -> None:
    w = make_world()
    before = w.service.admin.portal("acme-web")
    bigger = w.service.admin.update_portal("acme-web", project_ids=["web", "app"], name="Acme all")
    assert bigger.employee_ids == before.employee_ids | {"tom"}
    assert bigger.name == "Acme all"
    assert bigger.settings == before.settings
    assert bigger.created_at == before.created_at
    smaller = w.service.admin.update_portal("acme-web", project_ids=["app"])
    assert smaller.employee_ids == bigger.employee_ids  # nobody leaves the filter
    with pytest.raises(ConfigError, match="project 'erp'"):
        w.service.admin.update_portal("acme-web", project_ids=["erp"])
    with pytest.raises(ConfigError, match="name must not be empty"):
        w.service.admin.update_portal("acme-web", name="")
    assert w.service.admin.portal("acme-web") == smaller
    with pytest.raises(NotFound, match="no portal with id 'nope'"):
        w.service.admin.update_portal("nope", name="x")


def test_approval_on_needs_a_policy_with_a_client_step() -> None:
    w = make_world(policy=ApprovalPolicy())
    with pytest.raises(ConfigError, match="no client step"):
        w.service.admin.check_portal(acme_portal())
    w2 = make_world(policy=EXTERNAL)
    w2.service.admin.check_portal(acme_portal())


def test_links_are_issued_listed_revoked_and_regenerated() -> None:
    w = make_world()
    issued = w.service.links.issue("acme-web", "anna")
    url = w.service.mail.link_url(issued.token)
    assert url == f"https://portal.example.com/open/{issued.token}"
    opening = w.service.access.open(issued.token, client="192.0.2.1")
    assert opening.session is not None
    session = opening.session.value
    assert w.service.links.for_portal("acme-web") == (w.store.get_link(issued.link.id),)

    w.clock.advance(dt.timedelta(minutes=1))
    renewed = w.service.links.regenerate(issued.link.id)
    with pytest.raises(LinkRevoked):
        w.service.access.check_session(session, client="192.0.2.1")  # the old link's session ended
    assert w.service.links.status(renewed.link) is LinkStatus.ACTIVE
    assert [w.service.links.status(link) for link in w.service.links.for_portal("acme-web")] == [
        LinkStatus.REVOKED,
        LinkStatus.ACTIVE,
    ]
    revoked = w.service.links.revoke(renewed.link.id)
    assert revoked.revoked_at == T0 + dt.timedelta(minutes=1)
    with pytest.raises(ConfigError, match="contact 'gina' is not on portal"):
        w.service.links.issue("acme-web", "gina")
    with pytest.raises(NotFound):
        w.service.links.for_portal("nope")


def test_revoke_all_and_switching_a_portal_off_end_every_session() -> None:
    w = make_world()
    issued = w.service.links.issue("acme-web", "bob", expires_at=T0 + dt.timedelta(days=7))
    opening = w.service.access.open(issued.token, client="192.0.2.2")
    assert opening.session is not None
    session = opening.session.value
    w.service.admin.update_portal("acme-web", active=False)
    with pytest.raises(PortalInactive):
        w.service.access.check_session(session, client="192.0.2.2")
    w.service.admin.update_portal("acme-web", active=True)
    assert w.service.access.check_session(session, client="192.0.2.2").portal.active
    assert w.service.links.revoke_all("acme-web") == 1
    with pytest.raises(GenerationMismatch):
        w.service.access.check_session(session, client="192.0.2.2")


def test_access_mode_asks_for_a_code() -> None:
    w = make_world()
    issued = w.service.links.issue("acme-web", "anna")
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    assert w.service.access.open(issued.token, client="192.0.2.3").needs_code
    access = w.store.get_access("acme-web")
    assert access is not None
    assert access.mode is AccessMode.LINK_AND_CODE
