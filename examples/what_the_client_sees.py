"""What does a client see? Build a small dataset and print one portal's view.

Run: ``.venv/bin/python examples/what_the_client_sees.py``
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    Portal,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
    check_portal,
    portal_view,
)

acme_web = Project("web", "acme", "Website relaunch", member_ids={"eva", "tom"})
acme_app = Project("app", "acme", "Mobile app", member_ids={"tom"})
globex = Project("erp", "globex", "ERP migration", member_ids={"sam"})
pending = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.INTERNAL_EXTERNAL, version=2)

data = Dataset(
    clients=[Client("acme", "Acme B.V."), Client("globex", "Globex")],
    employees=[Employee("eva", "Eva Jansen"), Employee("tom", "Tom Bakker"), Employee("sam", "S")],
    projects=[acme_web, acme_app, globex],
    entries=[
        TimeEntry("e1", "web", "eva", dt.date(2026, 3, 2), 27000, "Homepage design",
                  rate=Decimal("95"), cost_rate=Decimal("45"), internal_note="quoted too low"),
        TimeEntry("e2", "web", "tom", dt.date(2026, 3, 3), 7200, "Contact form", approval=pending),
        TimeEntry("e3", "app", "tom", dt.date(2026, 3, 3), 14400, "Login screen"),
        TimeEntry("e4", "erp", "sam", dt.date(2026, 3, 4), 28800, "Data import"),
    ],
    budgets=[
        Budget("b1", "web", BudgetType.TOTAL_HOURS, Decimal("120"), Decimal("9.5")),
        Budget("b2", "web", BudgetType.TOTAL_COSTS, Decimal("4000"), Decimal("427.50"), "EUR"),
    ],
    invoices=[
        Invoice("i1", "acme", "2026-014", dt.date(2026, 2, 28), Decimal("2280.00"), "EUR",
                DocumentStatus.SENT, project_ids={"app"}),
        Invoice("i2", "acme", "2026-015", dt.date(2026, 3, 31), Decimal("950.00"), "EUR",
                DocumentStatus.DRAFT),
    ],
)  # fmt: skip

portal = Portal.create(
    id="acme-website",
    client_id="acme",
    name="Acme — website",
    projects=[acme_web],
    created_at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC),
    language="nl",
    settings=PortalSettings(show_descriptions=True, show_budget=True, show_invoices=True,
                            approval=True),
)  # fmt: skip
policy = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)

check_portal(portal, policy, data)  # raises ConfigError listing every problem, if any
view = portal_view(portal, data, policy)

print(f"Portal {portal.name!r} for {portal.client_id} ({portal.language})")
print("Projects:", ", ".join(p.name for p in view.projects))
print("Hours:")
for e in view.entries:
    hours = e.seconds / 3600
    print(f"  {e.date}  {e.employee_id:<4} {hours:5.2f} h  {e.description}  [{e.status.name}]")
print("Budgets:", [(b.type.name, str(b.used), str(b.amount)) for b in view.budgets])
print("Invoices:", [(i.number, i.status.name, str(i.amount)) for i in view.invoices])
print("Employee filter:", ", ".join(e.name for e in view.employees))
print("Awaiting the client's approval:", [e.id for e in view.awaiting_approval])
