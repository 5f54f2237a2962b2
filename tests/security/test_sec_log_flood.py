"""Finding 2: unauthenticated requests must not grow the access log without limit.

A real HTTP server (waitress in a thread) over a SQLite :class:`~clientportal.sql.SqlStore`: a
flood of requests with a junk session cookie, over one keep-alive connection, adds a handful of
access-log rows, not one per request.
"""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL store needs SQLAlchemy (the sql extra)")
pytest.importorskip("waitress", reason="the server needs waitress (the web extra)")

import waitress
from sqlalchemy import func, select

from clientportal import (
    Client,
    Contact,
    Dataset,
    Employee,
    MailSettings,
    PortalService,
    Project,
    TimeEntry,
)
from clientportal.sql import SqlDataSource, SqlStore, create_engine, load_dataset, tables
from clientportal.sql.testing import ready_for_tests
from clientportal.web import make_wsgi_app
from clientportal.web.security import session_cookie_name

KEY = "log-flood-test-secret-key-0123456789"
FLOOD = 5_000


def _dataset() -> Dataset:
    return Dataset(
        clients=[Client("lumen", "Lumen")],
        contacts=[Contact("ruud", "lumen", "Ruud", "ruud@lumen.example")],
        employees=[Employee("eva", "Eva")],
        projects=[Project("bim", "lumen", "Office", member_ids={"eva"})],
        entries=[TimeEntry("e1", "bim", "eva", dt.date(2026, 3, 2), 3600, "Survey")],
    )


@contextmanager
def _served(app: Any) -> Iterator[int]:
    """``app`` on waitress in a thread: yields its port."""
    sock = socket.create_server(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = waitress.create_server(app, sockets=[sock], threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="log-flood-waitress", daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def _rows(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.access_log)).scalar_one())


def test_sec_a_junk_cookie_flood_adds_a_handful_of_log_rows(tmp_path: Path) -> None:
    """Finding 2: 5,000 requests with a junk session cookie add at most 50 access-log rows."""
    engine = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'flood.sqlite3'}"))
    load_dataset(engine, _dataset())
    store = SqlStore(engine)
    mail = MailSettings(
        sender_name="Kade",
        sender_address="hours@kade.example",
        message_id_domain="kade.example",
        base_url="http://127.0.0.1",
    )
    service = PortalService(SqlDataSource(engine), store, secret_keys=[KEY], mail=mail)
    portal = service.admin.create_portal(
        id="lumen", client_id="lumen", name="Lumen", project_ids=["bim"], contact_ids=["ruud"]
    )
    service.links.issue(portal.id, "ruud")
    before = _rows(store)
    cookie = f"{session_cookie_name(portal.id)}=junk-session-value"
    with _served(make_wsgi_app(service)) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        statuses = set()
        for _ in range(FLOOD):
            conn.request("GET", f"/portal/{portal.id}", headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            statuses.add(response.status)
        conn.close()
    assert statuses <= {404, 429}  # not found, or too many failures from this address
    added = _rows(store) - before
    assert 0 < added <= 50, f"{FLOOD} junk-cookie requests added {added} access-log rows"
    engine.dispose()
