"""`--datasource MODULE:FACTORY`: `portal`, `link` and `approvals` over a host's own DataSource
(a module in the working directory whose factory gets the store), and clear errors for a
factory that is not there, takes no store or returns no DataSource."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .running import KEY, SCRIPT, run

#: The host's module: integer-like ids, one client, one contact, two employees, one entry.
HOST_MODULE = textwrap.dedent(
    """
    import datetime as dt

    from clientportal.memory import MemoryDataSource
    from clientportal.model import (
        Client, Contact, Dataset, Employee, Project, TimeEntry,
    )

    DATASET = Dataset(
        clients=(Client("10", "Acme"),),
        contacts=(Contact("20", "10", "Kim", "kim@acme.example"),),
        employees=(Employee("30", "Ann"), Employee("31", "Mo")),
        projects=(Project("40", "10", "Site", member_ids=frozenset({"30", "31"})),),
        entries=(TimeEntry("50", "40", "30", dt.date(2026, 3, 2), 5400),),
    )


    def datasource(store):
        return MemoryDataSource(DATASET, store)


    def no_store():
        return MemoryDataSource(DATASET)


    def not_a_source(store):
        return {"clients": []}


    VALUE = 3
    """
)


@pytest.fixture
def host_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding the host's module ``hostportal`` (imported fresh)."""
    (tmp_path / "hostportal.py").write_text(HOST_MODULE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    monkeypatch.delitem(sys.modules, "hostportal", raising=False)
    return tmp_path


def host(db: str, *args: str) -> tuple[int, str, str]:
    """The command over the host's DataSource, with a client step in the workflow."""
    return run(
        db,
        "--datasource",
        "hostportal:datasource",
        "--approval",
        "internal-external",
        *args,
        key=True,
    )


def test_portal_link_and_approvals_work_over_the_hosts_datasource(
    empty_db: str, host_dir: Path
) -> None:
    code, out, err = host(
        empty_db, "portal", "create", "--id", "p1", "--client", "10", "--name", "Acme",
        "--project", "40", "--contact", "20", "--approval",
    )  # fmt: skip
    assert code == 0, err
    assert '"client_id": "10"' in out

    code, out, _ = host(empty_db, "portal", "list")
    assert out.split("\t")[:2] == ["p1", "10"]

    code, out, err = host(empty_db, "link", "issue", "p1", "--contact", "20")
    assert code == 0, err
    assert "/open/" in out

    code, out, _ = host(empty_db, "approvals", "staff")
    assert out.splitlines() == ["30\tAnn", "31\tMo"]

    code, out, err = host(empty_db, "approvals", "submit", "50", "--by", "30")
    assert code == 0, err
    assert out.strip() == "50\tAPPLIED → PENDING_INTERNAL"
    code, out, err = host(empty_db, "approvals", "approve", "50", "--by", "31")
    assert code == 0, err
    assert "PENDING_EXTERNAL" in out  # forwarded to the client at once

    code, out, _ = host(empty_db, "approvals", "list", "p1")
    assert out.split("\t")[:4] == ["50", "2026-03-02", "30", "1.50h"]
    assert "\tPENDING_EXTERNAL\tv2" in out

    code, out, err = host(empty_db, "worker", "--once")  # reads no data: runs as it is
    assert code == 0, err
    assert "webhooks: 0 delivered" in out


def test_without_datasource_the_reference_schema_is_read(empty_db: str, host_dir: Path) -> None:
    code, _, err = run(
        empty_db, "portal", "create", "--client", "10", "--name", "Acme", "--project", "40",
        key=True,
    )  # fmt: skip
    assert code == 1
    assert "'10'" in err  # the empty reference schema knows no client 10


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("hostportal", "is not MODULE:FACTORY"),
        ("nosuchmodule:datasource", "cannot import 'nosuchmodule'"),
        ("hostportal:missing", "module 'hostportal' has no 'missing'"),
        ("hostportal:VALUE", "is a int, not a function"),
        ("hostportal:no_store", "must take one argument, the store"),
        ("hostportal:not_a_source", "returned a dict, not a DataSource (it lacks budgets"),
    ],
)
def test_a_wrong_datasource_says_what_to_give(
    empty_db: str, host_dir: Path, spec: str, says: str
) -> None:
    code, _, err = run(empty_db, "--datasource", spec, "portal", "create", "--client", "10",
                       "--name", "Acme", key=True)  # fmt: skip
    assert code == 2
    assert says in " ".join(err.split())
    assert "Traceback" not in err


def test_the_console_script_finds_the_module_in_the_working_directory(
    empty_db: str, host_dir: Path
) -> None:
    env = {
        **os.environ,
        "CLIENTPORTAL_DATASOURCE": "hostportal:datasource",
        "CLIENTPORTAL_SECRET_KEYS": KEY,
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [SCRIPT, "--db", empty_db, "portal", "create", "--client", "10", "--name", "Acme",
         "--project", "40"],
        capture_output=True, text=True, timeout=120, cwd=host_dir, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"project_ids": [\n    "40"\n  ]' in done.stdout


def test_commands_that_read_no_data_never_import_the_factory(empty_db: str, host_dir: Path) -> None:
    for args in (("worker", "--once"), ("outbox", "list"), ("company", "show")):
        code, _, err = run(empty_db, "--datasource", "nosuchmodule:datasource", *args, key=True)
        assert code == 0, (args, err)
