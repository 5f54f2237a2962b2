"""Portal administration (``service/admin.py``): portals checked with check_portal (every problem
listed at once) and the employee snapshot that only grows. Links are tested in
``test_links.py``."""

from __future__ import annotations

import pytest

from clientportal import ApprovalPolicy, ConfigError, NotFound, PortalSettings, Workflow
from worlds import EXTERNAL, T0, acme_portal, service_world


def test_create_portal_takes_the_projects_members_as_its_employee_filter() -> None:
    w = service_world(portals=())
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
    w = service_world(portals=(), policy=ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL))
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
    w = service_world()
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
    w = service_world()
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
    w = service_world(policy=ApprovalPolicy())
    with pytest.raises(ConfigError, match="no client step"):
        w.service.admin.check_portal(acme_portal())
    w2 = service_world(policy=EXTERNAL)
    w2.service.admin.check_portal(acme_portal())
