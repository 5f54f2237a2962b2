"""`clientportal worker --callback NAME=module:function` finds the host's module the way
`--datasource` does (the working directory first, as the real console script runs), calls it
with every event, and names a module or function it cannot use without a traceback."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from clientportal.ports import NewEvent
from clientportal.sql import SqlStore

from .running import SCRIPT, run

#: The host's module: records the type of every event it is given, one a line.
HOOKS = textwrap.dedent(
    """
    from pathlib import Path

    SEEN = Path(__file__).with_name("seen.txt")


    def record(event):
        with SEEN.open("a", encoding="utf-8") as file:
            file.write(event.type + "\\n")


    NOT_CALLABLE = 3
    """
)


@pytest.fixture
def hooks_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding the host's module ``hosthooks`` (imported fresh)."""
    directory = tmp_path / "host"
    directory.mkdir()
    (directory / "hosthooks.py").write_text(HOOKS, encoding="utf-8")
    (directory / "brokenhooks.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    monkeypatch.chdir(directory)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(directory))])
    for name in ("hosthooks", "brokenhooks"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return directory


def _two_events(db: str) -> None:
    store = SqlStore(f"sqlite:///{db}")
    now = dt.datetime.now(dt.UTC)
    store.apply_changes(
        [],
        events=[
            NewEvent(type="portal.created", occurred_at=now, portal_id="p1"),
            NewEvent(type="portal.updated", occurred_at=now, portal_id="p1"),
        ],
    )
    store.engine.dispose()


def test_the_console_script_finds_the_callbacks_module_in_the_working_directory(
    empty_db: str, hooks_dir: Path
) -> None:
    _two_events(empty_db)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [SCRIPT, "--db", empty_db, "worker", "--once", "--callback", "lock=hosthooks:record"],
        capture_output=True, text=True, timeout=120, cwd=hooks_dir, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "callbacks: 2 events handled, 0 failed" in done.stdout
    seen = (hooks_dir / "seen.txt").read_text(encoding="utf-8")
    assert seen.splitlines() == ["portal.created", "portal.updated"]


def test_in_process_the_working_directory_is_searched_too(empty_db: str, hooks_dir: Path) -> None:
    _two_events(empty_db)
    code, out, err = run(empty_db, "worker", "--once", "--callback", "lock=hosthooks:record")
    assert code == 0, err
    assert "2 events handled" in out
    assert len((hooks_dir / "seen.txt").read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("x=nosuchhooks:record", "cannot import 'nosuchhooks' (No module named 'nosuchhooks')"),
        ("x=hosthooks:missing", "module 'hosthooks' has no 'missing'"),
        ("x=hosthooks:NOT_CALLABLE", "'hosthooks:NOT_CALLABLE' is not callable"),
        ("x=brokenhooks:record", "importing 'brokenhooks' failed: RuntimeError: boom"),
        ("nonsense", "expected NAME=module:function"),
    ],
)
def test_a_callback_it_cannot_use_is_named(
    empty_db: str, hooks_dir: Path, value: str, says: str
) -> None:
    code, _, err = run(empty_db, "worker", "--once", "--callback", value)
    assert code == 2
    assert says in " ".join(err.split())
    assert "--callback" in err
    assert "Traceback" not in err
