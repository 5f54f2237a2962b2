"""The demo databases of the page benchmarks: built with ``clientportal demo --entries N
--no-serve`` at each size (SQLite files in a folder, PostgreSQL databases ``cp_bench_<size>``),
reused when complete, with a fresh link to the Lumen portal (it has the client approval
workflow)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from attrs import frozen

KEY = "pages-benchmark-secret-key-0123456789abcdef"  # CLIENTPORTAL_SECRET_KEYS of every command
PORTAL = "lumen"
DEMO_PORTAL = "Lumen"  # how the demo's link lines of that portal begin


def label(size: int) -> str:
    """``10k``, ``100k``, ``1M``."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def command_env() -> dict[str, str]:
    """The environment of the ``clientportal`` commands: ours without CLIENTPORTAL_* settings,
    with the benchmark's secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTPORTAL_")}
    env["CLIENTPORTAL_SECRET_KEYS"] = KEY
    env["PYTHONUNBUFFERED"] = "1"
    return env


def clientportal(*args: str) -> list[str]:
    return [sys.executable, "-m", "clientportal.cli", *args]


# --------------------------------------------------------------------------------------------------
# The databases


@frozen
class Database:
    backend: str  # "sqlite" or "postgresql"
    size: int
    url: str
    link: str  # the path of a link to the Lumen portal

    @property
    def name(self) -> str:
        return f"{'SQLite' if self.backend == 'sqlite' else 'PostgreSQL'} {label(self.size)}"


def _scalar(url: str, query: str) -> int | None:
    """One number from the database at ``url``; ``None`` when it cannot be read (no table)."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(query)).scalar_one())
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def complete(url: str, size: int) -> bool:
    """True when the demo at ``url`` holds ``size`` entries and the Lumen portal."""
    entries = _scalar(url, "SELECT count(*) FROM tt_entries")
    portals = _scalar(url, f"SELECT count(*) FROM cp_portals WHERE id = '{PORTAL}'")
    return entries == size and portals == 1


def postgres_database(base: str, size: int) -> str:
    """The URL of ``cp_bench_<size>`` on the server of ``base``, created when missing; an
    incomplete one (an interrupted build) is dropped and created again."""
    name = f"cp_bench_{label(size).lower()}"
    url = sa.make_url(base).set(database=name)
    admin = sa.create_engine(
        sa.make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            url_text = url.render_as_string(hide_password=False)
            if exists and not complete(url_text, size):
                print(f"  {name} is incomplete (an interrupted build?): dropping it", flush=True)
                conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url_text


def sqlite_database(folder: Path, size: int) -> str:
    """The URL of ``demo-<size>.sqlite3`` in ``folder``; an incomplete file is deleted."""
    path = folder / f"demo-{label(size)}.sqlite3"
    url = f"sqlite:///{path}"
    if path.exists() and not complete(url, size):
        print(f"  {path} is incomplete (an interrupted build?): deleting it", flush=True)
        for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            file.unlink(missing_ok=True)
    return url


def prepare(backend: str, size: int, folder: Path, postgres: str | None) -> Database:
    """The demo database of ``backend`` at ``size`` entries, built or reused, with a fresh link
    to the Lumen portal (``demo`` issues one per contact each time it runs)."""
    if backend == "sqlite":
        url = sqlite_database(folder, size)
    else:
        assert postgres is not None
        url = postgres_database(postgres, size)
    reuse = complete(url, size)
    where = sa.make_url(url).render_as_string(hide_password=True)
    print(f"{'reusing' if reuse else 'building'} the demo at {label(size)} entries: {where}")
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        cmd = clientportal("demo", "--db", url, "--entries", str(size), "--no-serve")
        process = subprocess.Popen(cmd, stdout=out, stderr=err, env=command_env(), text=True)
        while True:
            try:
                process.wait(timeout=15)
                break
            except subprocess.TimeoutExpired:
                count = _scalar(url, "SELECT count(*) FROM tt_entries") or 0
                elapsed = time.monotonic() - start
                print(f"  {count:,} of {size:,} entries ({elapsed:.0f} s)", flush=True)
        out.seek(0)
        err.seek(0)
        lines, errors = out.read().splitlines(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"clientportal demo failed on {where}:\n{errors}")
    if not reuse:
        print(f"  built in {time.monotonic() - start:.0f} s", flush=True)
    links = [line.rsplit(": ", 1)[1] for line in lines if line.startswith(DEMO_PORTAL)]
    if not links:
        raise SystemExit(f"clientportal demo printed no link of the {DEMO_PORTAL} portal: {lines}")
    split = urlsplit(links[0])
    return Database(backend, size, url, split.path + (f"?{split.query}" if split.query else ""))
