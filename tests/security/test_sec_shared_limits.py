"""Finding 10: the rate limits must hold across processes, not per process.

Two real ``clientportal serve`` processes on one database (SQLite, and PostgreSQL when
``CLIENTPORTAL_TEST_POSTGRES_URL`` is set): failed opens spread over both spend one budget per
client address, so the address is blocked on both once the budget (20 failures) is spent.
"""

from __future__ import annotations

import http.client
import secrets
import subprocess
import sys
import urllib.parse
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

import pytest

pytest.importorskip("click", reason="the CLI needs click (the cli extra)")
pytest.importorskip("sqlalchemy", reason="the SQL store needs SQLAlchemy (the sql extra)")
pytest.importorskip("waitress", reason="serve needs waitress (the web extra)")

from sec_sql_world import PORTAL, lumen_service
from sqlalchemy.engine import Engine

from clientportal.sql import create_engine
from clientportal.sql.testing import postgres_url, ready_for_tests, schema_name, temporary_schema
from servers import cli_env, serving

KEY = "shared-limits-test-secret-key-0123456789"
BAD_OPENS = 30


def _link_token(engine: Engine) -> str:
    """A portal with a link for its contact in the database of ``engine``: the link's token."""
    ready_for_tests(engine)
    return lumen_service(engine, KEY).links.issue(PORTAL, "ruud").token


def _serving(db: str) -> AbstractContextManager[int]:
    """``clientportal --db DB serve --port 0`` as a subprocess; entered, the port it listens on."""
    return serving(
        subprocess.Popen(
            [sys.executable, "-m", "clientportal.cli", "--db", db, "--secret-key", KEY,
             "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(),
        )
    )  # fmt: skip


def _status(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def _bad_opens_block_the_address_on_both_servers(db: str, token: str) -> None:
    with ExitStack() as stack:
        ports = [stack.enter_context(_serving(db)) for _ in range(2)]
        conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=20) for p in ports]
        for n in range(BAD_OPENS):
            junk = urllib.parse.quote(secrets.token_urlsafe(40))
            assert _status(conns[n % 2], f"/l/{junk}") in (404, 429)
        statuses = [_status(conn, f"/l/{token}") for conn in conns]
        for conn in conns:
            conn.close()
    assert statuses == [429, 429], (
        f"after {BAD_OPENS} failed opens spread over two servers, a good link answered "
        f"{statuses}: each server limits on its own"
    )


def test_sec_failed_opens_are_limited_across_two_servers_on_sqlite(tmp_path: Path) -> None:
    """Finding 10: 30 failed opens spread over two `serve` processes on one SQLite file block
    the address on both (a valid link answers 429)."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    engine = create_engine(url)
    token = _link_token(engine)
    engine.dispose()
    _bad_opens_block_the_address_on_both_servers(url, token)


def test_sec_failed_opens_are_limited_across_two_servers_on_postgresql() -> None:
    """Finding 10: the same with two `serve` processes on one PostgreSQL schema."""
    name = schema_name("cp_sec_limits")
    with temporary_schema(postgres_url(), name=name) as engine:
        token = _link_token(engine)
        db = engine.url.update_query_dict({"options": f"-csearch_path={name}"})
        _bad_opens_block_the_address_on_both_servers(db.render_as_string(False), token)
