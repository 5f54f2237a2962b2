"""Finding 2: unauthenticated requests must not grow the access log without limit.

A real HTTP server (waitress in a thread) over a SQLite :class:`~clientportal.sql.SqlStore`: a
flood of requests with a junk session cookie, over one keep-alive connection, adds a handful of
access-log rows, not one per request.
"""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL store needs SQLAlchemy (the sql extra)")
pytest.importorskip("waitress", reason="the server needs waitress (the web extra)")

from sec_sql_world import PORTAL, lumen_service
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from clientportal.errors import AccessDenied
from clientportal.sql import create_engine, tables
from clientportal.sql.testing import ready_for_tests
from clientportal.web import make_wsgi_app
from clientportal.web.security import session_cookie_name
from servers import on_waitress

KEY = "log-flood-test-secret-key-0123456789"
FLOOD = 5_000


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.access_log)).scalar_one())


def test_sec_a_junk_cookie_flood_adds_a_handful_of_log_rows(tmp_path: Path) -> None:
    """Finding 2: 5,000 requests with a junk session cookie add at most 50 access-log rows."""
    engine = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'flood.sqlite3'}"))
    service = lumen_service(engine, KEY)
    service.links.issue(PORTAL, "ruud")
    before = _rows(engine)
    cookie = f"{session_cookie_name(PORTAL)}=junk-session-value"
    with on_waitress(make_wsgi_app(service)) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        statuses = set()
        for _ in range(FLOOD):
            conn.request("GET", f"/portal/{PORTAL}", headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            statuses.add(response.status)
        conn.close()
    assert statuses <= {404, 429}  # not found, or too many failures from this address
    added = _rows(engine) - before
    assert 0 < added <= 50, f"{FLOOD} junk-cookie requests added {added} access-log rows"
    engine.dispose()


@pytest.mark.parametrize(
    ("backend", "requests", "address"),
    [
        ("memory", 5_000, "2001:db8:0:1:{n:x}::1"),  # ever new addresses of one IPv6 /64
        ("memory", 5_000, "198.51.100.{n:d}"),  # and of one IPv4 /24 (254 of them, over again)
        ("sqlite", 1_000, "2001:db8:0:1:{n:x}::1"),
    ],
)
def test_sec_a_flood_from_ever_new_addresses_of_one_prefix_adds_a_bounded_number_of_rows(
    backend: str, requests: int, address: str, tmp_path: Path
) -> None:
    """Finding 2 (second look): the log's budget is per address, so a client that changes its
    address within its prefix for every request got a row each time — 5,000 rows from one /64.
    Once the prefix is rate limited, refusals are no longer stored: about the prefix's budget
    (100) of rows, whatever the number of requests."""
    from clientportal import AccessGate
    from clientportal.memory import MemoryStore
    from clientportal.sql import SqlStore

    store = (
        MemoryStore()
        if backend == "memory"
        else SqlStore(ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'prefix.sqlite3'}")))
    )
    gate = AccessGate(store, KEY, log=store, limits=store)
    for n in range(requests):
        with pytest.raises(AccessDenied):
            gate.check_session("junk.value.here", client=address.format(n=n % 254 + 1))
    rows = len(store.access_events())
    assert 20 <= rows <= 150, f"{requests} requests from one prefix added {rows} rows"
