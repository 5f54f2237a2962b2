"""The scenarios of the source document, as examples through the public API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    ConfigError,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    Workflow,
    check_portal,
    portal_view,
)

CREATED = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
D = dt.date


def entry(id: str, project: str, employee: str, day: int, hours: float, **kw: object) -> TimeEntry:
    return TimeEntry(
        id=id,
        project_id=project,
        employee_id=employee,
        date=D(2026, 3, day),
        seconds=int(hours * 3600),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def data() -> Dataset:
    return Dataset(
        clients=[Client("acme", "Acme B.V."), Client("globex", "Globex")],
        contacts=[
            Contact("anna", "acme", "Anna de Vries", "anna@acme.example", "nl"),
            Contact("bob", "acme", "Bob", "bob@acme.example"),
            Contact("gina", "globex", "Gina", "gina@globex.example"),
        ],
        employees=[Employee("eva", "Eva"), Employee("tom", "Tom"), Employee("sam", "Sam")],
        projects=[
            Project("web", "acme", "Website", member_ids={"eva", "tom", "sam"}),
            Project("app", "acme", "App", member_ids={"tom"}),
            Project("erp", "globex", "ERP", member_ids={"sam"}),
        ],
        entries=[
            entry("e1", "web", "eva", 2, 7.5, description="Homepage design", rate=Decimal("90")),
            entry("e2", "web", "tom", 3, 2, description="Bugfix", internal_note="slow client"),
            entry("e3", "app", "tom", 3, 4, description="Secret app work"),
            entry("e4", "erp", "sam", 4, 8, description="Globex migration"),
            entry(
                "e5",
                "web",
                "sam",
                5,
                1,
                approval=ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1),
            ),
        ],
        budgets=[
            Budget("b1", "web", BudgetType.TOTAL_HOURS, Decimal("100"), Decimal("10.5")),
            Budget("b2", "web", BudgetType.TOTAL_FEE, Decimal("9000"), Decimal("675"), "EUR"),
            Budget("b3", "web", BudgetType.TOTAL_COSTS, Decimal("5000"), Decimal("400"), "EUR"),
            Budget("b4", "app", BudgetType.TOTAL_HOURS, Decimal("40"), Decimal("4")),
        ],
        invoices=[
            Invoice("i1", "acme", "2026-001", D(2026, 1, 31), Decimal("1200"), "EUR",
                    DocumentStatus.PAID, project_ids={"web"}),
            Invoice("i2", "acme", "2026-002", D(2026, 2, 28), Decimal("800"), "EUR",
                    DocumentStatus.SENT, project_ids={"app"}),
            Invoice("i3", "acme", "2026-003", D(2026, 3, 31), Decimal("50"), "EUR",
                    DocumentStatus.DRAFT, project_ids={"web"}),
            Invoice("i4", "globex", "2026-004", D(2026, 3, 1), Decimal("999"), "EUR",
                    DocumentStatus.SENT),
        ],
        quotes=[
            Quote("q1", "acme", "Q-1", D(2026, 1, 5), Decimal("5000"), "EUR",
                  DocumentStatus.ACCEPTED, project_ids={"app"}),
            Quote("q2", "globex", "Q-2", D(2026, 1, 6), Decimal("100"), "EUR",
                  DocumentStatus.SENT),
        ],
    )  # fmt: skip


def website_portal(data: Dataset, **settings: object) -> Portal:
    web = next(p for p in data.projects if p.id == "web")
    return Portal.create(
        id="acme-web",
        client_id="acme",
        name="Acme website",
        projects=[web],
        created_at=CREATED,
        language="nl",
        settings=PortalSettings(**settings),  # type: ignore[arg-type]
        contact_ids={"anna"},
    )


def test_hours_are_shown_without_descriptions_when_switched_off(data: Dataset) -> None:
    view = portal_view(website_portal(data, show_descriptions=False), data)
    assert [e.id for e in view.entries] == ["e5", "e2", "e1"]
    assert {e.description for e in view.entries} == {None}
    assert sum(e.seconds for e in view.entries) == int(10.5 * 3600)


def test_only_the_selected_projects_hours_are_shown(data: Dataset) -> None:
    view = portal_view(website_portal(data), data)
    assert [p.name for p in view.projects] == ["Website"]
    assert "e3" not in {e.id for e in view.entries}  # App is the client's, but not selected
    assert "Homepage design" in {e.description for e in view.entries}


def test_total_costs_budget_is_never_shown_all_other_types_are(data: Dataset) -> None:
    view = portal_view(website_portal(data, show_budget=True), data)
    assert [(b.id, b.type) for b in view.budgets] == [
        ("b1", BudgetType.TOTAL_HOURS),
        ("b2", BudgetType.TOTAL_FEE),
    ]


def test_all_invoices_and_quotes_of_the_client_although_one_project_is_selected(
    data: Dataset,
) -> None:
    view = portal_view(website_portal(data, show_invoices=True, show_quotes=True), data)
    assert [i.number for i in view.invoices] == ["2026-002", "2026-001"]  # no draft, no Globex
    assert [q.number for q in view.quotes] == ["Q-1"]
    # The App project is not visible, so the invoice on it does not name it.
    assert next(i for i in view.invoices if i.id == "i2").project_ids == frozenset()


def test_documents_scope_projects_shows_only_documents_of_visible_projects(data: Dataset) -> None:
    portal = website_portal(data, show_invoices=True, show_quotes=True, documents_scope="projects")
    view = portal_view(portal, data)
    assert [i.number for i in view.invoices] == ["2026-001"]
    assert view.quotes == ()


def test_employee_stays_in_the_filter_after_leaving_the_project(data: Dataset) -> None:
    portal = website_portal(data)
    assert portal.employee_ids == {"eva", "tom", "sam"}
    web_without_sam = Project("web", "acme", "Website", member_ids={"eva", "tom"})
    later = Dataset(
        clients=data.clients,
        employees=data.employees,
        projects=[web_without_sam, *data.projects[1:]],
        entries=[e for e in data.entries if e.employee_id != "sam"],
    )
    assert [e.name for e in portal_view(portal, later).employees] == ["Eva", "Sam", "Tom"]


def test_several_portals_for_one_client_keep_contacts_apart(data: Dataset) -> None:
    app = next(p for p in data.projects if p.id == "app")
    app_portal = Portal.create(
        id="acme-app", client_id="acme", name="Acme app", projects=[app], created_at=CREATED,
        contact_ids={"bob"},
    )  # fmt: skip
    web_view = portal_view(website_portal(data), data)
    app_view = portal_view(app_portal, data)
    assert {e.project_id for e in web_view.entries} == {"web"}
    assert {e.project_id for e in app_view.entries} == {"app"}


def test_client_approves_only_with_a_workflow_that_includes_external(data: Dataset) -> None:
    portal = website_portal(data, approval=True)
    for workflow in Workflow:
        policy = ApprovalPolicy(enabled=True, workflow=workflow)
        view = portal_view(portal, data, policy)
        assert view.can_approve is workflow.includes_client
        assert [e.id for e in view.awaiting_approval] == (["e5"] if view.can_approve else [])
    assert not portal_view(portal, data, ApprovalPolicy(enabled=False)).can_approve
    assert not portal_view(portal, data, None).can_approve


def test_rates_and_amounts_only_with_show_amounts(data: Dataset) -> None:
    hidden = portal_view(website_portal(data), data)
    assert {(e.rate, e.amount) for e in hidden.entries} == {(None, None)}
    shown = portal_view(website_portal(data, show_amounts=True), data)
    e1 = next(e for e in shown.entries if e.id == "e1")
    assert (e1.rate, e1.amount) == (Decimal("90"), Decimal("675.00"))


def test_portal_create_refuses_projects_of_another_client(data: Dataset) -> None:
    erp = next(p for p in data.projects if p.id == "erp")
    with pytest.raises(ConfigError, match="'erp' belongs to client 'globex'"):
        Portal.create(id="x", client_id="acme", name="X", projects=[erp], created_at=CREATED)


def test_with_projects_grows_the_employee_snapshot_and_never_shrinks_it(data: Dataset) -> None:
    portal = website_portal(data)
    app = next(p for p in data.projects if p.id == "app")
    moved = portal.with_projects([app])
    assert moved.project_ids == {"app"}
    assert moved.employee_ids == {"eva", "tom", "sam"}


def test_check_portal_accepts_a_good_configuration(data: Dataset) -> None:
    policy = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)
    check_portal(website_portal(data, approval=True), policy, data)


def test_check_portal_lists_every_problem_at_once(data: Dataset) -> None:
    bad = Portal(
        id="bad",
        client_id="acme",
        name="Bad",
        language="it",
        settings=PortalSettings(approval=True),
        project_ids={"web", "erp", "nope"},
        contact_ids={"anna", "gina", "ghost"},
        created_at=CREATED,
    )
    with pytest.raises(ConfigError) as caught:
        check_portal(bad, ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL), data)
    problems = caught.value.problems
    assert len(problems) == 6
    text = "\n".join(problems)
    assert "workflow INTERNAL" in text
    assert "project 'erp' belongs to client 'globex'" in text
    assert "project 'nope' does not exist" in text
    assert "contact 'gina' works for client 'globex'" in text
    assert "contact 'ghost' does not exist" in text
    assert "language 'it' has no translation" in text
    assert all(p in str(caught.value) for p in problems)


def test_check_portal_reports_an_unknown_client(data: Dataset) -> None:
    portal = Portal(id="p", client_id="initech", name="Initech", created_at=CREATED)
    with pytest.raises(ConfigError, match="client 'initech' does not exist"):
        check_portal(portal, None, data)
