"""Mutation testing for the pure rules: would the tests notice if the code were subtly wrong?

``make mutants`` (or ``.venv/bin/python tools/mutants.py``) changes one small thing at a time in
``clientportal/visibility.py``, the ``clientportal/workflow`` package and the
``clientportal/access`` package, runs the tests that cover that module against the changed code,
and counts a mutant as *killed* when a test fails (or the run times out), *survived* when they all
pass. Each survivor is a place where the code could be wrong without any test saying so: write the
test, or, when the change cannot alter behaviour, record it as equivalent with the reason in
``tools/mutants-equivalent.toml`` (keyed by file, then by the key the report prints).

The mutations (one per mutant):

- comparison swaps (``==``/``!=``, ``<``/``<=``, ``>``/``>=``, ``is``/``is not``,
  ``in``/``not in``), ``and``/``or``, arithmetic and set operator swaps (``+``/``-``, ``*``/``/``,
  ``|``/``&`` ...);
- ``not x`` becomes ``x``, and a bare condition (``if problems:``) is negated;
- constants: ``True``/``False`` swapped, a number ``n`` becomes ``n + 1``, a string that is data
  (compared, or a member of a literal collection) becomes ``'XX…XX'``; messages are not mutated;
- ``return value`` becomes ``return None``; an early ``return``, a ``raise``, a ``continue`` or
  ``break`` and a call used as a statement are deleted.

Docstrings, imports, ``__all__`` and annotations are left alone. Each mutant is written into a
private copy of ``src/`` put first on ``PYTHONPATH`` (one copy per job, so the jobs never see each
other's mutants, nor edits made to the checkout while they run), and its tests run with
``pytest -x -q -p no:cacheprovider`` under the ``mutants`` hypothesis profile (fewer examples,
derandomized, no example database) and a timeout derived from the unmutated run.

The report gives, per module: mutants, killed, timed out, survived, the documented equivalents
among the survivors, the raw score (killed + timed out over all mutants) and the score without
the documented equivalents, which is the figure the project holds at 95 % or more.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

from mutations import Mutant, find_mutants, mutated_source

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
EQUIVALENTS = Path(__file__).resolve().parent / "mutants-equivalent.toml"

_WORKFLOW_TESTS = (
    "tests/test_workflow.py",
    "tests/test_workflow_exhaustive.py",
    "tests/security/test_sec_workflow_owner.py",
    "tests/test_workflow_docs.py",
    "tests/test_workflow_stateful.py",
)


@dataclass(frozen=True)
class Target:
    """A module under mutation: its files (relative to ``src/``) and the tests that cover it,
    fastest and most specific first (``-x`` stops at the first failure)."""

    name: str
    files: tuple[str, ...]
    tests: tuple[str, ...]


#: The modules, in the order they run (access last: it is the one most often changed).
TARGETS = (
    Target(
        "visibility",
        ("clientportal/visibility.py",),
        ("tests/test_visibility.py",),
    ),
    Target(
        "workflow",
        tuple(
            f"clientportal/workflow/{name}.py"
            for name in ("table", "machine", "reasons", "status", "events", "diagram")
        ),
        _WORKFLOW_TESTS,
    ),
    Target(
        "access",
        tuple(
            f"clientportal/access/{name}.py"
            for name in ("codec", "records", "randomness", "keys", "admission")
        ),
        (
            "tests/test_access_rules.py",
            "tests/test_access.py",
            "tests/security/test_sec_keys.py",
            "tests/service/test_access.py",  # admission: the gate's refusals, one per rule
        ),
    ),
)


# --------------------------------------------------------------------------------------------------
# Running them


@dataclass
class Result:
    """What became of one mutant: ``killed``, ``timeout``, ``survived`` or ``not-viable``."""

    mutant: Mutant
    outcome: str
    seconds: float


@dataclass
class Workspace:
    """A private copy of ``src/`` for one job."""

    root: Path
    baseline: dict[str, float] = field(default_factory=dict)

    @property
    def src(self) -> Path:
        return self.root / "src"


def _env(workspace: Workspace) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(workspace.src)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # saves a second per run
    env["HYPOTHESIS_PROFILE"] = "mutants"
    env.pop("CI", None)
    return env


def _pytest(workspace: Workspace, tests: Sequence[str], timeout: float) -> tuple[str, float]:
    """Run ``tests`` against the workspace's source: ``passed``, ``failed`` or ``timeout``."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "_hypothesis_pytestplugin", *tests]  # the one plugin they need
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_env(workspace),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    with _LOCK:
        _LIVE.add(process)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "timeout", time.monotonic() - start
    finally:
        with _LOCK:
            _LIVE.discard(process)
    return ("passed" if code == 0 else "failed"), time.monotonic() - start


#: The test runs in progress, stopped when the run is interrupted.
_LIVE: set[subprocess.Popen[bytes]] = set()
_LOCK = threading.Lock()


def _stop_all() -> None:
    with _LOCK:
        for process in _LIVE:
            os.killpg(process.pid, signal.SIGKILL)


def _check_isolation(workspace: Workspace) -> None:
    """The tests must import clientportal from the workspace, not from the checkout."""
    shown = subprocess.run(
        [sys.executable, "-c", "import clientportal; print(clientportal.__file__)"],
        cwd=ROOT,
        env=_env(workspace),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not shown.startswith(str(workspace.src)):
        raise SystemExit(f"mutants: clientportal imports from {shown}, not the mutants' copy")


def run_target(
    target: Target,
    mutants: Sequence[Mutant],
    workspaces: Sequence[Workspace],
    *,
    timeout_factor: float,
    progress: bool,
) -> list[Result]:
    """Run every mutant of ``target`` over the workspaces (one job each)."""
    missing = [t for t in target.tests if not (ROOT / t).exists()]
    if missing:
        print(f"mutants: {target.name}: no test file {', '.join(missing)}", file=sys.stderr)
        target = Target(
            target.name, target.files, tuple(t for t in target.tests if t not in missing)
        )
    for ws in workspaces:  # the unmutated code must pass, or the figures mean nothing
        outcome, seconds = _pytest(ws, target.tests, timeout=1800)
        if outcome != "passed":
            raise SystemExit(
                f"mutants: the tests of {target.name} do not pass on the unmutated code: run "
                f"pytest {' '.join(target.tests)} and fix them first"
            )
        ws.baseline[target.name] = seconds
    sources = {f: (SRC / f).read_text() for f in target.files}
    free: Queue[Workspace] = Queue()
    for ws in workspaces:
        free.put(ws)
    done: list[Result] = []
    lock = threading.Lock()

    def one(mutant: Mutant) -> Result:
        ws = free.get()
        path = ws.src / mutant.file
        try:
            try:
                text = mutated_source(sources[mutant.file], mutant)
                compile(text, mutant.file, "exec")
            except (SyntaxError, ValueError):
                return Result(mutant, "not-viable", 0.0)
            path.write_text(text)
            limit = timeout_factor * ws.baseline[target.name] + 10
            outcome, seconds = _pytest(ws, target.tests, timeout=limit)
            status = {"passed": "survived", "failed": "killed"}.get(outcome, "timeout")
            result = Result(mutant, status, seconds)
        finally:
            path.write_text(sources[mutant.file])
            free.put(ws)
        with lock:
            done.append(result)
            if progress or len(done) % 25 == 0:
                print(
                    f"{chr(13) if progress else ''}  {target.name}: {len(done)}/{len(mutants)}",
                    end="" if progress else "\n",
                    file=sys.stderr,
                    flush=True,
                )
        return result

    pool = ThreadPoolExecutor(max_workers=len(workspaces))
    try:
        results = list(pool.map(one, mutants))
    except BaseException:  # interrupted: leave no test run behind
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_all()
        raise
    pool.shutdown()
    if progress:
        print(file=sys.stderr)
    return results


# --------------------------------------------------------------------------------------------------
# Reporting


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, dict[str, str]]:
    """The documented equivalent mutants: file -> key -> reason."""
    if not path.exists():
        return {}
    with path.open("rb") as f:
        data = tomllib.load(f)
    return {file: dict(entries) for file, entries in data.items()}


@dataclass
class Figures:
    """The counts of one module and its scores."""

    mutants: int
    killed: int
    timeout: int
    survived: int
    equivalent: int

    @property
    def score(self) -> float:
        return 100 * (self.killed + self.timeout) / self.mutants if self.mutants else 100.0

    @property
    def score_without_equivalents(self) -> float:
        counted = self.mutants - self.equivalent
        return 100 * (self.killed + self.timeout) / counted if counted else 100.0


def figures(results: Sequence[Result], equivalents: dict[str, dict[str, str]]) -> Figures:
    viable = [r for r in results if r.outcome != "not-viable"]
    outcomes = Counter(r.outcome for r in viable)
    equivalent = sum(
        1
        for r in viable
        if r.outcome == "survived" and r.mutant.key in equivalents.get(r.mutant.file, {})
    )
    return Figures(
        len(viable), outcomes["killed"], outcomes["timeout"], outcomes["survived"], equivalent
    )


def report(
    target: Target,
    results: Sequence[Result],
    equivalents: dict[str, dict[str, str]],
    *,
    complete: bool = True,
) -> Iterator[str]:
    """The lines of the report for ``target``."""
    f = figures(results, equivalents)
    yield f"== {target.name} ({', '.join(target.files)})"
    yield (
        f"   mutants {f.mutants}  killed {f.killed}  timed out {f.timeout}  survived {f.survived}"
        f"  (of which documented equivalent {f.equivalent})"
    )
    yield (
        f"   score {f.score:.1f} % raw; {f.score_without_equivalents:.1f} % without the "
        "documented equivalents (the figure held at >= 95 %)"
    )
    for file in target.files:
        part = figures([r for r in results if r.mutant.file == file], equivalents)
        yield (
            f"     {file}: {part.mutants} mutants, {part.killed + part.timeout} killed, "
            f"{part.survived} survived"
        )
    survivors = sorted(
        (r for r in results if r.outcome == "survived"),
        key=lambda r: (r.mutant.file, r.mutant.line),
    )
    if survivors:
        yield "   survivors:"
    for r in survivors:
        m = r.mutant
        yield f"   - {m.file}:{m.line}:{m.col}  [{m.key}]"
        reason = equivalents.get(m.file, {}).get(m.key)
        yield f"       equivalent: {reason}" if reason else "       NOT EXPLAINED: add a test"
    known = {r.mutant.key for r in results}
    for file in target.files if complete else ():
        for key in equivalents.get(file, {}):
            if key not in known:
                yield f"   ! stale entry in {EQUIVALENTS.name}: [{file}] {json.dumps(key)}"
    killed_equivalents = [
        r
        for r in results
        if r.outcome != "survived" and r.mutant.key in equivalents.get(r.mutant.file, {})
    ]
    for r in killed_equivalents:
        yield f"   ! listed as equivalent but killed: [{r.mutant.file}] {json.dumps(r.mutant.key)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "targets", nargs="*", help="modules to run (visibility, workflow, access); default all"
    )
    parser.add_argument("-j", "--jobs", type=int, default=2, help="parallel jobs (default 2)")
    parser.add_argument("--timeout-factor", type=float, default=2.0)
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument("--match", default="", help="only mutants whose file or key contains this")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    chosen = [t for t in TARGETS if not args.targets or t.name in args.targets]
    unknown = set(args.targets) - {t.name for t in TARGETS}
    if unknown:
        parser.error(f"unknown module {sorted(unknown)}: choose from visibility, workflow, access")
    equivalents = load_equivalents()
    planned = {
        t.name: [
            m
            for f in t.files
            for m in find_mutants(f, (SRC / f).read_text())
            if args.match in f"{m.file} {m.key}"
        ]
        for t in chosen
    }
    if args.list:
        for t in chosen:
            for m in planned[t.name]:
                print(f"{m.file}:{m.line}:{m.col}\t{m.key}")
        return 0

    # SIGTERM ends the run like Ctrl+C: running tests are stopped, the copies removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    lines: list[str] = []
    dump: dict[str, object] = {}
    failing = False
    with tempfile.TemporaryDirectory(prefix="clientportal-mutants-") as tmp:
        workspaces = []
        for i in range(max(1, args.jobs)):
            ws = Workspace(Path(tmp) / f"job{i}")
            shutil.copytree(SRC, ws.src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            _check_isolation(ws)
            workspaces.append(ws)
        for t in chosen:
            print(f"{t.name}: {len(planned[t.name])} mutants", file=sys.stderr)
            results = run_target(
                t,
                planned[t.name],
                workspaces,
                timeout_factor=args.timeout_factor,
                progress=sys.stderr.isatty(),
            )
            block = list(report(t, results, equivalents, complete=not args.match))
            print("\n".join(block), flush=True)
            lines += block
            f = figures(results, equivalents)
            failing = failing or f.score_without_equivalents < 95
            dump[t.name] = {
                "figures": f.__dict__,
                "results": [
                    {
                        "file": r.mutant.file,
                        "line": r.mutant.line,
                        "key": r.mutant.key,
                        "outcome": r.outcome,
                    }
                    for r in results
                ],
            }
    print(f"mutants: {time.monotonic() - started:.0f} s on {args.jobs} jobs")
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1))
    return 1 if failing else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("mutants: interrupted", file=sys.stderr)
        sys.exit(130)
