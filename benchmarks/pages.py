"""Benchmark: the portal's pages over HTTP at 10k, 100k and 1M entries (issue 13).

For each backend (SQLite; PostgreSQL when a URL is given) and size, the demo database is built with
``clientportal demo --entries N --no-serve`` or reused when complete (``--dir`` keeps the SQLite
files; the PostgreSQL databases ``cp_bench_<size>`` stay on their server:
``benchmarks/demo_databases.py``). Each database is served by ``clientportal serve --port 0``
(waitress with its default threads, one process) and a session is opened with a printed link of the
Lumen portal (it has the client approval workflow). Every page of that portal is loaded with wrk
(``-t2 -c4``, after a warm-up run): the overview, the hours, the second page of hours (the hours
page's "Next" link), approvals, invoices and quotes. A response other than 200 (counted by a wrk Lua
script) or a socket error counts as an error.

The floor (``benchmarks/floor.py``): a bare WSGI app on waitress with the same thread count that
replays the SQL statements the portal issues for the overview and the hours page and renders the
rows with :class:`string.Template`. Loaded the same way, it says how much of a page's time is the
portal's own work rather than the database's.

Targets (issue 13): slowdown req/s(smallest size) / req/s(largest) <= 1.5 on every page; the
overview >= 150 req/s at 1M entries (the largest size measured) in one process; p99 <= 50 ms at 4
connections on every page and size; floor/portal <= 2 on the overview and the hours; no errors.

``--workers 1,2,4``: instead, serve the largest database of each backend (PostgreSQL by default)
with ``clientportal serve --workers N`` and load the overview and the hours with more connections
(``--worker-connections``, 16): req/s, p99 and errors per worker count, and the scaling against
one worker. Target: throughput grows from 1 to 2 workers, no errors (on a 2-core machine 4 workers
cannot beat 2).

Run: ``.venv/bin/python benchmarks/pages.py [--sizes 10000,100000,1000000] [--backends
sqlite,postgresql] [--postgres URL] [--dir PATH] [--seconds 5] [--workers 1,2,4]``. Not a test.
Needs wrk (``apt-get install wrk``). Building the demo at 1M entries takes several minutes;
``--dir`` keeps the SQLite files for the next run. PostgreSQL runs
when ``--postgres URL`` or ``CLIENTPORTAL_TEST_POSTGRES_URL`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from attrs import frozen

SLOWDOWN_TARGET = 1.5
OVERVIEW_TARGET = 150.0  # req/s at the largest size
P99_TARGET_MS = 50.0
FLOOR_TARGET = 2.0  # floor req/s / portal req/s
PAGES = ("overview", "hours", "hours p2", "approvals", "invoices", "quotes")
FLOOR_PAGES = ("overview", "hours")
SERVING = re.compile(r"on (http://\S+)")
HERE = Path(__file__).resolve().parent
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("not 200: %d\\n", total))
end
"""


from demo_databases import PORTAL, Database, clientportal, command_env, label, prepare  # noqa: E402

# --------------------------------------------------------------------------------------------------
# Servers and pages


@contextlib.contextmanager
def started(cmd: list[str], what: str) -> Iterator[tuple[str, list[str]]]:
    """Run ``cmd`` until its stdout names the address it serves on: yields that base URL and
    the lines printed before it; the process is stopped (SIGTERM, then SIGKILL) on exit."""
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=errors, env=command_env(), text=True
        )
        try:
            assert process.stdout is not None
            before: list[str] = []
            for line in process.stdout:
                if found := SERVING.search(line):
                    break
                before.append(line.rstrip("\n"))
            else:
                process.wait(timeout=30)
                errors.seek(0)
                raise SystemExit(f"{what} did not start: {' '.join(cmd)}\n{errors.read()}")
            stdout = process.stdout  # read on, so that the server never blocks on a full pipe
            threading.Thread(target=lambda: [None for _ in stdout], daemon=True).start()
            yield found[1], before
        finally:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def request(base: str, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    """``GET path`` on ``base`` (redirects are not followed); the response, read."""
    split = urlsplit(base)
    conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=120)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        return response
    finally:
        conn.close()


def open_session(base: str, link: str) -> str:
    """The session cookie (``name=value``) that opening ``link`` sets."""
    response = request(base, link)
    cookie = response.getheader("Set-Cookie")
    if response.status != 303 or not cookie:
        raise SystemExit(f"opening the link {link} answered {response.status}, no session")
    return cookie.split(";", 1)[0]


NEXT = re.compile(r'<a\b(?=[^>]*\brel="next")[^>]*\bhref="([^"]+)"')


def page_paths(base: str, cookie: str) -> dict[str, str]:
    """The path of every page of :data:`PAGES`, each checked to answer 200."""
    root = f"/portal/{PORTAL}"
    paths = {
        "overview": root,
        "hours": f"{root}/hours",
        "approvals": f"{root}/approvals",
        "invoices": f"{root}/invoices",
        "quotes": f"{root}/quotes",
    }
    hours = request(base, paths["hours"], cookie).body.decode()  # type: ignore[attr-defined]
    if (found := NEXT.search(hours)) is None:
        raise SystemExit(f"the hours page {paths['hours']} has no Next link (one page only?)")
    paths["hours p2"] = html.unescape(found[1])
    paths = {name: paths[name] for name in PAGES}
    check(base, paths, cookie)
    return paths


def check(base: str, paths: dict[str, str], cookie: str) -> None:
    """Exit with a message when a page does not answer 200."""
    for name, path in paths.items():
        status = request(base, path, cookie).status
        if status != 200:
            raise SystemExit(f"{name} ({base}{path}) answers {status}, not 200")


# --------------------------------------------------------------------------------------------------
# Load


@frozen
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found[1]) * _UNITS[found[2]]


def parse_wrk(output: str) -> Load:
    """req/s, p50, p99 and errors (socket errors, and responses other than 200) of wrk's
    ``--latency`` output with :data:`WRK_SCRIPT`."""

    def number(pattern: str) -> str:
        found = re.search(pattern, output)
        if found is None:
            raise SystemExit(f"cannot read wrk's output ({pattern!r} missing):\n{output}")
        return found[1]

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    errors += int(number(r"not 200: (\d+)"))
    return Load(
        rps=float(number(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(number(r"\n\s+50%\s+(\S+)")),
        p99_ms=_ms(number(r"\n\s+99%\s+(\S+)")),
        requests=int(number(r"(\d+) requests in")),
        errors=errors,
    )


class Wrk:
    """wrk with the Lua script that counts responses other than 200."""

    def __init__(self, folder: Path, seconds: int, warmup: int, threads: int) -> None:
        self.script = folder / "count-not-200.lua"
        self.script.write_text(WRK_SCRIPT, encoding="utf-8")
        self.seconds, self.warmup, self.threads = seconds, warmup, threads

    def run(self, url: str, cookie: str, connections: int, seconds: int) -> Load:
        cmd = ["wrk", f"-t{min(self.threads, connections)}", f"-c{connections}", f"-d{seconds}s"]
        cmd += ["--timeout", "60s", "--latency", "-s", str(self.script)]
        cmd += ["-H", f"Cookie: {cookie}", url]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"wrk failed ({' '.join(cmd[:-2])}):\n{done.stdout}{done.stderr}")
        return parse_wrk(done.stdout)

    def load(self, base: str, path: str, cookie: str, connections: int) -> Load:
        """A warm-up run, then the measured one."""
        if self.warmup > 0:
            self.run(base + path, cookie, connections, self.warmup)
        return self.run(base + path, cookie, connections, self.seconds)


# --------------------------------------------------------------------------------------------------
# Measuring


@frozen
class Measured:
    database: Database
    pages: dict[str, Load]
    floor: dict[str, Load]


def cell(load: Load) -> str:
    errors = f" E{load.errors}" if load.errors else ""
    return f"{load.rps:7.1f} {load.p50_ms:6.1f} /{load.p99_ms:6.1f}{errors}"


def measure(database: Database, wrk: Wrk, connections: int, floor: bool) -> Measured:
    """Every page of the portal, then (``floor``) the floor's pages, loaded with wrk."""
    print(f"{database.name}: req/s, p50 / p99 ms", flush=True)
    serve = clientportal("--db", database.url, "serve", "--port", "0")
    with started(serve, "clientportal serve") as (base, _):
        cookie = open_session(base, database.link)
        paths = page_paths(base, cookie)
        pages = {}
        for name, path in paths.items():
            pages[name] = wrk.load(base, path, cookie, connections)
            print(f"  {name:<10} {cell(pages[name])}   {path}", flush=True)
        check(base, paths, cookie)  # still 200 after the load
    floors = {}
    if floor:
        cmd = [sys.executable, str(HERE / "floor.py"), "--db", database.url, "--cookie", cookie]
        for name in FLOOR_PAGES:
            cmd += ["--path", paths[name]]
        with started(cmd, "the floor (benchmarks/floor.py)") as (base, lines):
            for line in lines:
                print(f"  {line}")
            for name in FLOOR_PAGES:
                floors[name] = wrk.load(base, paths[name], cookie, connections)
                print(f"  floor {name:<10} {cell(floors[name])}", flush=True)
    return Measured(database, pages, floors)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(results: list[Measured], connections: int) -> list[str]:
    """Print the table and the targets of one backend; the targets missed."""
    first, last = results[0], results[-1]
    title = first.database.name.split()[0]
    sizes = [label(r.database.size) for r in results]
    head = "".join(f" | {s:^22}" for s in sizes)
    span = f"{sizes[0]}→{sizes[-1]}"
    print(f"\n{title}: req/s, p50 / p99 ms (wrk, {connections} connections)")
    print(f"{'page':<14}{head} | slowdown {span} (≤ {SLOWDOWN_TARGET:g})")
    slowdowns = {}
    for name in PAGES:
        row = "".join(f" | {cell(r.pages[name]):<22}" for r in results)
        slow = first.pages[name].rps / last.pages[name].rps if last.pages[name].rps else 99.0
        slowdowns[name] = slow
        shown = f"{slow:.2f}" if len(results) > 1 else "-"
        print(f"{name:<14}{row} | {shown}")
    for name in FLOOR_PAGES:
        if not first.floor:
            break
        row = "".join(f" | {cell(r.floor[name]):<22}" for r in results)
        print(f"{'floor ' + name:<14}{row} |")
    print(f"\n{title}: targets")
    missed = []

    def target(text: str, ok: bool) -> None:
        print(f"  {text}: {verdict(ok)}")
        if not ok:
            missed.append(f"{title}: {text}")

    if len(results) > 1:
        worst = max(slowdowns, key=slowdowns.__getitem__)
        target(
            f"slowdown {span} ≤ {SLOWDOWN_TARGET:g} on every page: worst {worst} "
            f"{slowdowns[worst]:.2f}",
            slowdowns[worst] <= SLOWDOWN_TARGET,
        )
    overview = last.pages["overview"].rps
    target(
        f"overview ≥ {OVERVIEW_TARGET:g} req/s at {sizes[-1]} in one process: {overview:.1f}",
        overview >= OVERVIEW_TARGET,
    )
    p99 = [(r.pages[n].p99_ms, n, label(r.database.size)) for r in results for n in PAGES]
    over = [p for p in p99 if p[0] > P99_TARGET_MS]
    ms, page, size = max(p99)
    target(
        f"p99 ≤ {P99_TARGET_MS:g} ms at {connections} connections: worst {ms:.1f} ms "
        f"({page}, {size}); {len(over)} of {len(p99)} over",
        not over,
    )
    for result in results:
        for name in FLOOR_PAGES if result.floor else ():
            portal, floor = result.pages[name].rps, result.floor[name].rps
            ratio = floor / portal if portal else 99.0
            target(
                f"floor/portal ≤ {FLOOR_TARGET:g}, {name} at {label(result.database.size)}: "
                f"{floor:.1f} / {portal:.1f} req/s = {ratio:.2f}",
                ratio <= FLOOR_TARGET,
            )
    errors = sum(load.errors for r in results for load in [*r.pages.values(), *r.floor.values()])
    target(f"no errors (socket errors, answers other than 200): {errors}", errors == 0)
    return missed


def scaling(database: Database, wrk: Wrk, counts: list[int], connections: int) -> list[str]:
    """``serve --workers N`` for each of ``counts``: the overview and the hours loaded with
    ``connections``; print the table and the targets, return the targets missed."""
    loads: dict[tuple[int, str], Load] = {}
    cookie = None
    print(f"{database.name}: serve --workers N, {connections} connections", flush=True)
    for count in counts:
        serve = clientportal("--db", database.url, "serve", "--port", "0", "--workers", str(count))
        with started(serve, f"clientportal serve --workers {count}") as (base, _):
            cookie = cookie or open_session(base, database.link)
            paths = {name: page_paths(base, cookie)[name] for name in FLOOR_PAGES}
            for name, path in paths.items():
                loads[count, name] = wrk.load(base, path, cookie, connections)
                print(f"  {count} workers {name:<10} {cell(loads[count, name])}", flush=True)
            check(base, paths, cookie)
    print(f"\n{database.name}: {connections} connections")
    print(
        f"{'workers':>7}  {'page':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  × 1"
    )
    for (count, name), load in loads.items():
        base_rps = loads[counts[0], name].rps
        times = load.rps / base_rps if base_rps else 0.0
        print(
            f"{count:>7}  {name:<10} {load.rps:8.1f} {load.p50_ms:8.1f} {load.p99_ms:8.1f} "
            f"{load.errors:>6}  {times:.2f}"
        )
    missed = []
    title = database.name
    if 1 in counts and 2 in counts:
        for name in FLOOR_PAGES:
            one, two = loads[1, name].rps, loads[2, name].rps
            ok = two > one
            print(
                f"  {name}: throughput grows from 1 to 2 workers: {two / one:.2f}×: {verdict(ok)}"
            )
            if not ok:
                missed.append(f"{title}: {name} does not grow from 1 to 2 workers")
    errors = sum(load.errors for load in loads.values())
    print(f"  no errors: {errors}: {verdict(errors == 0)}")
    if errors:
        missed.append(f"{title}: {errors} errors with several workers")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="entries, comma-separated")
    parser.add_argument(
        "--backends", help="sqlite,postgresql (default: both; --workers: postgresql)"
    )
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL (default: $CLIENTPORTAL_TEST_POSTGRES_URL)"
    )
    parser.add_argument("--dir", type=Path, help="keep the SQLite databases here for the next run")
    parser.add_argument("--seconds", type=int, default=5, help="wrk's run per page")
    parser.add_argument("--warmup", type=int, default=1, help="wrk's warm-up run per page")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor")
    parser.add_argument("--workers", help="e.g. 1,2,4: measure serve --workers N instead")
    parser.add_argument("--worker-connections", type=int, default=16)
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (https://github.com/wg/wrk)")
        return 2
    sizes = sorted(int(size) for size in args.sizes.split(","))
    counts = sorted(int(n) for n in args.workers.split(",")) if args.workers else []
    postgres = args.postgres or os.environ.get("CLIENTPORTAL_TEST_POSTGRES_URL")
    default = "postgresql" if counts else "sqlite,postgresql"
    backends = (args.backends or default).split(",")
    if unknown := set(backends) - {"sqlite", "postgresql"}:
        parser.error(f"unknown backends {sorted(unknown)}: give sqlite, postgresql or both")
    if "postgresql" in backends and not postgres:
        if args.backends or counts:
            parser.error("PostgreSQL needs --postgres URL or CLIENTPORTAL_TEST_POSTGRES_URL")
        print("PostgreSQL skipped: give --postgres URL or set CLIENTPORTAL_TEST_POSTGRES_URL")
        backends.remove("postgresql")

    start = time.monotonic()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)", flush=True)
    missed: list[str] = []
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pages-bench-")))
        folder = args.dir or scratch
        folder.mkdir(parents=True, exist_ok=True)
        wrk = Wrk(scratch, args.seconds, args.warmup, args.threads)
        for backend in backends:
            if counts:
                database = prepare(backend, sizes[-1], folder, postgres)
                missed += scaling(database, wrk, counts, args.worker_connections)
                continue
            results = []
            for size in sizes:
                database = prepare(backend, size, folder, postgres)
                results.append(measure(database, wrk, args.connections, not args.no_floor))
            missed += report(results, args.connections)
    minutes, seconds = divmod(time.monotonic() - start, 60)
    load = os.getloadavg()[0]
    print(f"\nwall time {minutes:.0f} min {seconds:.0f} s; load average after: {load:.2f}")
    if missed:
        print(f"{len(missed)} targets missed:")
        for line in missed:
            print(f"  {line}")
        return 1
    print("every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
