"""Realistic demo data: three clients, their projects and people, a year of hours, expenses and
trips (:mod:`clientportal.demo_costs`), budgets of every type, invoices and quotes in several
states, and hours, expenses and trips waiting for approval.

:func:`demo_dataset` is pure and deterministic (a seeded generator, an explicit ``today``), so the
demo, the docs and the benchmarks all see the same world. :func:`demo_portals` configures the
portals the demo serves: Dutch, English and German, each with different settings.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from decimal import Decimal

from .demo_costs import demo_costs, staged_approval
from .model import (
    ApprovalPolicy,
    ApprovalState,
    Budget,
    BudgetType,
    Client,
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
)

__all__ = ["DEMO_POLICY", "demo_dataset", "demo_entries", "demo_portals"]

#: The demo company approves internally first, then asks the client.
DEMO_POLICY = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)

_CLIENTS = (
    Client("lumen", "Lumen Architecten B.V."),
    Client("northwind", "Northwind Trading Ltd"),
    Client("bergmann", "Bergmann Maschinenbau GmbH"),
)
_CONTACTS = (
    Contact("ruud", "lumen", "Ruud Visser", "ruud.visser@lumen.example", "nl"),
    Contact("sanne", "lumen", "Sanne de Jong", "sanne@lumen.example", "nl"),
    Contact("olivia", "northwind", "Olivia Hart", "olivia.hart@northwind.example", "en"),
    Contact("klaus", "bergmann", "Klaus Bergmann", "k.bergmann@bergmann.example", "de"),
)
_EMPLOYEES = (
    Employee("eva", "Eva Jansen"),
    Employee("tom", "Tom Bakker"),
    Employee("lisa", "Lisa Chen"),
    Employee("omar", "Omar Haddad"),
    Employee("mila", "Mila Novak"),
    Employee("jonas", "Jonas Weber"),
)
_PROJECTS = (
    Project("lumen-web", "lumen", "Vernieuwing website", {"eva", "tom", "lisa"}),
    Project("lumen-bim", "lumen", "BIM-viewer", {"omar", "lisa"}),
    Project("lumen-support", "lumen", "Support & onderhoud", {"tom"}),
    Project("nw-shop", "northwind", "Webshop", {"eva", "mila", "omar"}),
    Project("nw-erp", "northwind", "ERP integration", {"mila", "jonas"}),
    Project("bm-portal", "bergmann", "Kundenportal", {"jonas", "lisa", "tom"}),
    Project("bm-iot", "bergmann", "Maschinendaten (IoT)", {"jonas", "omar"}),
)
_TASKS = ("Design", "Development", "Meeting", "Testing", "Project management")
#: Each client's language: the team writes its tasks and descriptions in it.
_LANGUAGE = {"lumen": "nl", "northwind": "en", "bergmann": "de"}
#: A task's name and the descriptions logged under it, in each client's language.
_WORDING: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "en": {
        "Design": (
            "Design",
            ("Wireframes homepage", "Style guide update", "Mock-ups checkout", "Icon set"),
        ),
        "Development": (
            "Development",
            ("API endpoints", "Login flow", "Search filters", "Data import script"),
        ),
        "Meeting": (
            "Meeting",
            ("Weekly stand-up with client", "Sprint review", "Kick-off workshop"),
        ),
        "Testing": ("Testing", ("Regression tests", "Browser testing", "Load test")),
        "Project management": (
            "Project management",
            ("Planning next sprint", "Budget review", "Status report"),
        ),
    },
    "nl": {
        "Design": (
            "Ontwerp",
            (
                "Wireframes homepage",
                "Huisstijlgids bijwerken",
                "Schetsen afrekenpagina",
                "Iconenset",
            ),
        ),
        "Development": (
            "Ontwikkeling",
            ("API-koppelingen", "Inlogproces", "Zoekfilters", "Script voor gegevensimport"),
        ),
        "Meeting": ("Overleg", ("Wekelijks overleg met de klant", "Sprintreview", "Startworkshop")),
        "Testing": ("Testen", ("Regressietests", "Testen in browsers", "Belastingtest")),
        "Project management": (
            "Projectleiding",
            ("Volgende sprint plannen", "Budgetoverleg", "Voortgangsrapport"),
        ),
    },
    "de": {
        "Design": (
            "Gestaltung",
            (
                "Wireframes Startseite",
                "Styleguide aktualisieren",
                "Entwürfe Bestellvorgang",
                "Icon-Set",
            ),
        ),
        "Development": (
            "Entwicklung",
            ("API-Endpunkte", "Anmeldeablauf", "Suchfilter", "Skript für den Datenimport"),
        ),
        "Meeting": (
            "Besprechung",
            ("Wöchentliche Abstimmung mit dem Kunden", "Sprint-Review", "Kick-off-Workshop"),
        ),
        "Testing": ("Test", ("Regressionstests", "Browsertests", "Lasttest")),
        "Project management": (
            "Projektleitung",
            ("Nächsten Sprint planen", "Budgetprüfung", "Statusbericht"),
        ),
    },
}
#: Why a client sent hours back, in its language.
_REJECTED_BECAUSE = {
    "en": "Please split per task",
    "nl": "Graag per taak uitsplitsen",
    "de": "Bitte nach Aufgaben aufteilen",
}
_RATES = {"eva": "95", "tom": "85", "lisa": "110", "omar": "90", "mila": "100", "jonas": "105"}
_COSTS = {"eva": "48", "tom": "42", "lisa": "55", "omar": "45", "mila": "50", "jonas": "52"}


def demo_entries(
    *, today: dt.date, count: int | None = None, seed: int = 2026
) -> Iterator[TimeEntry]:
    """A year of hours up to ``today``: each member logs most working days, a few hours a day.

    ``count`` stops after that many entries (the CLI's ``--entries`` for a large data set); more
    than a year's worth continues into earlier years. Recent weeks hold hours in every approval
    stage, including some waiting for the client.
    """
    rnd = random.Random(seed)
    made = 0
    day = today
    while count is None or made < count:
        if day.weekday() < 5:
            for project in _PROJECTS:
                for employee_id in sorted(project.member_ids):
                    if rnd.random() > 0.45:
                        continue
                    task = rnd.choice(_TASKS)
                    language = _LANGUAGE[project.client_id]
                    task_name, descriptions = _WORDING[language][task]
                    made += 1
                    yield TimeEntry(
                        id=f"e{made:07d}",
                        project_id=project.id,
                        employee_id=employee_id,
                        date=day,
                        seconds=rnd.choice((1, 2, 3, 4, 6, 8)) * 1800,
                        description=rnd.choice(descriptions),
                        task=task_name,
                        billable=task != "Meeting" or rnd.random() < 0.5,
                        rate=Decimal(_RATES[employee_id]),
                        cost_rate=Decimal(_COSTS[employee_id]),
                        internal_note="check with PM before invoicing"
                        if rnd.random() < 0.02
                        else None,
                        approval=_approval((today - day).days, rnd, language),
                    )
                    if count is not None and made >= count:
                        return
        day -= dt.timedelta(days=1)
        if count is None and (today - day).days > 365:
            return


def _approval(age_days: int, rnd: random.Random, language: str) -> ApprovalState:
    return staged_approval(age_days, rnd, DEMO_POLICY.workflow, _REJECTED_BECAUSE[language])


def _budgets() -> tuple[Budget, ...]:
    eur, d = "EUR", Decimal
    return (
        Budget("b-web-hours", "lumen-web", BudgetType.TOTAL_HOURS, d("900"), d("0")),
        Budget("b-web-fee", "lumen-web", BudgetType.TOTAL_FEE, d("85000"), d("0"), eur),
        Budget("b-web-costs", "lumen-web", BudgetType.TOTAL_COSTS, d("40000"), d("0"), eur),
        Budget("b-bim-design", "lumen-bim", BudgetType.TASK_HOURS, d("120"), d("0"), task="Design"),
        Budget("b-bim-dev", "lumen-bim", BudgetType.TASK_FEE, d("30000"), d("0"), eur,
               "Development"),
        Budget("b-shop-eva", "nw-shop", BudgetType.EMPLOYEE_HOURS, d("300"), d("0"),
               employee_id="eva"),
        Budget("b-shop-mila", "nw-shop", BudgetType.EMPLOYEE_FEE, d("25000"), d("0"), "GBP",
               employee_id="mila"),
        Budget("b-portal-hours", "bm-portal", BudgetType.TOTAL_HOURS, d("650"), d("0")),
        Budget("b-iot-fee", "bm-iot", BudgetType.TOTAL_FEE, d("60000"), d("0"), eur),
    )  # fmt: skip


def _with_usage(budgets: tuple[Budget, ...], entries: tuple[TimeEntry, ...]) -> tuple[Budget, ...]:
    """Fill ``used`` from the entries, so the demo's progress bars tell the truth."""
    used: list[Budget] = []
    for b in budgets:

        def counts(e: TimeEntry, b: Budget = b) -> bool:
            return (
                e.project_id == b.project_id
                and (b.task is None or e.task == b.task)
                and (b.employee_id is None or e.employee_id == b.employee_id)
            )

        mine = [e for e in entries if counts(e)]
        hours = sum((Decimal(e.seconds) / 3600 for e in mine), Decimal(0))
        rate: Callable[[TimeEntry], Decimal] = (
            (lambda e: e.cost_rate or Decimal(0))
            if b.type is BudgetType.TOTAL_COSTS
            else (lambda e: e.rate or Decimal(0))
        )
        money = sum((Decimal(e.seconds) / 3600 * rate(e) for e in mine), Decimal(0))
        value = money if b.type.is_money else hours
        used.append(
            Budget(b.id, b.project_id, b.type, b.amount, value.quantize(Decimal("0.01")),
                   b.currency, b.task, b.employee_id)
        )  # fmt: skip
    return tuple(used)


def _documents(today: dt.date) -> tuple[tuple[Invoice, ...], tuple[Quote, ...]]:
    """The clients' invoices and quotes. The demo stores no files for them, so none says it has
    one (``has_file=False``): the pages list them without a download link."""
    d = Decimal
    month = dt.timedelta(days=30)
    invoices = (
        Invoice(
            "inv-1",
            "lumen",
            "2026-0101",
            today - 5 * month,
            d("12480.00"),
            "EUR",
            DocumentStatus.PAID,
            {"lumen-web"},
            today - 4 * month,
            has_file=False,
        ),
        Invoice(
            "inv-2",
            "lumen",
            "2026-0131",
            today - 2 * month,
            d("9350.50"),
            "EUR",
            DocumentStatus.OVERDUE,
            {"lumen-bim"},
            today - month,
            has_file=False,
        ),
        Invoice(
            "inv-3",
            "lumen",
            "2026-0160",
            today - dt.timedelta(days=6),
            d("4210.00"),
            "EUR",
            DocumentStatus.SENT,
            {"lumen-web"},
            today + dt.timedelta(days=24),
            has_file=False,
        ),
        Invoice(
            "inv-4",
            "lumen",
            "2026-0170",
            today,
            d("1800.00"),
            "EUR",
            DocumentStatus.DRAFT,
            {"lumen-support"},
            has_file=False,
        ),
        Invoice(
            "inv-5",
            "northwind",
            "2026-0140",
            today - month,
            d("7600.00"),
            "GBP",
            DocumentStatus.SENT,
            {"nw-shop"},
            today,
            has_file=False,
        ),
        Invoice(
            "inv-6",
            "northwind",
            "2026-0090",
            today - 6 * month,
            d("-450.00"),
            "GBP",
            DocumentStatus.CREDITED,
            {"nw-erp"},
            has_file=False,
        ),
        Invoice(
            "inv-7",
            "bergmann",
            "2026-0150",
            today - 3 * month,
            d("15900.00"),
            "EUR",
            DocumentStatus.PAID,
            {"bm-portal"},
            today - 2 * month,
            has_file=False,
        ),
    )
    quotes = (
        Quote("q-1", "lumen", "Q-2026-011", today - 7 * month, d("85000.00"), "EUR",
              DocumentStatus.ACCEPTED, {"lumen-web"}, has_file=False),
        Quote("q-2", "lumen", "Q-2026-031", today - dt.timedelta(days=10), d("14000.00"), "EUR",
              DocumentStatus.SENT, {"lumen-bim"}, today + dt.timedelta(days=20), has_file=False),
        Quote("q-3", "northwind", "Q-2026-024", today - 2 * month, d("5200.00"), "GBP",
              DocumentStatus.DECLINED, has_file=False),
        Quote("q-4", "bergmann", "Q-2026-040", today - month, d("22000.00"), "EUR",
              DocumentStatus.EXPIRED, {"bm-iot"}, today - dt.timedelta(days=1), has_file=False),
        Quote("q-5", "bergmann", "Q-2026-045", today, d("3000.00"), "EUR", DocumentStatus.DRAFT,
              has_file=False),
    )  # fmt: skip
    return invoices, quotes


def demo_dataset(*, today: dt.date, entries: int | None = None, seed: int = 2026) -> Dataset:
    """The whole demo world as of ``today`` (see :func:`demo_entries` for ``entries``; the
    expenses and trips always cover the year up to ``today``)."""
    rows = tuple(demo_entries(today=today, count=entries, seed=seed))
    invoices, quotes = _documents(today)
    expenses, trips = demo_costs(
        _PROJECTS, languages=_LANGUAGE, today=today, workflow=DEMO_POLICY.workflow, seed=seed
    )
    return Dataset(
        clients=_CLIENTS,
        contacts=_CONTACTS,
        employees=_EMPLOYEES,
        projects=_PROJECTS,
        entries=rows,
        budgets=_with_usage(_budgets(), rows),
        invoices=invoices,
        quotes=quotes,
        expenses=expenses,
        trips=trips,
    )


def demo_portals(*, created_at: dt.datetime) -> tuple[Portal, ...]:
    """The demo's portals: Dutch (approval of hours, expenses and trips; budgets, all documents),
    English (hours only, no descriptions, in pounds: British dates; no expenses or trips), German
    (amounts and budgets, expenses and trips with their money, documents of the visible projects
    only)."""
    by_id = {p.id: p for p in _PROJECTS}
    return (
        Portal.create(
            id="lumen",
            client_id="lumen",
            name="Lumen — website & BIM",
            projects=[by_id["lumen-web"], by_id["lumen-bim"]],
            created_at=created_at,
            language="nl",
            settings=PortalSettings(
                show_budget=True,
                show_invoices=True,
                show_quotes=True,
                approval=True,
                show_expenses=True,
                show_trips=True,
            ),
            contact_ids={"ruud", "sanne"},
        ),
        Portal.create(
            id="northwind",
            client_id="northwind",
            name="Northwind webshop",
            projects=[by_id["nw-shop"]],
            created_at=created_at,
            language="en",
            settings=PortalSettings(show_descriptions=False, show_invoices=True, currency="GBP"),
            contact_ids={"olivia"},
        ),
        Portal.create(
            id="bergmann",
            client_id="bergmann",
            name="Bergmann Kundenportal",
            projects=[by_id["bm-portal"], by_id["bm-iot"]],
            created_at=created_at,
            language="de",
            settings=PortalSettings(
                show_budget=True,
                show_amounts=True,
                show_invoices=True,
                show_quotes=True,
                approval=True,
                documents_scope="projects",
                show_expenses=True,
                show_trips=True,
            ),
            contact_ids={"klaus"},
        ),
    )
