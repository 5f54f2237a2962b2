"""The JSON API's worlds for the security tests: the web world's company behind the memory
backends, or behind ``SqlStore`` and ``SqlDataSource`` on SQLite or on PostgreSQL (a schema of its
own), so database errors are real. A browser has opened Bob's link of ``acme-en``."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest
from attrs import frozen
from webtools import WsgiClient

from clientportal import TokenBucketLimiter
from clientportal.memory import ManualClock
from clientportal.service import PortalService
from clientportal.web import make_wsgi_app
from worlds import EXTERNAL, MAIL, SECRET, WEB_T0, create_acme_en, web_dataset, web_world

#: The backends every API security test runs on.
BACKENDS = ("memory", "sqlite", "postgres")
#: The portal the browser opened (:func:`worlds.create_acme_en`), and its CSRF header.
PORTAL = "acme-en"
CSRF = "X-CSRF-Token"


@frozen
class ApiWorld:
    """A service, a browser with Bob's session of :data:`PORTAL`, and its CSRF token."""

    backend: str
    service: PortalService
    browser: WsgiClient
    csrf_token: str

    @property
    def session_cookie(self) -> tuple[str, str]:
        """The session cookie's name and value, as the browser sends it."""
        ((name, value),) = self.browser.cookies_for(f"/api/portals/{PORTAL}").items()
        return name, value


def _sql_service(engine: object) -> PortalService:
    from clientportal.sql import SqlDataSource, SqlStore, load_dataset

    load_dataset(engine, web_dataset())  # type: ignore[arg-type]
    service = PortalService(
        SqlDataSource(engine),  # type: ignore[arg-type]
        SqlStore(engine),  # type: ignore[arg-type]
        mail=MAIL,
        secret_keys=SECRET,
        clock=ManualClock(WEB_T0),
        policy=EXTERNAL,
        client_limiter=TokenBucketLimiter(capacity=100_000, refill_every=dt.timedelta(hours=1)),
    )
    create_acme_en(service)
    return service


@contextlib.contextmanager
def _service(backend: str) -> Iterator[PortalService]:
    if backend == "memory":
        yield web_world(limiter_capacity=100_000).service
        return
    pytest.importorskip("sqlalchemy", reason="the SQL backend needs the sql extra")
    from clientportal.sql import create_engine
    from clientportal.sql.testing import postgres_url, ready_for_tests, temporary_schema

    if backend == "sqlite":
        engine = ready_for_tests(create_engine("sqlite://"))
        try:
            yield _sql_service(engine)
        finally:
            engine.dispose()
        return
    with temporary_schema(postgres_url()) as engine:
        yield _sql_service(ready_for_tests(engine))


@contextlib.contextmanager
def api_world(backend: str) -> Iterator[ApiWorld]:
    """The world of ``backend`` with Bob's link of :data:`PORTAL` opened in a browser."""
    with _service(backend) as service:
        browser = WsgiClient(make_wsgi_app(service))
        token = service.links.issue(PORTAL, "bob").token
        opened = browser.get(f"/l/{token}", follow=True)
        assert opened.status == 200, opened.text
        session = browser.get(f"/api/portals/{PORTAL}/session")
        assert session.status == 200, session.text
        yield ApiWorld(backend, service, browser, session.json()["csrf_token"])
