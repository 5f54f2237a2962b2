"""The floor of ``benchmarks/pages.py``: a bare WSGI app that runs the portal's own SQL for a page.

For each page path given, the portal's WSGI app (built as ``clientportal serve`` builds it) is
called in this process with a session cookie, and the SQL statements of its third call (the first
two warm up whatever the portal remembers) are captured with SQLAlchemy's
``before_cursor_execute`` event: their text and parameters exactly as they reach the database
driver, and where the portal's transactions end (a commit, or a connection returned to the pool,
which rolls back). On waitress with the portal's thread count, the floor answers each request for
one of those paths by replaying exactly those statements through the raw DBAPI (``sqlite3`` or
``psycopg``: one connection per thread, set up by the portal's own engine, so with the same
pragmas) and rendering every fetched row into an HTML page with :class:`string.Template`. What it
leaves out is everything the portal does besides SQL: routing, checking the cookie's signature,
building domain records, the visibility filter, translations and Jinja2.

Run by ``pages.py`` (not on its own): ``.venv/bin/python benchmarks/floor.py --db URL --cookie
'name=value' --path /portal/lumen [--path ...]`` prints ``floor serving on http://...`` and one
line per path, then serves until SIGTERM. The secret keys come from ``CLIENTPORTAL_SECRET_KEYS``
(or the SQLite key file), as for ``clientportal serve``.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import os
import sys
import threading
from collections.abc import Callable, Iterable
from string import Template
from typing import Any

from attrs import frozen
from sqlalchemy import Engine, event

from clientportal.cli.serving import default_threads  # the portal's waitress threads

WARM_UP_CALLS = 2

PAGE = Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>$title</title></head>
<body><h1>$title</h1>
$tables
</body></html>
"""
)
TABLE = Template("<table>\n<caption>$caption</caption>\n$rows</table>\n")


@frozen
class Step:
    """One thing the portal did on the database: a statement (``sql`` set) or the end of a
    transaction (``end``: ``"commit"``, or ``"release"`` for a connection given back to the pool,
    which rolls back what is open). ``autocommit``: the PostgreSQL connection's mode."""

    sql: str | None = None
    parameters: Any = None
    many: bool = False
    autocommit: bool | None = None
    end: str | None = None


def environ(path: str, cookie: str) -> dict[str, Any]:
    """A WSGI environ of ``GET path`` from 127.0.0.1 with ``cookie``."""
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def call(app: Callable[..., Iterable[bytes]], path: str, cookie: str) -> tuple[str, bytes]:
    """The status line and body of ``GET path`` on the WSGI ``app``."""
    status: list[str] = []

    def start_response(line: str, _headers: Any, _exc_info: Any = None) -> None:
        status.append(line)

    answer = app(environ(path, cookie), start_response)
    try:
        body = b"".join(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()
    return status[0], body


def capture(
    engine: Engine, app: Callable[..., Iterable[bytes]], path: str, cookie: str
) -> list[Step]:
    """The database steps of one warm ``GET path`` on the portal's ``app`` (on ``engine``)."""
    steps: list[Step] = []

    def statement(conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        driver = conn.connection.driver_connection
        mode = getattr(driver, "autocommit", None) if engine.dialect.name != "sqlite" else None
        steps.append(Step(sql=sql, parameters=params, many=many, autocommit=mode))

    def commit(_conn: Any) -> None:
        steps.append(Step(end="commit"))

    def release(_dbapi: Any, _record: Any) -> None:
        steps.append(Step(end="release"))

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", statement),
        ("commit", commit),
        ("checkin", release),
    ]
    for _ in range(WARM_UP_CALLS):
        call(app, path, cookie)
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        status, _ = call(app, path, cookie)
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
    if not status.startswith("200"):
        raise SystemExit(
            f"floor: the portal answers {status!r} to GET {path} with the given cookie: "
            "give the cookie of a session opened on this database (and the same secret keys)"
        )
    return steps


class Replay:
    """Replays captured steps on a raw DBAPI connection of this thread (taken from ``engine``'s
    pool once, and kept) and renders what they fetch."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._local = threading.local()

    def connection(self) -> Any:
        """This thread's DBAPI connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self._local.fairy = self.engine.raw_connection()  # checked out for good
            conn = self._local.conn = self._local.fairy.driver_connection
            conn.rollback()
        return conn

    def _in_transaction(self, conn: Any) -> bool:
        if self.sqlite:
            return bool(conn.in_transaction)
        import psycopg

        return bool(conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)

    def run(self, steps: list[Step]) -> list[list[tuple[Any, ...]]]:
        """Replay ``steps``: the rows each statement fetched."""
        conn = self.connection()
        results: list[list[tuple[Any, ...]]] = []
        for step in steps:
            if step.end is not None:
                if self._in_transaction(conn):
                    (conn.commit if step.end == "commit" else conn.rollback)()
                continue
            if self.sqlite and step.sql == "BEGIN" and conn.in_transaction:
                conn.rollback()
            if step.autocommit is not None and conn.autocommit != step.autocommit:
                if self._in_transaction(conn):
                    conn.rollback()
                conn.autocommit = step.autocommit
            cursor = conn.cursor()
            try:
                if step.many:
                    cursor.executemany(step.sql, step.parameters)
                else:
                    cursor.execute(step.sql, step.parameters)
                if cursor.description is not None:
                    results.append(list(cursor.fetchall()))
            finally:
                cursor.close()
        if self._in_transaction(conn):
            conn.rollback()
        return results


def render(title: str, results: list[list[tuple[Any, ...]]]) -> bytes:
    """Every row of ``results`` as an HTML table, one per statement."""
    tables = []
    for number, rows in enumerate(results, 1):
        lines = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>\n"
            for row in rows
        )
        tables.append(TABLE.substitute(caption=f"query {number}: {len(rows)} rows", rows=lines))
    return PAGE.substitute(title=html.escape(title), tables="".join(tables)).encode()


def floor_app(replay: Replay, pages: dict[str, list[Step]]) -> Callable[..., Iterable[bytes]]:
    """The floor's WSGI app: ``pages`` maps a path (with its query string, if any) to the steps
    replayed for it; other paths answer 404."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        steps = pages.get(path)
        if steps is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not a page of the floor\n"]
        body = render(path, replay.run(steps))
        start_response(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", help="the portal's database URL")
    parser.add_argument("--cookie", help="a session cookie of that database, name=value")
    parser.add_argument("--path", action="append", default=[], help="a page (repeatable)")
    parser.add_argument("--threads", type=int, help="default: the portal's for the database")
    args = parser.parse_args(argv)
    if not args.db:  # `make bench` runs every script: this one only serves pages.py
        print("floor.py is run by benchmarks/pages.py (see its docstring); nothing to do alone")
        return 0
    if not args.cookie or not args.path:
        parser.error("give --cookie and at least one --path")

    import waitress  # type: ignore[import-untyped]

    from clientportal.cli.context import Context
    from clientportal.web import make_wsgi_app

    keys = os.environ.get("CLIENTPORTAL_SECRET_KEYS")  # as `clientportal serve` reads them
    context = Context(args.db, keys=[keys] if keys else ())
    service = context.service(base_url="http://127.0.0.1")
    portal = make_wsgi_app(service)
    engine = context.store.engine
    pages = {path: capture(engine, portal, path, args.cookie) for path in args.path}
    replay = Replay(engine)
    for path, steps in pages.items():
        rows = sum(len(rows) for rows in replay.run(steps))  # and a check that they replay
        statements = sum(step.sql is not None for step in steps)
        print(f"floor replays {statements} statements for {path} ({rows} rows)", flush=True)
    threads = args.threads or default_threads(args.db)
    server = waitress.create_server(
        floor_app(replay, pages), host="127.0.0.1", port=0, threads=threads, ident="floor"
    )
    print(f"floor serving on http://127.0.0.1:{server.effective_port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()  # until SIGTERM (its default action ends the process: nothing to clean up)
    return 0


if __name__ == "__main__":
    sys.exit(main())
