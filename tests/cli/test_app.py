"""The `clientportal` group: help on every command; one clear line, never a traceback, for any
bad argument or database (exit status 2 for wrong usage, 1 for a failure); PostgreSQL as well as
SQLite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientportal.cli import main

from .running import run, script

COMMANDS = [
    [], ["demo"], ["serve"], ["db"], ["db", "upgrade"], ["company"], ["company", "show"],
    ["company", "set"], ["company", "reset"], ["portal"], ["portal", "create"], ["portal", "list"],
    ["portal", "show"], ["portal", "update"], ["link"], ["link", "issue"], ["link", "list"],
    ["link", "revoke"], ["link", "regenerate"], ["approvals"], ["approvals", "submit"],
    ["approvals", "approve"], ["approvals", "reject"], ["approvals", "withdraw"],
    ["approvals", "forward"], ["approvals", "reopen"], ["approvals", "list"],
    ["approvals", "history"], ["approvals", "staff"], ["outbox"], ["outbox", "list"],
    ["outbox", "deliver"], ["outbox", "worker"], ["db", "prune"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    assert "Show this message and exit." in result.output
    assert "()" not in result.output  # hints name commands, never Python calls


def one_error(err: str) -> str:
    """The error line (the last), after checking there is no traceback."""
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


def test_missing_unreachable_and_wrong_databases(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "none.sqlite3"), "portal", "list")
    assert code == 1
    assert "there is no database file" in one_error(err)
    assert "`clientportal db upgrade`" in one_error(err)
    assert not (tmp_path / "none.sqlite3").exists()  # a typo in --db leaves no empty file

    code, _, err = run("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", "portal", "list")
    assert code == 1
    assert "cannot reach the database at postgresql+psycopg://nobody:***@127.0.0.1:1/none" in (
        one_error(err)
    )
    assert "secret" not in err

    readme = tmp_path / "README.md"
    readme.write_text("# not a database\n")
    code, _, err = run(str(readme), "company", "show")
    assert code == 1
    assert "is not a SQLite database" in one_error(err)

    code, _, err = run("mysql://someone@somewhere/db", "portal", "list")
    assert code == 1
    assert "SQLite or PostgreSQL, not 'mysql'" in one_error(err)
    for malformed in ("://nowhere", "postgresql+psycopg://user@host:port/db"):
        code, _, err = run(malformed, "company", "show")
        assert code == 1
        assert "is not a database URL" in one_error(err)

    code, _, err = run(str(tmp_path / "no" / "such" / "dir.sqlite3"), "db", "upgrade")
    assert code == 1
    assert "cannot reach the database" in one_error(err)


def test_an_outdated_schema_names_the_upgrade(tmp_path: Path) -> None:
    from clientportal.sql import head_revision, upgrade

    db = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(db, "0001")
    code, _, err = run(db, "company", "show")
    assert code == 1
    assert one_error(err).endswith(
        f"is at schema revision 0001, this clientportal needs {head_revision()}: "
        "run `clientportal db upgrade`"
    )
    assert run(db, "db", "upgrade")[0] == 0
    assert run(db, "company", "show")[0] == 0


def test_a_schema_newer_than_this_clientportal_names_the_upgrade_of_the_package(
    empty_db: str,
) -> None:
    from sqlalchemy import text

    from clientportal.sql import create_engine, head_revision

    engine = create_engine(f"sqlite:///{empty_db}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE cp_alembic_version SET version_num = '9999'"))
    engine.dispose()
    code, _, err = run(empty_db, "portal", "list")
    assert code == 1
    assert one_error(err).endswith(
        f"is at schema revision 9999, newer than this clientportal knows (up to "
        f"{head_revision()}): use the clientportal version that migrated it (pip install "
        "--upgrade clientportal)"
    )


def test_bad_arguments_are_usage_errors(empty_db: str) -> None:
    for args, message in {
        ("--base-url", "127.0.0.1:8731", "portal", "list"): "did you mean http://127.0.0.1:8731?",
        ("--sender", "nobody", "portal", "list"): "'nobody' is not an address",
        ("--approval", "sometimes", "portal", "list"): "'sometimes' is not one of",
        ("portal", "list", "--what"): "No such option '--what'",
        ("approvals", "history", "e1"): "no secret key: give --secret-key-file PATH",
        ("outbox", "deliver", "--smtp", "nohost"): "is not HOST:PORT",
        ("serve", "--port", "70000"): "70000 is not in the range 0<=x<=65535",
        ("serve", "--threads", "0"): "0 is not in the range 1<=x<=64",
        ("nonsense",): "No such command 'nonsense'",
    }.items():
        code, _, err = run(empty_db, *args)
        assert code == 2, (args, err)
        assert message in one_error(err), (args, err)


def test_a_bad_argument_as_the_real_command(empty_db: str) -> None:
    done = script("--db", empty_db, "--base-url", "127.0.0.1:8731", "portal", "list")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for --base-url: must be an http(s) URL without query or fragment, "
        "such as 'https://portal.example.com', got '127.0.0.1:8731' "
        "(did you mean http://127.0.0.1:8731?)"
    )
    url = os.environ.get("CLIENTPORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://x@127.0.0.1/x")
    from sqlalchemy.engine import make_url

    wrong_port = make_url(url).set(port=1).render_as_string(hide_password=False)
    done = script("--db", wrong_port, "company", "show")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot reach the database at postgresql+psycopg://")
    assert "Check that the server runs" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_cli_on_postgresql() -> None:
    from clientportal.sql.testing import postgres_url, schema_name, temporary_schema

    name = schema_name("cp_cli")
    with temporary_schema(postgres_url(), name=name) as engine:
        db = engine.url.update_query_dict({"options": f"-csearch_path={name}"})
        url = db.render_as_string(hide_password=False)
        code, out, err = run(url, "db", "upgrade")
        assert code == 0, err
        code, _, err = run(url, "company", "set", "--name", "Pixel & Co",
                           "--notify", "office@pixel.example")  # fmt: skip
        assert code == 0, err
        code, out, _ = run(url, "company", "show")
        assert "name             Pixel & Co" in out
        assert "notify           office@pixel.example" in out
        code, out, _ = run(url, "outbox", "list")
        assert out == "the outbox is empty: every e-mail has been sent\n"
