"""What the browser tests share: the world they see, the portal on waitress in a thread, the
chromium to launch, and a record of every request the browser makes."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from attrs import define, field

from chromium import unavailable
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
    Expense,
    Invoice,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    Trip,
    Workflow,
)

#: Hours per HTML page in these tests, so a few dozen entries make several pages.
PAGE_SIZE = 4
SCREENSHOTS = os.environ.get("CLIENTPORTAL_SCREENSHOTS", "/tmp")


# --------------------------------------------------------------------------------------------------
# The world the browser sees

TODAY = dt.date.today()
EMPLOYEES = {"eva": "Eva Jansen", "tom": "Tom Bakker", "lisa": "Lisa Chen"}
#: Acme's entries waiting for the client: id -> (employee, description)
WAITING = {
    "p1": ("eva", "Homepage design review"),
    "p2": ("tom", "Newsletter sign-up form"),
    "p3": ("lisa", "App store screenshots"),
}
#: Their tasks (long words, as real ones are); p3 is not billable.
WAITING_TASKS = {"p1": "Design", "p2": "Front-end build", "p3": "Project management"}


def browser_expenses(waiting: ApprovalState, approved: ApprovalState) -> list[Expense]:
    """Acme's and Lumen's expenses (most with a receipt, two of Acme's and one of Lumen's
    waiting for the client), and one of Globex's that nobody may see."""

    def ago(days: int) -> dt.date:
        return TODAY - dt.timedelta(days=days)

    return [
        Expense("x01", "web", "eva", ago(2), Decimal("86.40"), "EUR",
                "Train Amsterdam – Rotterdam, return", "Travel", receipt=True),
        Expense("x02", "web", "tom", ago(4), Decimal("49.00"), "EUR",
                "Stock photos for the homepage", "Licences", receipt=True),
        Expense("x03", "app", "lisa", ago(6), Decimal("99.00"), "USD",
                "Apple developer membership", "Licences", receipt=True, approval=waiting),
        Expense("x04", "web", "eva", ago(1), Decimal("23.50"), "EUR",
                "Lunch at the workshop with the bakery team", "Meals", receipt=True,
                approval=waiting),
        Expense("x05", "app", "lisa", ago(9), Decimal("12.99"), "EUR",
                "USB-C cable for the test devices", "Hardware"),
        Expense("x06", "web", "tom", ago(15), Decimal("145.00"), "EUR",
                "Hotel in Rotterdam, one night", "Hotel", receipt=True, approval=approved),
        Expense("x07", "web", "eva", ago(3), Decimal("7.80"), "EUR", "Coffee", "Meals",
                billable=False, internal_note="not for the client"),
        Expense("lx1", "bim", "eva", ago(3), Decimal("34.20"), "EUR",
                "Treinreis Utrecht – Zwolle", "Reiskosten", receipt=True, approval=waiting),
        Expense("gx1", "erp", "tom", ago(2), Decimal("999.00"), "EUR",
                "Globex confidential dinner", "Meals"),
    ]  # fmt: skip


def browser_trips(waiting: ApprovalState, approved: ApprovalState) -> list[Trip]:
    """Acme's and Lumen's trips at 0.23 EUR/km (one without a rate), some waiting."""

    def ago(days: int) -> dt.date:
        return TODAY - dt.timedelta(days=days)

    km = Decimal("0.23")
    return [
        Trip("t01", "web", "eva", ago(2), Decimal("78.4"), "Workshop at the bakery",
             "Utrecht", "Rotterdam", rate=km),
        Trip("t02", "web", "tom", ago(5), Decimal("36"), "Photo shoot in the shop",
             "Amsterdam", "Haarlem", rate=km, approval=waiting),
        Trip("t03", "app", "lisa", ago(8), Decimal("12.5"), "Testing on the shop's tablets",
             "Delft", "The Hague", rate=km, approval=waiting),
        Trip("t04", "web", "eva", ago(12), Decimal("151"), "Kick-off meeting, return",
             "Utrecht", "Rotterdam", rate=km, approval=approved),
        Trip("t05", "app", "lisa", ago(20), Decimal("8"), "Visit to the print shop",
             "Delft", "Rijswijk"),
        Trip("lt1", "bim", "lisa", ago(4), Decimal("64"), "Bouwvergadering", "Amersfoort",
             "Zwolle", rate=km, approval=waiting),
        Trip("gt1", "erp", "tom", ago(2), Decimal("480"), "Globex confidential visit"),
    ]  # fmt: skip


def browser_world() -> Dataset:
    """Acme (English portal, 30 entries in ten weeks, three waiting for approval, one project
    over budget) and Lumen (Dutch portal), with a third client nobody may see; expenses and
    trips of each, shown only by the portals ``acme-all`` and ``lumen-all``."""
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, version=1)
    approved = ApprovalState(ApprovalStatus.APPROVED, Workflow.EXTERNAL, version=2)
    tasks = ["Wireframes", "Copywriting", "Front-end build", "Testing", "Client meeting"]
    people = list(EMPLOYEES)
    entries = [
        TimeEntry(
            f"a{n:02d}",
            "web" if n % 3 else "app",
            people[n % 3],
            TODAY - dt.timedelta(days=2 + (n * 7) // 3),
            3600 * (1 + n % 5) + 1800 * (n % 2),
            f"{tasks[n % len(tasks)]} {n}",
        )
        for n in range(1, 28)
    ]
    entries += [
        TimeEntry(id_, "app" if who == "lisa" else "web", who, TODAY - dt.timedelta(days=1), 5400,
                  what, task=WAITING_TASKS[id_], billable=id_ != "p3", approval=waiting)
        for id_, (who, what) in WAITING.items()
    ]  # fmt: skip
    entries += [
        TimeEntry("l1", "bim", "eva", TODAY - dt.timedelta(days=3), 7200, "Gevelontwerp"),
        TimeEntry("l2", "bim", "lisa", TODAY - dt.timedelta(days=2), 3600, "BIM-model bijwerken",
                  approval=waiting),
        TimeEntry("g1", "erp", "tom", TODAY, 9000, "Globex confidential import"),
    ]  # fmt: skip
    return Dataset(
        clients=[
            Client("acme", "Acme Bakery"),
            Client("lumen", "Lumen Architecten"),
            Client("globex", "Globex"),
        ],
        contacts=[
            Contact("ann", "acme", "Ann Baker", "ann@acme.example", "en"),
            Contact("ruud", "lumen", "Ruud Visser", "ruud@lumen.example", "nl"),
        ],
        employees=[Employee(id_, name) for id_, name in EMPLOYEES.items()],
        projects=[
            Project("web", "acme", "New website", member_ids={"eva", "tom"}),
            Project("app", "acme", "Ordering app", member_ids={"lisa"}),
            Project("bim", "lumen", "Nieuwbouw kantoor", member_ids={"eva", "lisa"}),
            Project("erp", "globex", "ERP migration", member_ids={"tom"}),
        ],
        entries=entries,
        expenses=browser_expenses(waiting, approved),
        trips=browser_trips(waiting, approved),
        budgets=[
            Budget("b1", "web", BudgetType.TOTAL_HOURS, Decimal("120"), Decimal("46")),
            Budget("b2", "app", BudgetType.TOTAL_HOURS, Decimal("20"), Decimal("26.5")),
        ],
        invoices=[
            Invoice("i1", "acme", "2026-041", TODAY - dt.timedelta(days=12), Decimal("3180.00"),
                    "EUR", DocumentStatus.SENT),
        ],
        quotes=[  # shown only where a test turns quotes on
            Quote("q1", "acme", "Q-2026-007", TODAY - dt.timedelta(days=20), Decimal("5400.00"),
                  "EUR", DocumentStatus.SENT, valid_until=TODAY + dt.timedelta(days=10)),
        ],
    )  # fmt: skip


@define
class PortalServer:
    """The portal on waitress in a thread; ``url`` is its origin."""

    service: PortalService
    url: str
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def link(self, portal_id: str = "acme", contact_id: str = "ann") -> str:
        """A new link's URL."""
        return self.service.mail.link_url(self.service.links.issue(portal_id, contact_id).token)

    def path(self, url: str) -> str:
        """The path and query of ``url`` (asserting it is on this server)."""
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == self.url, url
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def stop(self) -> None:
        self._server.close()
        self._server.task_dispatcher.shutdown()
        self._thread.join(timeout=10)


def start_server() -> PortalServer:
    """A fresh service over :func:`browser_world`, served on a free port of 127.0.0.1."""
    try:
        import waitress
    except ImportError as error:
        unavailable(f"waitress is not installed (pip install 'clientportal[web]'): {error}")
    from clientportal.web import make_wsgi_app

    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    store = MemoryStore()
    service = PortalService(
        MemoryDataSource(browser_world(), store),
        store,
        secret_keys=["browser-tests-secret-key-0123456789abcdef"],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Studio Pixel",
            sender_address="hours@studio.example",
            message_id_domain="studio.example",
            base_url=url + "/portal",
        ),
    )
    service.admin.create_portal(
        id="acme",
        client_id="acme",
        name="Acme Bakery",
        project_ids={"web", "app"},
        contact_ids={"ann"},
        settings=PortalSettings(show_budget=True, show_invoices=True, approval=True),
    )
    service.admin.create_portal(
        id="lumen",
        client_id="lumen",
        name="Lumen — nieuwbouw",
        project_ids={"bim"},
        contact_ids={"ruud"},
        language="nl",
        settings=PortalSettings(show_budget=True, approval=True),
    )
    # The same clients' portals with every kind: hours, expenses and trips (issue 14).
    service.admin.create_portal(
        id="acme-all",
        client_id="acme",
        name="Acme Bakery",
        project_ids={"web", "app"},
        contact_ids={"ann"},
        settings=PortalSettings(approval=True, show_amounts=True, show_expenses=True,
                                show_trips=True),
    )  # fmt: skip
    service.admin.create_portal(
        id="lumen-all",
        client_id="lumen",
        name="Lumen — nieuwbouw",
        project_ids={"bim"},
        contact_ids={"ruud"},
        language="nl",
        settings=PortalSettings(approval=True, show_expenses=True, show_trips=True),
    )
    app = make_wsgi_app(service, prefix="/portal", page_size=PAGE_SIZE)
    # poll(), not select(): closing the server from the test thread then ends its loop quietly
    # instead of raising EBADF in the server thread.
    server = waitress.create_server(app, sockets=[sock], threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="portal-waitress", daemon=True)
    thread.start()
    return PortalServer(service, url, server, thread)


@define
class Traffic:
    """Every request the browser made in a test."""

    urls: list[str] = field(factory=list)
    referers: list[tuple[str, str]] = field(factory=list)

    def record(self, request: Any) -> None:
        self.urls.append(request.url)
        referer = request.headers.get("referer")
        if referer:
            self.referers.append((request.url, referer))

    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or u for u in self.urls if not u.startswith("data:")}


def open_context(
    browser: Any, traffic: Traffic, portal_server: PortalServer, **options: Any
) -> Any:
    """A fresh browser context (no cookies) that records its requests."""
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    context.on("request", lambda request: traffic.record(request))
    return context


def screenshot(page: Any, name: str) -> str:
    """Save a full-page screenshot under SCREENSHOTS; returns its path."""
    path = os.path.join(SCREENSHOTS, f"clientportal-{name}-{os.getpid()}.png")
    page.screenshot(path=path, full_page=True)
    return path
