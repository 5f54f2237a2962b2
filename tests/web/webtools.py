"""Helpers of the web tests: a small company, a service over memory backends, and an in-process
WSGI client with a cookie jar (real WSGI round trips, checked by ``wsgiref.validate``)."""

from __future__ import annotations

import datetime as dt
import io
import json as jsonlib
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit
from wsgiref.validate import validator

from attrs import define, field

from clientportal import (
    AccessMode,
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
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    TokenBucketLimiter,
    Workflow,
)
from clientportal.memory import ManualClock
from clientportal.ports import DocumentFile
from clientportal.service import MailSettings, PortalService
from clientportal.web import PortalApp
from clientportal.web.http import Headers

T0 = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
SECRET = "web-tests-secret-key-0123456789abcdef"
EXTERNAL = ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL)
MAIL = MailSettings(
    sender_name="Example Co",
    sender_address="portal@example.com",
    message_id_domain="portal.example.com",
    base_url="https://portal.example.com",
    company_recipients=["office@example.com"],
)
PENDING = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1)


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


def dataset(extra_entries: int = 0) -> Dataset:
    """Acme (projects web and app) and Globex (erp), hours over several weeks, budgets (one over
    budget), invoices and quotes, and four entries awaiting Acme's approval."""
    d = dt.date(2026, 3, 16)  # a Monday
    entries = [
        entry("w1", "web", "eva", d, "7.5", description="Homepage <b>bold</b>", rate=Decimal(90)),
        entry("w2", "web", "tom", d - dt.timedelta(days=1), "2", description="Design review"),
        entry("w3", "web", "eva", d - dt.timedelta(days=8), "3", description="Bugfix"),
        entry("w4", "web", "tom", d - dt.timedelta(days=15), "4", task="QA", billable=False),
        entry("a1", "app", "tom", d - dt.timedelta(days=2), "5", description="App work"),
        entry("p1", "web", "eva", d - dt.timedelta(days=3), "1", approval=PENDING),
        entry("p2", "web", "tom", d - dt.timedelta(days=3), "2", approval=PENDING),
        entry("p3", "app", "tom", d - dt.timedelta(days=4), "3", approval=PENDING),
        entry("p4", "app", "eva", d - dt.timedelta(days=5), "0.5", approval=PENDING),
        entry("g1", "erp", "sam", d, "8", description="Globex secret"),
    ]
    entries += [
        entry(f"x{i:05d}", "web", ("eva", "tom")[i % 2], d - dt.timedelta(days=20 + i % 60), "0.25")
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
class World:
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


def make_world(extra_entries: int = 0, *, limiter_capacity: int = 1000) -> World:
    clock = ManualClock(T0)
    store = MemoryStore()
    data = MemoryDataSource(dataset(extra_entries), store, documents=DOCUMENTS)
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
    service.admin.create_portal(
        id="acme-en",
        client_id="acme",
        name="Acme portal",
        project_ids=["web", "app"],
        contact_ids=["anna", "bob"],
        language="en",
        settings=FULL,
    )
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
    return World(clock, store, data, service, limiter)


# --------------------------------------------------------------------------------------------------
# The WSGI client


@define
class Result:
    """What the client got back."""

    status: int
    headers: Headers
    body: bytes
    chunks: int = 1

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


def _path_matches(cookie_path: str, request_path: str) -> bool:
    if cookie_path == request_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


@define
class WsgiClient:
    """Drives a WSGI app in process like a browser would: cookies by name and path, ``Secure``
    only over https, redirects followed on request. Every exchange goes through
    ``wsgiref.validate`` so the app is checked against PEP 3333 as well."""

    app: Any
    script_name: str = ""
    scheme: str = "http"
    remote_addr: str = "203.0.113.5"
    jar: dict[tuple[str, str], tuple[str, bool]] = field(factory=dict)

    def cookies_for(self, path: str) -> dict[str, str]:
        found = {}
        for (name, cpath), (value, secure) in sorted(self.jar.items(), key=lambda i: -len(i[0][1])):
            if secure and self.scheme != "https":
                continue
            if _path_matches(cpath, path) and name not in found:
                found[name] = value
        return found

    def _store(self, set_cookie: str) -> None:
        parts = [p.strip() for p in set_cookie.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {p.split("=", 1)[0].lower(): [*p.split("=", 1), ""][1] for p in parts[1:]}
        path = attrs.get("path", "/")
        if attrs.get("max-age") == "0":
            self.jar.pop((name, path), None)
        else:
            self.jar[(name, path)] = (value, "secure" in attrs)

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        json: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        follow: bool = False,
        content_length: str | None = None,
    ) -> Result:
        parts = urlsplit(url)
        path = parts.path
        headers = dict(headers or {})
        if data is not None:
            body = urlencode(
                list(data.items()) if isinstance(data, Mapping) else list(data)
            ).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif json is not None:
            body = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        body = body or b""
        assert path.startswith(self.script_name), (path, self.script_name)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": self.script_name,
            "PATH_INFO": unquote(path[len(self.script_name) :]).encode().decode("latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": "portal.test",
            "SERVER_PORT": "443" if self.scheme == "https" else "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if body or method == "POST":
            environ["CONTENT_LENGTH"] = content_length or str(len(body))
        for key, value in headers.items():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[name] = value
            else:
                environ["HTTP_" + name] = value
        cookies = self.cookies_for(path)
        if cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        captured: dict[str, Any] = {}

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = Headers(response_headers)
            return lambda data: None

        iterable = validator(self.app)(environ, start_response)
        chunks = []
        try:
            for chunk in iterable:
                chunks.append(chunk)
        finally:
            iterable.close()  # type: ignore[attr-defined]
        result = Result(captured["status"], captured["headers"], b"".join(chunks), len(chunks))
        for cookie in result.headers.get_all("Set-Cookie"):
            self._store(cookie)
        if follow and result.status in (301, 302, 303, 307, 308) and result.location:
            return self.request("GET", result.location, follow=True)
        return result

    def get(self, url: str, **kw: Any) -> Result:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Result:
        return self.request("POST", url, **kw)


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: Result) -> str:
    """The CSRF token of the first form on ``page``."""
    found = CSRF_INPUT.search(page.text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def open_portal(
    client: WsgiClient, world: World, portal_id: str = "acme-en", contact_id: str | None = "bob"
) -> Result:
    """Open a new link of ``portal_id`` in ``client`` and follow it to the overview."""
    token = world.link(portal_id, contact_id)
    return client.get(f"{client.script_name}/l/{token}", follow=True)
