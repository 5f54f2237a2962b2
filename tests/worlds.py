"""The sample worlds of the tests, in one place (``from worlds import ...``).

Three worlds, one for each layer that is tested through them; they differ on purpose:

- :class:`GateWorld` (and :class:`CodeWorld`): an ``AccessGate`` alone over a
  ``MemoryPortalStore``, without a DataSource, as a host that only hands out links builds it.
  Two bare portals and nothing else: for the gate's own rules (links, sessions, CSRF, codes,
  rate limits, the access log).
- :class:`ServiceWorld` (:func:`service_world`): the whole ``PortalService`` over the memory
  backends, with a small company (:func:`service_dataset`) whose hours lie on both sides of the
  client boundary and one portal (:func:`acme_portal`) that approves and shows everything: for
  the application layer.
- :class:`WebWorld` (:func:`web_world`): a service set up as a host would set it up, three Acme
  portals (English, Dutch, and one asking for e-mail codes), downloadable documents, hours that
  already await the client's approval and a client rate limit: for the web layer's pages.

Beside them, what the service tests share: a visitor's way in (:func:`visit_as`), the outbox read
as e-mails (:func:`mails`), every page of hours (:func:`all_pages`) and a source that holds back
its optional capabilities (:class:`PagesOnly`).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Sequence
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from attrs import define

from clientportal import (
    AccessGate,
    AccessMode,
    AccessPolicy,
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
    TokenBucketLimiter,
    Workflow,
)
from clientportal.access import SecretKeys
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore
from clientportal.ports import DataSource, DocumentFile, EntryPage, EntryQuery, OutboxMessage
from clientportal.service import IssuedLink, MailSettings, PortalService, Visit
from clientportal.visibility import PortalEntry, Scope
from clientportal.web import PortalApp
from clientportal.workflow import Actor, Party

#: The hand-moved clocks of the gate and service worlds start here.
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
#: The signing key of every world; :data:`NEW_SECRET` is the one a key rotation adds.
SECRET = "service-tests-secret-key-0123456789"
NEW_SECRET = "a-new-secret-key-of-32-characters!!"
#: The visitor's address.
CLIENT = "203.0.113.7"
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
    id: str, project: str, employee: str, date: dt.date, hours: str = "1", **fields: Any
) -> TimeEntry:
    """A time entry of ``hours`` hours."""
    return TimeEntry(
        id=id,
        project_id=project,
        employee_id=employee,
        date=date,
        seconds=int(Decimal(hours) * 3600),
        **fields,
    )


# --------------------------------------------------------------------------------------------------
# The access gate alone


class GateWorld:
    """Two portals of one client in a memory store (``portal-1`` for alice and bob,
    ``portal-2`` for carol), a hand-moved clock, an access log and a gate over them."""

    def __init__(
        self,
        *,
        keys: SecretKeys = SECRET,
        policy: AccessPolicy | None = None,
        client_limiter: TokenBucketLimiter | None = None,
        code_limiter: TokenBucketLimiter | None = None,
    ) -> None:
        self.clock = ManualClock(T0)
        self.portal = Portal(
            id="portal-1",
            client_id="client-1",
            name="Acme",
            created_at=T0,
            contact_ids={"alice", "bob"},
        )
        self.other = Portal(
            id="portal-2",
            client_id="client-1",
            name="Acme R&D",
            created_at=T0,
            contact_ids={"carol"},
        )
        self.store = MemoryPortalStore([self.portal, self.other])
        self.log = MemoryAccessLog()
        self.policy = policy
        self.client_limiter = client_limiter
        self.code_limiter = code_limiter
        self.gate = self.gate_with(keys)

    def gate_with(self, keys: SecretKeys) -> AccessGate:
        """Another gate over the same store, log and clock, signing with ``keys``."""
        return AccessGate(
            self.store,
            keys,
            log=self.log,
            clock=self.clock,
            policy=self.policy,
            client_limiter=self.client_limiter,
            code_limiter=self.code_limiter,
        )


class CodeWorld(GateWorld):
    """A :class:`GateWorld` whose ``portal-1`` asks for e-mail codes, with a link each for alice
    and bob: for the one-time code step."""

    def __init__(
        self,
        *,
        policy: AccessPolicy | None = None,
        code_limiter: TokenBucketLimiter | None = None,
    ) -> None:
        super().__init__(policy=policy, code_limiter=code_limiter)
        self.gate.links.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
        self.alice: IssuedLink = self.gate.links.issue("portal-1", "alice")
        self.bob: IssuedLink = self.gate.links.issue("portal-1", "bob")

    def pending(self, token: str | None = None) -> str:
        """Open alice's link (or ``token``'s): the pending value of the code step."""
        opening = self.gate.open(self.alice.token if token is None else token, client=CLIENT)
        assert opening.needs_code
        assert opening.pending is not None
        return opening.pending


# --------------------------------------------------------------------------------------------------
# The service


#: Acme and Globex, the two clients of the service and web worlds, and their contacts.
CLIENTS = (Client("acme", "Acme B.V."), Client("globex", "Globex"))
CONTACTS = (
    Contact("anna", "acme", "Anna de Vries", "anna@acme.example", "nl"),
    Contact("bob", "acme", "Bob Jones", "bob@acme.example"),
    Contact("gina", "globex", "Gina", "gina@globex.example"),
)

DAY0 = dt.date(2026, 2, 1)


def service_dataset(extra_entries: int = 0) -> Dataset:
    """Acme (projects web and app) and Globex (erp), with ``12 + extra_entries`` entries: a draft
    and a Globex invoice, a TOTAL_COSTS budget, an internal note and a cost rate that no portal
    of Acme's may show."""

    def day(n: int) -> dt.date:
        return DAY0 + dt.timedelta(days=n)

    entries = [
        entry("w1", "web", "eva", day(0), "7.5", description="Homepage", rate=Decimal("90")),
        entry(
            "w2", "web", "tom", day(1), "2", description='=HYPERLINK("x")', cost_rate=Decimal(40)
        ),
        entry(
            "w3", "web", "eva", day(1), "1.25", description="Bugfix", internal_note="secret note"
        ),
        entry("w4", "web", "ivo", day(2), "3", description="Review", task="QA", billable=False),
        entry("w5", "web", "tom", day(3), "4", description="Deploy"),
        entry("w6", "web", "eva", day(3), "0.5", description="Call"),
        entry("a1", "app", "tom", day(0), "4", description="App work"),
        entry("a2", "app", "tom", day(2), "2", description="More app work"),
        entry("g1", "erp", "sam", day(0), "8", description="Globex migration"),
        entry("g2", "erp", "sam", day(1), "6", description="Globex secret"),
        entry("g3", "erp", "eva", day(2), "1", description="Globex call"),
        entry(
            "w7",
            "web",
            "eva",
            day(4),
            "1",
            description="Already approved",
            approval=ApprovalState(ApprovalStatus.APPROVED, Workflow.EXTERNAL, 2),
        ),
    ]
    entries += [
        entry(
            f"x{i:05d}", "web" if i % 3 else "app", ("eva", "tom")[i % 2], day(5 + i % 40), "0.25"
        )
        for i in range(extra_entries)
    ]
    return Dataset(
        clients=CLIENTS,
        contacts=CONTACTS,
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


#: The open entries of Acme's project web in :func:`service_dataset` (``w7`` is approved already).
OPEN_ON_WEB = ["w1", "w2", "w3", "w4", "w5", "w6"]

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
class ServiceWorld:
    """A service over the memory backends, with its parts at hand."""

    service: PortalService
    store: MemoryStore
    data: DataSource
    dataset: Dataset
    clock: ManualClock


def service_world(
    *,
    portals: tuple[Portal, ...] | None = None,
    policy: ApprovalPolicy = EXTERNAL,
    data: Dataset | None = None,
    source: DataSource | None = None,
    mail: MailSettings = MAIL,
    extra_entries: int = 0,
    store: MemoryStore | None = None,
) -> ServiceWorld:
    """A service over a MemoryStore holding ``portals`` (default: :func:`acme_portal`) and a
    MemoryDataSource of :func:`service_dataset` (or ``data``, or ``source``)."""
    ds = service_dataset(extra_entries) if data is None else data
    if store is None:
        store = MemoryStore()
    for portal in portals if portals is not None else (acme_portal(),):
        store.put_portal(portal)
    clock = ManualClock(T0)
    source = MemoryDataSource(ds, store) if source is None else source
    service = PortalService(
        source, store, mail=mail, secret_keys=[SECRET], clock=clock, policy=policy
    )
    return ServiceWorld(service=service, store=store, data=source, dataset=ds, clock=clock)


def visit_as(service: PortalService, contact_id: str | None, portal_id: str = "acme-web") -> Visit:
    """The visit of a new link of ``contact_id`` (``None``: a shared link), opened and checked."""
    issued = service.links.issue(portal_id, contact_id)
    opening = service.access.open(issued.token, client="203.0.113.9")
    assert opening.session is not None
    return service.access.check_session(opening.session.value, client="203.0.113.9")


def mails_of(messages: Sequence[OutboxMessage]) -> list[EmailMessage]:
    """The outbox ``messages`` as parsed e-mails."""
    return [email.message_from_bytes(m.message, policy=email.policy.default) for m in messages]


def mails(store: MemoryStore) -> list[EmailMessage]:
    """Every e-mail waiting in ``store``'s outbox."""
    return mails_of(store.pending())


def text_of(message: EmailMessage) -> str:
    """The text part of ``message``: what a reader of plain text reads."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def all_pages(service: PortalService, viewer: Portal, query: EntryQuery) -> list[PortalEntry]:
    """Every entry of the hours pages from ``query`` on, one page after the other."""
    entries: list[PortalEntry] = []
    next_query: EntryQuery | None = query
    pages = 0
    while next_query is not None:
        page = service.pages.hours(viewer, next_query)
        assert len(page.entries) <= next_query.limit
        entries += page.entries
        next_query = page.next_query
        pages += 1
        assert pages < 10_000
    return entries


class PagesOnly:
    """A DataSource with no optional capability (``EntryTotals``, ``EntryEmployees``): whoever
    reads it walks its pages."""

    def __init__(self, source: DataSource) -> None:
        self.source = source

    def client(self, client_id: str) -> Client | None:
        return self.source.client(client_id)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        return self.source.contacts(client_id)

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        return self.source.employees(employee_ids)

    def projects(self, scope: Scope) -> Sequence[Project]:
        return self.source.projects(scope)

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        return self.source.entries(scope, query)

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        return self.source.entries_by_id(entry_ids)

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        return self.source.budgets(scope)

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        return self.source.invoices(scope)

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        return self.source.quotes(scope)

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        return self.source.document_file(kind, document_id)


# --------------------------------------------------------------------------------------------------
# The web


#: The web world's clock starts on the Friday after the Monday its hours are dated from.
WEB_T0 = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)


def web_dataset(extra_entries: int = 0) -> Dataset:
    """Acme (projects web and app) and Globex (erp), hours over several weeks, budgets (one over
    budget), invoices and quotes, and four entries awaiting Acme's approval."""
    d = dt.date(2026, 3, 16)  # a Monday
    pending = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1)
    entries = [
        entry("w1", "web", "eva", d, "7.5", description="Homepage <b>bold</b>", rate=Decimal(90)),
        entry("w2", "web", "tom", d - dt.timedelta(days=1), "2", description="Design review"),
        entry("w3", "web", "eva", d - dt.timedelta(days=8), "3", description="Bugfix"),
        entry("w4", "web", "tom", d - dt.timedelta(days=15), "4", task="QA", billable=False),
        entry("a1", "app", "tom", d - dt.timedelta(days=2), "5", description="App work"),
        entry("p1", "web", "eva", d - dt.timedelta(days=3), "1", approval=pending),
        entry("p2", "web", "tom", d - dt.timedelta(days=3), "2", approval=pending),
        entry("p3", "app", "tom", d - dt.timedelta(days=4), "3", approval=pending),
        entry("p4", "app", "eva", d - dt.timedelta(days=5), "0.5", approval=pending),
        entry("g1", "erp", "sam", d, "8", description="Globex secret"),
    ]
    entries += [
        entry(f"x{i:05d}", "web", ("eva", "tom")[i % 2], d - dt.timedelta(days=20 + i % 60), "0.25")
        for i in range(extra_entries)
    ]
    return Dataset(
        clients=CLIENTS,
        contacts=CONTACTS,
        employees=[
            Employee("eva", "Eva Jansen"),
            Employee("tom", "Tom Bakker"),
            Employee("sam", "Sam"),
        ],
        projects=[
            Project("web", "acme", "Website", {"eva", "tom"}),
            Project("app", "acme", "App", {"tom"}),
            Project("erp", "globex", "ERP", {"sam"}),
        ],
        entries=entries,
        budgets=[
            Budget("b1", "web", BudgetType.TOTAL_HOURS, Decimal(100), Decimal(25)),
            Budget("b2", "app", BudgetType.TOTAL_FEE, Decimal(1000), Decimal(1250), "EUR"),
            Budget("b3", "web", BudgetType.TOTAL_COSTS, Decimal(500), Decimal(10), "EUR"),
        ],
        invoices=[
            Invoice(
                "i1",
                "acme",
                "INV-2026-001",
                dt.date(2026, 2, 1),
                Decimal("1234.50"),
                "EUR",
                DocumentStatus.SENT,
                {"web"},
                dt.date(2026, 3, 1),
            ),
            Invoice(
                "i2",
                "acme",
                "INV-2026-000",
                dt.date(2026, 1, 1),
                Decimal(10),
                "EUR",
                DocumentStatus.DRAFT,
            ),
            Invoice(
                "i3",
                "globex",
                "GLX-1",
                dt.date(2026, 1, 1),
                Decimal(99),
                "EUR",
                DocumentStatus.SENT,
            ),
        ],
        quotes=[
            Quote(
                "q1",
                "acme",
                "Q-7",
                dt.date(2026, 2, 10),
                Decimal(5000),
                "EUR",
                DocumentStatus.SENT,
                {"app"},
            ),
        ],
    )


DOCUMENTS = {
    ("invoice", "i1"): DocumentFile("INV-2026-001 é.pdf", "application/pdf", b"%PDF-1.4 invoice"),
    ("invoice", "i3"): DocumentFile("GLX-1.pdf", "application/pdf", b"%PDF-1.4 globex"),
    ("quote", "q1"): DocumentFile("Q-7.pdf", "application/pdf", b"%PDF-1.4 quote"),
}

FULL = PortalSettings(
    show_hours=True,
    show_descriptions=True,
    show_budget=True,
    show_invoices=True,
    show_quotes=True,
    approval=True,
    show_amounts=False,
)


@define
class WebWorld:
    """A service with three Acme portals (English, Dutch, and English with e-mail codes)."""

    clock: ManualClock
    store: MemoryStore
    data: MemoryDataSource
    service: PortalService
    limiter: TokenBucketLimiter

    def link(self, portal_id: str = "acme-en", contact_id: str | None = "bob", **kw: Any) -> str:
        """A new link token."""
        return self.service.links.issue(portal_id, contact_id, **kw).token

    def app(self, **options: Any) -> PortalApp:
        return PortalApp(self.service, **options)


def create_acme_en(service: PortalService) -> None:
    """The web world's portal ``acme-en`` (Anna and Bob of Acme, the projects ``web`` and ``app``,
    in English, every setting on), created through ``service`` as a host creates it."""
    service.admin.create_portal(
        id="acme-en",
        client_id="acme",
        name="Acme portal",
        project_ids=["web", "app"],
        contact_ids=["anna", "bob"],
        language="en",
        settings=FULL,
    )


def web_world(extra_entries: int = 0, *, limiter_capacity: int = 1000) -> WebWorld:
    """:func:`web_dataset` behind a service with the portals ``acme-en``, ``acme-nl`` and
    ``acme-code``, created through the service as a host creates them."""
    clock = ManualClock(WEB_T0)
    store = MemoryStore()
    data = MemoryDataSource(web_dataset(extra_entries), store, documents=DOCUMENTS)
    limiter = TokenBucketLimiter(capacity=limiter_capacity, refill_every=dt.timedelta(hours=1))
    service = PortalService(
        data,
        store,
        mail=MAIL,
        secret_keys=SECRET,
        clock=clock,
        policy=EXTERNAL,
        client_limiter=limiter,
    )
    create_acme_en(service)
    service.admin.create_portal(
        id="acme-nl",
        client_id="acme",
        name="Acme portaal",
        project_ids=["web"],
        contact_ids=["anna"],
        language="nl",
        settings=FULL,
    )
    service.admin.create_portal(
        id="acme-code",
        client_id="acme",
        name="Acme secure",
        project_ids=["web"],
        contact_ids=["anna"],
        language="en",
        settings=PortalSettings(),
    )
    service.links.set_access_mode("acme-code", AccessMode.LINK_AND_CODE)
    return WebWorld(clock, store, data, service, limiter)
