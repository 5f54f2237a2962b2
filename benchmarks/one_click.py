"""Benchmark: the one-click action page (``GET /act/{token}``) and its decision (``POST``), through
the WSGI app (``clientportal.web.make_wsgi_app``), for approval requests listing 10 and 200 entries.

A SQLite file holds the store (``SqlStore``; the entries come from a ``MemoryDataSource`` over
it). For each size, ``1 + --posts`` portals (one client, one contact, one project of that many
time entries each) are asked for approval through ``service.approvals.submit``; the action
token is read from each approval-request e-mail in the outbox, as the contact's mail program
would show it. Timed:

- GET: ``--repeat`` fetches of the first portal's page by a browser without cookies (a GET
  changes nothing, so every fetch sees the same page; median);
- POST: one approval per other portal (a link decides once), each after its own GET for the
  double-submit cookie and the form's CSRF field; the POST alone is timed (median). It includes
  the company's notice, which carries the sign-off PDF when the ``pdf`` extra (fpdf2) is
  installed. No target: printed for the record.

Targets: GET <= 50 ms at 10 entries, and <= 100 ms at 200 (a page listing twenty times as
many rows may cost more, never more than a tenth of a second; the growth is printed).

``--profile`` prints the top functions (cProfile) of a GET and of a POST at each size.

Run: ``.venv/bin/python benchmarks/one_click.py [--sizes 10,200] [--repeat 21] [--posts 5]
[--profile]``. Not a test; exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import email
import email.policy
import io
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from clientportal import (
    ApprovalPolicy,
    MailSettings,
    MemoryDataSource,
    PortalService,
    PortalSettings,
    Workflow,
)
from clientportal.model import Client, Contact, Dataset, Employee, Portal, Project, TimeEntry
from clientportal.sql import SqlStore, create_engine, upgrade
from clientportal.web import make_wsgi_app
from clientportal.workflow import Actor, Party

GET_TARGET_MS = 50.0
LARGEST_TARGET_MS = 100.0
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MAX = Actor(Party.MANAGER, "max")
MAIL = MailSettings(
    sender_name="Bench",
    sender_address="bench@example.com",
    message_id_domain="example.com",
    base_url="https://example.com/",
    listed_entries=500,
)
ACTION = re.compile(r"https://example\.com/act/([A-Za-z0-9_.-]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
Answer = tuple[int, list[tuple[str, str]], bytes]


def dataset(sizes: list[int], portals: int) -> Dataset:
    """Per size and portal, a client with one contact and a project of ``size`` entries."""
    names = [(size, n) for size in sizes for n in range(portals)]
    day = dt.date(2026, 2, 2)
    return Dataset(
        clients=[Client(f"c{s}-{n}", f"Client {s}-{n}") for s, n in names],
        contacts=[
            Contact(f"k{s}-{n}", f"c{s}-{n}", f"Contact {s}-{n}", f"k{s}-{n}@example.com")
            for s, n in names
        ],
        employees=[Employee("e0", "Employee 0"), Employee("max", "Max Manager")],
        projects=[
            Project(f"pr{s}-{n}", f"c{s}-{n}", f"Project {s}-{n}", member_ids={"e0"})
            for s, n in names
        ],
        entries=[
            TimeEntry(
                id=f"t{s}-{n}-{i}",
                project_id=f"pr{s}-{n}",
                employee_id="e0",
                date=day + dt.timedelta(days=i % 28),
                seconds=900 * (1 + i % 8),
                description=f"Work item {i}",
            )
            for s, n in names
            for i in range(s)
        ],
    )


def call(app: Any, method: str, path: str, *, cookie: str = "", body: bytes = b"") -> Answer:
    """One request to the WSGI ``app``: status, headers, body."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if method == "POST":
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = headers
        return lambda data: None

    iterable = app(environ, start_response)
    try:
        content = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], content


def tokens(store: SqlStore) -> dict[str, str]:
    """The action token of each approval-request e-mail in the outbox, by contact id."""
    found: dict[str, str] = {}
    for queued in store.pending():
        message = email.message_from_bytes(queued.message, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        text = "" if part is None else str(part.get_content())  # type: ignore[attr-defined]
        for token in ACTION.findall(text):
            found[str(message["To"]).split("<")[1].split("@")[0]] = token
    return found


def timed(run: Any) -> tuple[float, Answer]:
    started = time.perf_counter()
    answer = run()
    return (time.perf_counter() - started) * 1000, answer


def page_ms(app: Any, token: str, size: int) -> float:
    """One GET of the action page, in ms (checked: it lists every entry)."""
    ms, (status, _, body) = timed(lambda: call(app, "GET", f"/act/{token}"))
    if status != 200 or body.count(b"Work item ") < size:
        raise SystemExit(f"the action page failed: {status} {body[:300]!r}")
    return ms


def decision_ms(app: Any, token: str, size: int) -> float:
    """A GET (for the cookie and the CSRF field), then the approving POST alone, in ms."""
    status, headers, body = call(app, "GET", f"/act/{token}")
    found = CSRF.search(body.decode())
    if status != 200 or found is None:
        raise SystemExit(f"the action page failed: {status} {body[:300]!r}")
    cookie = "; ".join(
        value.split(";", 1)[0] for name, value in headers if name.lower() == "set-cookie"
    )
    form = urlencode({"csrf_token": found.group(1), "action": "approve"}).encode()
    ms, (status, _, body) = timed(
        lambda: call(app, "POST", f"/act/{token}", cookie=cookie, body=form)
    )
    if status != 200 or f"{size} time entries approved".encode() not in body:
        raise SystemExit(f"the decision failed: {status} {body[:600]!r}")
    return ms


def profiled(name: str, run: Any) -> None:
    """Run ``run()`` under cProfile and print its top functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    print(f"-- {name}: top functions (cumulative) --")
    stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
    stats.print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,200")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    portals = 1 + args.posts + int(args.profile)
    gets: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'one_click.sqlite3'}")
        try:
            upgrade(engine)
            store = SqlStore(engine)
            data = dataset(sizes, portals)
            for size in sizes:
                for n in range(portals):
                    store.put_portal(
                        Portal(
                            id=f"p{size}-{n}",
                            client_id=f"c{size}-{n}",
                            name=f"Portal {size}-{n}",
                            settings=PortalSettings(approval=True),
                            project_ids={f"pr{size}-{n}"},
                            contact_ids={f"k{size}-{n}"},
                            created_at=T0,
                        )
                    )
            service = PortalService(
                MemoryDataSource(data, store),
                store,
                secret_keys=["one-click-benchmark-secret-key-0123456789"],
                mail=MAIL,
                policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
            )
            for size in sizes:
                for n in range(portals):
                    ids = [f"t{size}-{n}-{i}" for i in range(size)]
                    if not service.approvals.submit(ids, by=MAX).all_applied:
                        raise SystemExit(f"the submission of portal p{size}-{n} failed")
            found = tokens(store)
            app = make_wsgi_app(service)
            for size in sizes:
                first = found[f"k{size}-0"]
                page_ms(app, first, size)  # warm the templates and the connection pool
                get = statistics.median(page_ms(app, first, size) for _ in range(args.repeat))
                posts = [
                    decision_ms(app, found[f"k{size}-{n}"], size) for n in range(1, 1 + args.posts)
                ]
                if args.profile:
                    last = found[f"k{size}-{portals - 1}"]
                    profiled(f"GET at {size}", lambda t=first, s=size: page_ms(app, t, s))
                    profiled(f"POST at {size}", lambda t=last, s=size: decision_ms(app, t, s))
                post = statistics.median(posts)
                gets[size] = get
                print(
                    f"SQLite {size:>4} entries listed: GET {get:6.1f} ms "
                    f"(median of {args.repeat}); POST approve {post:7.1f} ms "
                    f"(median of {len(posts)}, {post / size:.2f} ms/entry)",
                    flush=True,
                )
        finally:
            engine.dispose()
    smallest, largest = sizes[0], sizes[-1]
    growth = gets[largest] / gets[smallest]
    print(
        f"GET at {smallest}: {gets[smallest]:.1f} ms (target <= {GET_TARGET_MS:.0f}); "
        f"at {largest}: {gets[largest]:.1f} ms (target <= {LARGEST_TARGET_MS:.0f}); "
        f"{largest} vs {smallest}: x{growth:.2f}"
    )
    if gets[smallest] > GET_TARGET_MS or gets[largest] > LARGEST_TARGET_MS:
        print("target missed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
