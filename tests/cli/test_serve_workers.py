"""`clientportal serve --workers N`: N real processes serve one port and one database (SQLite, and
PostgreSQL when ``CLIENTPORTAL_TEST_POSTGRES_URL`` is set).

Which worker served a request is read from the kernel, not from the app: the test keeps the
connection open after its response and looks up (in ``/proc``) which child process holds the
server's end of it.
"""

from __future__ import annotations

import datetime as dt
import gc
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest

pytest.importorskip("waitress", reason="serve needs waitress (the web extra)")
if not Path("/proc/net/tcp").exists():  # pragma: no cover - not Linux
    pytest.skip(
        "these tests read /proc (Linux) to see which worker served", allow_module_level=True
    )

from sqlalchemy.engine import Engine

from clientportal import (
    Client,
    Contact,
    Dataset,
    Employee,
    MailSettings,
    PortalService,
    Project,
    TimeEntry,
    TokenBucketLimiter,
)
from clientportal.cli import workers
from clientportal.cli.context import Context
from clientportal.cli.serving import wsgi_app
from clientportal.sql import SqlDataSource, SqlStore, create_engine, load_dataset
from clientportal.sql.ratelimit import SqlRateLimiter
from clientportal.sql.testing import postgres_url, ready_for_tests, schema_name, temporary_schema
from servers import SERVING, cli_env
from smtp_sink import Inbox, SmtpServer

from .running import run, wait_until

KEY = "workers-test-secret-key-0123456789abcdef"
PORTAL = "lumen"
#: Requests the load test sends, and how many at a time.
REQUESTS, PARALLEL = 64, 8


# -- the database ------------------------------------------------------------------------------


def _lumen(engine: Engine) -> str:
    """Lumen's portal (contact Ruud, one hour of work) in the database of ``engine``: a link's
    token for Ruud."""
    ready_for_tests(engine)
    load_dataset(
        engine,
        Dataset(
            clients=[Client("lumen", "Lumen")],
            contacts=[Contact("ruud", "lumen", "Ruud", "ruud@lumen.example")],
            employees=[Employee("eva", "Eva")],
            projects=[Project("bim", "lumen", "Office", member_ids={"eva"})],
            entries=[TimeEntry("e1", "bim", "eva", dt.date(2026, 3, 2), 3600, "Survey")],
        ),
    )
    mail = MailSettings(
        sender_name="Kade",
        sender_address="hours@kade.example",
        message_id_domain="kade.example",
        base_url="http://127.0.0.1",
    )
    service = PortalService(SqlDataSource(engine), SqlStore(engine), secret_keys=[KEY], mail=mail)
    service.admin.create_portal(
        id=PORTAL, client_id="lumen", name="Lumen", project_ids=["bim"], contact_ids=["ruud"]
    )
    return service.links.issue(PORTAL, "ruud").token


@contextmanager
def _database(kind: str, tmp_path: Path, name: str) -> Iterator[tuple[str, str]]:
    """A new database of ``kind`` (``sqlite`` or ``postgresql``: a schema of its own) holding
    Lumen: its URL for ``--db`` and the token of Ruud's link."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        engine = create_engine(url)
        token = _lumen(engine)
        engine.dispose()
        yield url, token
        return
    schema = schema_name(f"cp_workers_{name}")
    with temporary_schema(postgres_url(), name=schema) as engine:
        token = _lumen(engine)
        db = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield db.render_as_string(hide_password=False), token


BACKENDS = ["sqlite", "postgresql"]


# -- the processes -----------------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """The running child processes of ``pid``."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets ``pid`` has open."""
    inodes: set[str] = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _server_end(port: int, client_port: int) -> str | None:
    """The inode of the server's end of the TCP connection from ``client_port`` to ``port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == client_port:
            return inode
    return None


class Reply(NamedTuple):
    """What a request got: status, the worker that answered (its pid), headers and body."""

    status: int
    pid: int | None
    headers: Any
    body: bytes


class Served:
    """A started ``clientportal serve``: its process, port and the requests sent to it."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self._known: set[int] = set()

    @property
    def children(self) -> set[int]:
        return _children(self.process.pid)

    def serving_pid(self, conn: http.client.HTTPConnection) -> int | None:
        """The child that holds the server's end of ``conn`` (open, its response read)."""
        assert conn.sock is not None
        inode = _server_end(self.port, conn.sock.getsockname()[1])
        for _ in range(2):  # the workers seen last, else those running now
            pid = next((p for p in self._known if inode in _socket_inodes(p)), None)
            if pid is not None:
                return pid
            self._known = self.children
        return None

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def get(
        self, path: str, cookie: str | None = None, conn: http.client.HTTPConnection | None = None
    ) -> Reply:
        """GET ``path`` (on a new connection unless ``conn`` is given): the reply, and the
        worker that gave it."""
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            body = response.read()
            return Reply(response.status, self.serving_pid(conn), response.headers, body)
        finally:
            if own:
                conn.close()

    def session(self, token: str) -> str:
        """Open Ruud's link: the session cookie (``name=value``) it gives."""
        reply = self.get(f"/l/{token}")
        assert reply.status in (302, 303), reply.status
        cookie = reply.headers["Set-Cookie"]
        assert cookie.startswith("cp_session_"), cookie
        return str(cookie).split(";", 1)[0]

    def stop(self, number: int | None = signal.SIGTERM) -> tuple[int, str]:
        """Send ``number`` (unless ``None``) to the supervisor and wait for it to end: its exit
        status and stderr."""
        if number is not None:
            self.process.send_signal(number)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err


@contextmanager
def _serve(db: str, *options: str, key: bool = True) -> Iterator[Served]:
    """``clientportal --db DB serve --port 0 OPTIONS`` started as a subprocess; on the way out
    it is stopped (killed, with every child, when it does not stop)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "clientportal.cli", "--db", db,
         *(["--secret-key", KEY] if key else []), "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = SERVING.search(line)
        if found is None:
            process.kill()
            raise AssertionError(f"serve did not start: {line!r} {process.communicate()[1]}")
        yield Served(process, int(found[1]))
    finally:
        if process.poll() is None:
            children = _children(process.pid)
            process.terminate()
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in children | {process.pid}:
                    os.kill(pid, signal.SIGKILL)
                process.communicate()


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _load(served: Served, path: str, cookie: str, count: int) -> list[tuple[int, int | None]]:
    """``count`` GETs of ``path``, :data:`PARALLEL` at a time, each on a new connection: the
    status and serving worker of each."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda _: served.get(path, cookie)[:2], range(count)))
    return results


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BACKENDS)
def test_two_workers_share_the_requests_replace_a_killed_one_and_stop_on_sigterm(
    kind: str, tmp_path: Path
) -> None:
    """Two workers answer many concurrent requests, each serving some; one killed with SIGKILL
    is replaced while requests keep succeeding; a session signed out on one worker is refused by
    the other; SIGTERM lets a request in flight finish, then ends every process with status 0."""
    with _database(kind, tmp_path, "load") as (db, token), _serve(db, "--workers", "2") as served:
        wait_until(lambda: len(served.children) == 2, seconds=20)
        first = served.children
        # The supervisor forks from a single thread: no lock of another thread is copied.
        assert os.listdir(f"/proc/{served.process.pid}/task") == [str(served.process.pid)]
        cookie = served.session(token)
        page = f"/portal/{PORTAL}"

        results = _load(served, page, cookie, REQUESTS)
        assert [status for status, _ in results] == [200] * REQUESTS
        assert {pid for _, pid in results} == first, "both workers serve"

        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        during = _load(served, page, cookie, 24)
        assert [status for status, _ in during] == [200] * 24
        wait_until(lambda: len(served.children) == 2 and victim not in served.children)
        second = served.children
        (replacement,) = second - first
        wait_until(lambda: replacement in {pid for _, pid in _load(served, page, cookie, 16)})

        # Sign out through one worker; the cookie then opens nothing on either.
        conns = _one_connection_per_worker(served)
        one, other = sorted(conns)
        api = served.get(f"/api/portals/{PORTAL}/session", cookie, conns[one])
        body = urllib.parse.urlencode({"csrf_token": json.loads(api.body)["csrf_token"]})
        form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        conns[one].request("POST", f"/portal/{PORTAL}/sign-out", body=body, headers=form)
        signed_out = conns[one].getresponse()
        signed_out.read()
        assert (signed_out.status, served.serving_pid(conns[one])) == (303, one)
        refused = [served.get(page, cookie, conns[pid])[:2] for pid in (one, other)]
        assert refused == [(404, one), (404, other)]

        # A request half sent when SIGTERM arrives is still answered.
        sock = conns[other].sock
        assert sock is not None
        sock.sendall(b"GET /signed-out HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line yet
        served.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        sock.sendall(b"\r\n")
        answer = sock.recv(65536)
        code, err = served.stop(None)

    assert answer.startswith(b"HTTP/1.1 200"), answer[:100]
    assert code == 0, err
    assert all(_gone(pid) for pid in first | second)
    assert f"worker {victim} was killed by SIGKILL: worker {replacement} takes its place" in err
    assert "Traceback" not in err


def _one_connection_per_worker(
    served: Served, workers: int = 2
) -> dict[int, http.client.HTTPConnection]:
    """Open connections (each answered once, kept alive) until each of the ``workers`` holds
    one: one connection per worker, by its pid."""
    found: dict[int, http.client.HTTPConnection] = {}
    spare: list[http.client.HTTPConnection] = []
    deadline = time.monotonic() + 30
    while len(found) < workers:
        assert time.monotonic() < deadline, f"no connection reached every worker: {found}"
        conn = served.connect()
        status, pid, _, _ = served.get("/signed-out", conn=conn)
        assert status == 200
        if pid is None or pid in found:
            spare.append(conn)
        else:
            found[pid] = conn
    for conn in spare:
        conn.close()
    return found


def _refused_at(served: Served, conns: list[http.client.HTTPConnection], limit: int = 60) -> int:
    """Failed opens (junk tokens) sent in turn over ``conns`` until one is refused with 429:
    how many were sent, the refused one included."""
    for n in range(1, limit + 1):
        junk = urllib.parse.quote(secrets.token_urlsafe(40))
        status = served.get(f"/l/{junk}", conn=conns[n % len(conns)]).status
        if status == 429:
            return n
        assert status == 404, status
    raise AssertionError(f"{limit} failed opens and none refused")


@pytest.mark.parametrize("kind", BACKENDS)
def test_failed_opens_spread_over_two_workers_are_refused_at_the_count_of_one_worker(
    kind: str, tmp_path: Path
) -> None:
    """The failure budget is the database's, not a worker's: failed opens sent in turn to two
    workers are refused at the same count as with one worker, and then a good link is refused
    by both."""
    with _database(kind, tmp_path, "one") as (db, _), _serve(db) as served:
        alone = _refused_at(served, [served.connect()])
    with _database(kind, tmp_path, "two") as (db, token), _serve(db, "--workers", "2") as served:
        conns = _one_connection_per_worker(served)
        assert len(conns) == 2
        shared = _refused_at(served, list(conns.values()))
        good = {pid: served.get(f"/l/{token}", conn=conn)[:2] for pid, conn in conns.items()}
    assert shared == alone
    assert good == {pid: (429, pid) for pid in conns}


def test_workers_that_keep_dying_at_start_up_end_serve_with_an_error(tmp_path: Path) -> None:
    """A crash loop is not restarted forever: once five workers in a row died in their first
    seconds, serve stops the others and exits 1 with an error that says what to do."""
    with _database("sqlite", tmp_path, "crash") as (db, _), _serve(db, "--workers", "2") as served:
        killed: set[int] = set()

        def kill_the_new_ones() -> bool:
            for pid in served.children - killed:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            return served.process.poll() is not None

        wait_until(kill_the_new_ones, seconds=30)
        code, err = served.stop()
    assert code == 1
    dying = re.search(r"the workers keep dying at start-up: (\d) in a row died within 10 s", err)
    assert dying is not None, err
    assert int(dying[1]) in (5, 6)  # five in a row, or six when the last two ended together
    assert "was killed by SIGKILL); see the errors above" in err
    assert "run `clientportal serve --workers 1` to see them in one process" in err
    assert "Traceback" not in err
    assert 5 <= len(killed) <= 7


def test_the_outbox_is_delivered_by_one_process_beside_the_workers(demo_db: str) -> None:
    """With an SMTP server, two workers and one outbox process run (not an outbox worker per
    worker), and the demo's e-mails are each delivered once."""
    with SmtpServer(Inbox()) as smtp:
        address = f"127.0.0.1:{smtp.port}"
        with _serve(demo_db, "--workers", "2", "--smtp", address, key=False) as served:
            wait_until(lambda: len(smtp.inbox.received) >= 3)
            time.sleep(2.5)  # a second round of the outbox worker finds nothing more
            processes = len(served.children)
            code, err = served.stop()
    assert processes == 3
    ids = [m["Message-ID"] for _, _, m in smtp.inbox.received]
    assert len(ids) == len(set(ids)) == 3
    assert code == 0, err
    assert f"e-mails go to {address}" in err


@pytest.mark.parametrize("value", ["0", "-1", "65", "many"])
def test_workers_out_of_range_are_a_usage_error(empty_db: str, value: str) -> None:
    code, _, err = run(empty_db, "serve", "--workers", value, key=True)
    assert code == 2
    assert "--workers" in err
    assert "Traceback" not in err
    if value != "many":
        assert f"{value} is not a number of processes from 1 to 64" in err


def test_workers_need_fork(empty_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where there is no fork (Windows), more than one worker is refused with a reason; one
    worker (the default) needs none."""
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    code, _, err = run(empty_db, "serve", "--workers", "2", key=True)
    assert code == 2
    assert "2 workers need fork()" in err
    assert "serve with one (the default)" in err


def test_a_taken_port_is_told_before_any_worker_starts(empty_db: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(empty_db, "serve", "--port", str(port), "--workers", "2", key=True)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "--port 0 for a free one" in err


def _reachable(root: object) -> Iterator[object]:
    """Every object reachable from ``root`` (classes, modules and modules' globals — which a
    function refers to, and which hold whatever other tests left there — are not entered)."""
    seen = {id(root)} | {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    todo = [root]
    while todo:
        item = todo.pop()
        yield item
        for referent in gc.get_referents(item):
            if id(referent) not in seen and not isinstance(referent, type | type(os)):
                seen.add(id(referent))
                todo.append(referent)


def test_every_limiter_serve_builds_is_the_databases_shared_one(tmp_path: Path) -> None:
    """Nothing that limits is kept per process: the app ``serve`` builds (the same in every
    worker) holds rate limiters of the database (``cp_rate_limits``) and no in-process token
    bucket."""
    with _database("sqlite", tmp_path, "limits") as (db, _):
        obj = Context(db, keys=[KEY])
        app = wsgi_app(obj.service())
        found = [o for o in _reachable(app) if isinstance(o, SqlRateLimiter | TokenBucketLimiter)]
        obj.store.engine.dispose()
    names = {limiter.name for limiter in found if isinstance(limiter, SqlRateLimiter)}
    assert not [o for o in found if isinstance(o, TokenBucketLimiter)]
    assert {"open", "open_prefix", "open_link", "code", "log"} <= names
