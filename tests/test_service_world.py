"""A small company for the service tests: two clients, their contacts, projects and hours.

The other ``test_service*`` modules import the builders from here; the tests in this module check
that the world is what they assume (valid portals, hours on both sides of the client boundary).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from attrs import define

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    MemoryDataSource,
    MemoryStore,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    Workflow,
    check_portal,
)
from clientportal.memory import ManualClock
from clientportal.ports import DataSource
from clientportal.service import MailSettings, PortalService
from clientportal.workflow import Actor, Party

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY0 = dt.date(2026, 2, 1)
SECRET = "service-tests-secret-key-0123456789"
EXTERNAL = ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL)

EVA = Actor(Party.EMPLOYEE, "eva")
MAX = Actor(Party.MANAGER, "max")

MAIL = MailSettings(
    sender_name="Example Co",
    sender_address="portal@example.com",
    message_id_domain="portal.example.com",
    base_url="https://portal.example.com/",
    company_recipients=["Office <office@example.com>", "boss@example.com"],
)


def entry(
    id: str,
    project: str,
    employee: str,
    day: int,
    hours: str = "1",
    **fields: object,
) -> TimeEntry:
    """An entry ``day`` days after :data:`DAY0`."""
    return TimeEntry(
        id=id,
        project_id=project,
        employee_id=employee,
        date=DAY0 + dt.timedelta(days=day),
        seconds=int(Decimal(hours) * 3600),
        **fields,  # type: ignore[arg-type]
    )


def dataset(extra_entries: int = 0) -> Dataset:
    """Acme (projects web and app) and Globex (erp), with ``12 + extra_entries`` entries."""
    entries = [
        entry("w1", "web", "eva", 0, "7.5", description="Homepage", rate=Decimal("90")),
        entry("w2", "web", "tom", 1, "2", description='=HYPERLINK("x")', cost_rate=Decimal(40)),
        entry("w3", "web", "eva", 1, "1.25", description="Bugfix", internal_note="secret note"),
        entry("w4", "web", "ivo", 2, "3", description="Review", task="QA", billable=False),
        entry("w5", "web", "tom", 3, "4", description="Deploy"),
        entry("w6", "web", "eva", 3, "0.5", description="Call"),
        entry("a1", "app", "tom", 0, "4", description="App work"),
        entry("a2", "app", "tom", 2, "2", description="More app work"),
        entry("g1", "erp", "sam", 0, "8", description="Globex migration"),
        entry("g2", "erp", "sam", 1, "6", description="Globex secret"),
        entry("g3", "erp", "eva", 2, "1", description="Globex call"),
        entry(
            "w7",
            "web",
            "eva",
            4,
            "1",
            description="Already approved",
            approval=ApprovalState(ApprovalStatus.APPROVED, Workflow.EXTERNAL, 2),
        ),
    ]
    entries += [
        entry(f"x{i:05d}", "web" if i % 3 else "app", ("eva", "tom")[i % 2], 5 + i % 40, "0.25")
        for i in range(extra_entries)
    ]
    return Dataset(
        clients=[Client("acme", "Acme B.V."), Client("globex", "Globex")],
        contacts=[
            Contact("anna", "acme", "Anna de Vries", "anna@acme.example", "nl"),
            Contact("bob", "acme", "Bob Jones", "bob@acme.example"),
            Contact("gina", "globex", "Gina", "gina@globex.example"),
        ],
        employees=[
            Employee("eva", "Eva"),
            Employee("tom", "Tom"),
            Employee("sam", "Sam"),
            Employee("ivo", "Ivo"),
            Employee("max", "Max Manager"),
        ],
        projects=[
            Project("web", "acme", "Website", member_ids={"eva", "tom"}),
            Project("app", "acme", "App", member_ids={"tom"}),
            Project("erp", "globex", "ERP", member_ids={"sam"}),
        ],
        entries=entries,
        budgets=[
            Budget("b1", "web", BudgetType.TOTAL_HOURS, Decimal("100"), Decimal("10.5")),
            Budget("b2", "web", BudgetType.TOTAL_COSTS, Decimal("5000"), Decimal("400"), "EUR"),
            Budget("b3", "erp", BudgetType.TOTAL_HOURS, Decimal("50"), Decimal("14")),
        ],
        invoices=[
            Invoice("i1", "acme", "2026-001", DAY0, Decimal("900"), "EUR", DocumentStatus.SENT),
            Invoice("i2", "acme", "2026-002", DAY0, Decimal("100"), "EUR", DocumentStatus.DRAFT),
            Invoice("i3", "globex", "G-1", DAY0, Decimal("800"), "EUR", DocumentStatus.PAID),
        ],
        quotes=[
            Quote("q1", "acme", "Q-1", DAY0, Decimal("5000"), "EUR", DocumentStatus.SENT),
        ],
    )


APPROVING = PortalSettings(
    show_budget=True, show_invoices=True, show_quotes=True, approval=True, show_amounts=True
)


def acme_portal(**changes: object) -> Portal:
    """Acme's portal on project web, for Anna and Bob, approving and showing everything."""
    fields: dict[str, object] = {
        "id": "acme-web",
        "client_id": "acme",
        "name": "Acme website",
        "language": "en",
        "settings": APPROVING,
        "project_ids": frozenset({"web"}),
        "contact_ids": frozenset({"anna", "bob"}),
        "employee_ids": frozenset({"eva", "tom"}),
        "created_at": T0,
    }
    fields.update(changes)
    return Portal(**fields)  # type: ignore[arg-type]


@define
class World:
    """A service over the memory backends, with its parts at hand."""

    service: PortalService
    store: MemoryStore
    data: DataSource
    dataset: Dataset
    clock: ManualClock


def make_world(
    *,
    portals: tuple[Portal, ...] | None = None,
    policy: ApprovalPolicy = EXTERNAL,
    data: Dataset | None = None,
    source: DataSource | None = None,
    mail: MailSettings = MAIL,
    extra_entries: int = 0,
    store: MemoryStore | None = None,
) -> World:
    """A service over a MemoryStore holding ``portals`` (default: :func:`acme_portal`)."""
    ds = dataset(extra_entries) if data is None else data
    if store is None:
        store = MemoryStore()
    for portal in portals if portals is not None else (acme_portal(),):
        store.put_portal(portal)
    clock = ManualClock(T0)
    source = MemoryDataSource(ds, store) if source is None else source
    service = PortalService(
        source, store, mail=mail, secret_keys=[SECRET], clock=clock, policy=policy
    )
    return World(service=service, store=store, data=source, dataset=ds, clock=clock)


def test_the_world_is_valid_and_crosses_the_client_boundary() -> None:
    world = dataset()
    check_portal(acme_portal(), EXTERNAL, world)
    clients_with_hours = {
        next(p.client_id for p in world.projects if p.id == e.project_id) for e in world.entries
    }
    assert clients_with_hours == {"acme", "globex"}
    assert len(dataset(30).entries) == len(world.entries) + 30


def test_make_world_wires_the_service_to_the_memory_backends() -> None:
    w = make_world()
    issued = w.service.links.issue("acme-web", "anna")
    assert w.store.get_link(issued.link.id) == issued.link  # the service keeps its state there
    assert issued.link.created_at == T0  # on the world's clock
    assert w.service.admin.portal("acme-web") == acme_portal()
