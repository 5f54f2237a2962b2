"""Support for the framework tests: a small world, the portal mounted in each framework, and a
cookie-keeping client that speaks to any of them the same way.

Every test builds its own service (a fresh in-memory store), so tests are independent and safe
under pytest-xdist.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import unquote, urlencode, urlsplit

import pytest
from attrs import frozen

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    Contact,
    Dataset,
    Employee,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

#: Where every test mounts the portal.
MOUNT = "/portal"
TODAY = dt.date(2026, 3, 20)
PENDING = ("e1", "e2", "e3")


def require(module: str, extra: str) -> Any:
    """Import ``module``, or skip the calling test module (fail it under CI=true) with the pip
    extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        reason = f"{module} is not installed (pip install 'clientportal[{extra}]'): {error}"
        if IN_CI:
            pytest.fail(f"CI=true: the framework tests must run, but {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)


def world(entries: int = 12) -> Dataset:
    """Acme's website: two employees, ``entries`` entries of which three wait for the client."""
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, version=1)
    names = ["Wireframes", "Contact form", "Hosting", "Review meeting", "Copy edits"]
    return Dataset(
        clients=[Client("acme", "Acme Bakery"), Client("globex", "Globex")],
        contacts=[Contact("ann", "acme", "Ann Baker", "ann@acme.example", "en")],
        employees=[Employee("eva", "Eva Jansen"), Employee("tom", "Tom Bakker")],
        projects=[
            Project("web", "acme", "New website", member_ids={"eva", "tom"}),
            Project("erp", "globex", "ERP migration", member_ids={"tom"}),
        ],
        entries=[
            TimeEntry(
                f"e{n}",
                "web",
                "eva" if n % 2 else "tom",
                TODAY - dt.timedelta(days=n % 40),
                1800 * (1 + n % 6),
                f"{names[n % len(names)]} #{n}",
                approval=waiting if f"e{n}" in PENDING else ApprovalState(),
            )
            for n in range(1, entries + 1)
        ]
        + [TimeEntry("x1", "erp", "tom", TODAY, 3600, "Globex secret work")],
        budgets=[Budget("b1", "web", BudgetType.TOTAL_HOURS, Decimal("80"), Decimal("12"))],
    )


def make_service(
    entries: int = 12, *, base_url: str = "http://testserver" + MOUNT
) -> PortalService:
    """A service over :func:`world` with the portal ``acme`` (hours, budget, approval)."""
    store = MemoryStore()
    service = PortalService(
        MemoryDataSource(world(entries), store),
        store,
        secret_keys=["contrib-tests-secret-key-0123456789abcdef"],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Studio",
            sender_address="hours@studio.example",
            message_id_domain="studio.example",
            base_url=base_url,
        ),
    )
    service.admin.create_portal(
        id="acme",
        client_id="acme",
        name="Acme website",
        project_ids={"web"},
        contact_ids={"ann"},
        settings=PortalSettings(show_budget=True, approval=True),
    )
    return service


def link_path(service: PortalService) -> str:
    """The path (under the host's root) of a new link for Ann."""
    return urlsplit(service.mail.link_url(service.links.issue("acme", "ann").token)).path


# --------------------------------------------------------------------------------------------------
# One client for every framework


@frozen
class Answer:
    """A response as the tests look at it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name``."""
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name``."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8")


class PortalClient(Protocol):
    """A cookie-keeping HTTP client for one mounted app."""

    def request(
        self, method: str, path: str, *, form: Iterable[tuple[str, str]] | None = None
    ) -> Answer: ...


class WsgiClient:
    """Werkzeug's test client over any WSGI app (plain, Flask, Django)."""

    def __init__(self, app: Any) -> None:
        from werkzeug.test import Client as _Client

        self._client = _Client(app)

    def request(
        self, method: str, path: str, *, form: Iterable[tuple[str, str]] | None = None
    ) -> Answer:
        kwargs: dict[str, Any] = {}
        if form is not None:
            kwargs["data"] = urlencode(list(form))
            kwargs["content_type"] = "application/x-www-form-urlencoded"
        response = self._client.open(path, method=method, **kwargs)
        try:
            return Answer(response.status_code, tuple(response.headers.items()), response.data)
        finally:
            response.close()


class AsgiClient:
    """A minimal cookie-keeping client that calls any ASGI app (plain, FastAPI, Starlette)
    directly, one event loop per request, as a server would."""

    def __init__(self, app: Any, *, root_path: str = "") -> None:
        self._app = app
        self._root_path = root_path
        self._cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, form: Iterable[tuple[str, str]] | None = None
    ) -> Answer:
        body = b"" if form is None else urlencode(list(form)).encode()
        headers = [("host", "testserver")]
        if form is not None:
            headers.append(("content-type", "application/x-www-form-urlencoded"))
            headers.append(("content-length", str(len(body))))
        if self._cookies:
            headers.append(("cookie", "; ".join(f"{k}={v}" for k, v in self._cookies.items())))
        status, answer_headers, chunks = call_asgi(
            self._app, method, path, headers, body, root_path=self._root_path
        )
        for name, value in answer_headers:
            if name.lower() == "set-cookie":
                pair, *attributes = value.split(";")
                key, _, val = pair.strip().partition("=")
                if any(a.strip().lower() == "max-age=0" for a in attributes):
                    self._cookies.pop(key, None)
                else:
                    self._cookies[key] = val
        return Answer(status, tuple(answer_headers), b"".join(chunks))


def call_asgi(
    app: Any,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    *,
    root_path: str = "",
) -> tuple[int, list[tuple[str, str]], list[bytes]]:
    """Call an ASGI app once: its status, headers and the body messages' chunks.

    ``target`` is the full path; ``root_path`` is where a server says the app is mounted (a
    prefix of ``target``, as uvicorn's ``--root-path`` gives it).
    """
    path, _, query = target.partition("?")
    sent: list[dict[str, Any]] = []
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.sleep(3600)  # the client waits for the answer: no disconnect
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "root_path": root_path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]
    chunks = [m["body"] for m in sent if m["type"] == "http.response.body" and m.get("body")]
    return start["status"], answer_headers, chunks


# --------------------------------------------------------------------------------------------------
# The portal mounted at MOUNT in each host


def wsgi_host(service: PortalService) -> Any:
    """A plain WSGI app with the portal under MOUNT (its own prefix) beside a host page."""
    from clientportal.web import make_wsgi_app

    portal = make_wsgi_app(service, prefix=MOUNT)

    def host(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"].startswith(MOUNT):
            return portal(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"host"]

    return host


def asgi_host(service: PortalService) -> Any:
    """A plain ASGI app with the portal under MOUNT (its own prefix) beside a host page."""
    from clientportal.web import make_asgi_app

    portal = make_asgi_app(service, prefix=MOUNT)

    async def host(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(MOUNT):
            await portal(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"host"})

    return host


def flask_host(service: PortalService) -> Any:
    """A Flask app with the portal's blueprint at MOUNT and a page of its own."""
    flask = require("flask", "flask")
    from clientportal.contrib.flask import portal_blueprint

    app = flask.Flask("host")
    app.register_blueprint(portal_blueprint(service), url_prefix=MOUNT)
    app.add_url_rule("/", "home", lambda: "host")
    return app


def fastapi_host(service: PortalService) -> Any:
    """A FastAPI app with the portal mounted at MOUNT and a route of its own."""
    fastapi = require("fastapi", "fastapi")
    from clientportal.contrib.fastapi import mount_portal

    app = fastapi.FastAPI()
    mount_portal(app, service, path=MOUNT)
    app.get("/")(lambda: {"host": True})
    return app


_DJANGO_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def django_setup() -> None:
    """Configure Django once per process (the usual middleware, the library's app, an unused
    in-memory database)."""
    require("django", "django")
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="django-tests-secret-key-0123456789",
            ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
            ROOT_URLCONF=UrlConf([]),
            # The library's app (its migrations); tests/contrib/django_native add databases.
            INSTALLED_APPS=["clientportal.contrib.django"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            MIDDLEWARE=_DJANGO_MIDDLEWARE,
            USE_TZ=True,
        )
        django.setup()


class UrlConf:
    """A URLconf without a module (hashable, as Django's resolver cache needs)."""

    def __init__(self, urlpatterns: list[Any]) -> None:
        self.urlpatterns = urlpatterns


class DjangoHost:
    """Django's WSGI handler serving ``urlpatterns`` (made the ROOT_URLCONF on each call)."""

    def __init__(self, urlpatterns: list[Any]) -> None:
        django_setup()
        from django.core.handlers.wsgi import WSGIHandler

        self.urlconf = UrlConf(urlpatterns)
        self._handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        from django.conf import settings

        settings.ROOT_URLCONF = self.urlconf
        return self._handler(environ, start_response)


def django_host(service: PortalService) -> Any:
    """A Django project with ``path("portal/", include(portal_urls(service)))``."""
    django_setup()
    from django.http import HttpResponse
    from django.urls import include, path

    from clientportal.contrib.django import portal_urls

    return DjangoHost(
        [
            path("", lambda request: HttpResponse("host")),
            path(MOUNT.strip("/") + "/", include(portal_urls(service))),
        ]
    )


#: name -> (build the host app, wrap it in a client, the raw protocol)
HOSTS: Mapping[str, tuple[Callable[[PortalService], Any], Callable[[Any], PortalClient], str]] = {
    "wsgi": (wsgi_host, WsgiClient, "wsgi"),
    "asgi": (asgi_host, AsgiClient, "asgi"),
    "flask": (flask_host, WsgiClient, "wsgi"),
    "fastapi": (fastapi_host, AsgiClient, "asgi"),
    "django": (django_host, WsgiClient, "wsgi"),
}


# --------------------------------------------------------------------------------------------------
# The raw protocols, to see how a body is really delivered


def wsgi_chunks(app: Any, path: str, cookie: str) -> tuple[int, list[tuple[str, str]], list[bytes]]:
    """Call a WSGI app directly: its status, headers and the body chunks as the server gets them."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path=path, headers={"Cookie": cookie}).get_environ()
    app_iter, status, headers = run_wsgi_app(app, environ)
    try:
        chunks = [bytes(c) for c in app_iter if c]
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return int(status.split()[0]), list(headers.items()), chunks


def asgi_chunks(app: Any, path: str, cookie: str) -> tuple[int, list[tuple[str, str]], list[bytes]]:
    """Call an ASGI app directly: its status, headers and the body messages' chunks."""
    return call_asgi(app, "GET", path, [("host", "testserver"), ("cookie", cookie)])


def cookie_pair(set_cookie: str) -> str:
    """``name=value`` of a ``Set-Cookie`` header."""
    return set_cookie.strip().split(";")[0]


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)
