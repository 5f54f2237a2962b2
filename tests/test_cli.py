"""Every `clientportal` command, run for real on a SQLite file (the demo and serve as servers)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

pytest.importorskip("click", reason="the CLI needs click (the cli extra)")
pytest.importorskip("sqlalchemy", reason="the CLI needs SQLAlchemy (the sql extra)")

from click.testing import CliRunner

from clientportal.cli import main

KEY = "test-secret-key-0123456789abcdef"
LINK = re.compile(r"^(?P<portal>.+) \((?P<lang>[a-z]{2})\) — (?P<contact>.+): (?P<url>http\S+)$")


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    """A demo database prepared by `clientportal demo --no-serve` (its key file signs links)."""
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = CliRunner().invoke(main, ["demo", "--db", url, "--no-serve"])
    assert result.exit_code == 0, result.output
    return url


def run(db: str, *args: str, key: bool = False) -> tuple[int, str, str]:
    runner = CliRunner()
    options = ["--db", db] + (["--secret-key", KEY] if key else [])
    result = runner.invoke(main, [*options, *args])
    return result.exit_code, result.stdout, result.stderr


def links(output: str) -> list[re.Match[str]]:
    return [m for line in output.splitlines() if (m := LINK.match(line))]


def test_demo_prints_one_link_per_contact_in_three_languages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = CliRunner().invoke(main, ["demo", "--db", url, "--no-serve"])
    assert result.exit_code == 0, result.output
    found = links(result.stdout)
    assert {m["lang"] for m in found} == {"nl", "en", "de"}
    assert len(found) == 4
    assert {m["contact"] for m in found} >= {"Ruud Visser", "Olivia Hart", "Klaus Bergmann"}
    assert (tmp_path / "demo.sqlite3.keys").stat().st_mode & 0o077 == 0
    # A second run reuses the database and issues fresh links (a token is shown only once).
    again = CliRunner().invoke(main, ["demo", "--db", url, "--no-serve"])
    assert again.exit_code == 0, again.output
    assert {m["url"] for m in links(again.stdout)}.isdisjoint(m["url"] for m in found)


def test_demo_with_a_large_data_set_shows_a_progress_bar(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.sqlite3'}"
    result = CliRunner().invoke(main, ["demo", "--db", url, "--no-serve", "--entries", "60000"])
    assert result.exit_code == 0, result.output
    assert "demo entries" in result.stderr
    code, out, _ = run(url, "approvals", "list", "lumen", "--limit", "5")
    assert code == 0
    assert len(out.splitlines()) == 5


def fetch(opener: urllib.request.OpenerDirector, url: str) -> tuple[str, str]:
    with opener.open(url, timeout=20) as response:
        return response.geturl(), response.read().decode()


def wait_for_links(process: subprocess.Popen[str], count: int) -> list[re.Match[str]]:
    assert process.stdout is not None
    found: list[re.Match[str]] = []
    deadline = time.monotonic() + 60
    while len(found) < count and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if m := LINK.match(line.rstrip("\n")):
            found.append(m)
    return found


def test_demo_serves_every_link_as_a_portal_in_its_language(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    command = [sys.executable, "-m", "clientportal.cli", "demo", "--db", url, "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            found = wait_for_links(process, 4)
            assert len(found) == 4
            words = {"nl": "Overzicht", "en": "Overview", "de": "Übersicht"}
            for m in found:
                opener = urllib.request.build_opener(
                    urllib.request.HTTPCookieProcessor(CookieJar())
                )
                landed, page = fetch(opener, m["url"])
                assert "/open/" not in landed  # redirected to a clean URL
                assert words[m["lang"]] in page
                assert m["portal"].replace("&", "&amp;") in page
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_serve_serves_an_existing_database(demo_db: str) -> None:
    code, out, _ = run(demo_db, "link", "issue", "northwind", "--contact", "olivia")
    assert code == 0
    token_path = out.strip().split("/open/")[1]
    command = [sys.executable, "-m", "clientportal.cli", "--db", demo_db, "serve", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            base = re.search(r"on (http://\S+)", line)
            assert base is not None, line
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            _, page = fetch(opener, f"{base[1]}/open/{token_path}")
            assert "Northwind webshop" in page
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    for _ in range(2):
        code, out, _ = run(url, "db", "upgrade")
        assert code == 0
        assert "is at revision" in out
    code, out, _ = run(url, "portal", "list")
    assert (code, out) == (0, "")


def test_portal_create_list_show_update(demo_db: str) -> None:
    code, out, err = run(
        demo_db, "portal", "create", "--id", "lumen-support", "--client", "lumen",
        "--name", "Lumen support", "--project", "lumen-support", "--contact", "ruud",
        "--language", "nl", "--no-show-descriptions", "--show-invoices",
    )  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    assert created["settings"]["show_descriptions"] is False
    assert created["settings"]["show_invoices"] is True
    assert created["employee_ids"] == ["tom"]

    code, out, _ = run(demo_db, "portal", "list")
    assert "lumen-support\tlumen\tnl\tLumen support" in out.splitlines()

    code, out, _ = run(demo_db, "portal", "show", "lumen-support")
    assert json.loads(out) == created

    code, out, _ = run(
        demo_db, "portal", "update", "lumen-support", "--project", "lumen-web", "--inactive"
    )
    assert code == 0
    updated = json.loads(out)
    assert updated["project_ids"] == ["lumen-web"]
    assert updated["active"] is False
    assert set(updated["employee_ids"]) == {"eva", "lisa", "tom"}  # the filter only grows
    assert updated["settings"] == created["settings"]


def test_portal_create_lists_every_problem(demo_db: str) -> None:
    code, _, err = run(
        demo_db, "portal", "create", "--client", "lumen", "--name", "Bad",
        "--project", "nw-shop", "--contact", "olivia", "--language", "it",
    )  # fmt: skip
    assert code == 1
    # Seen from Lumen's side, another client's project and contact do not exist.
    assert "project 'nw-shop' does not exist" in err
    assert "contact 'olivia' does not exist" in err
    assert "language 'it' has no translation" in err
    assert "Traceback" not in err


def test_portal_show_of_an_unknown_portal_says_what_to_do(demo_db: str) -> None:
    code, _, err = run(demo_db, "portal", "show", "nope")
    assert code == 1
    assert "there is no portal 'nope': see `clientportal portal list`" in err


def test_link_issue_list_revoke_regenerate(demo_db: str) -> None:
    code, out, err = run(
        demo_db, "link", "issue", "lumen", "--contact", "ruud", "--expires-in", "7"
    )
    assert code == 0
    assert out.startswith("http://127.0.0.1:8000/open/")
    link_id = err.strip().rsplit(" ", 1)[1]

    code, out, _ = run(demo_db, "link", "list", "lumen")
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()}
    assert rows[link_id][1:3] == ["ruud", "ACTIVE"]

    code, out, err = run(demo_db, "link", "regenerate", link_id)
    assert code == 0
    new_id = err.strip().rsplit(" ", 1)[1]
    assert new_id != link_id

    code, out, _ = run(demo_db, "link", "revoke", new_id)
    assert (code, out.strip()) == (0, f"revoked {new_id}")
    _, out, _ = run(demo_db, "link", "list", "lumen")
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()}
    assert rows[link_id][2] == "REVOKED"
    assert rows[new_id][2] == "REVOKED"

    code, _, err = run(demo_db, "link", "revoke", "no-such-link")
    assert code == 1
    assert "no-such-link" in err


def test_approvals_submit_and_list(demo_db: str) -> None:
    code, out, _ = run(demo_db, "approvals", "list", "lumen", "--status", "OPEN", "--limit", "3")
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows
    assert all(row[4] == "OPEN" for row in rows)
    entry_id, employee = rows[0][0], rows[0][2]

    code, out, _ = run(demo_db, "approvals", "submit", entry_id, "--by", employee)
    assert code == 0
    assert out.strip() == f"{entry_id}\tAPPLIED → PENDING_INTERNAL"

    code, out, _ = run(demo_db, "approvals", "submit", entry_id, "--by", employee)
    assert code == 1  # already submitted: said per entry, and the exit status tells
    assert out.startswith(f"{entry_id}\tNOT_ALLOWED")

    code, out, _ = run(demo_db, "approvals", "list", "lumen", "--status", "PENDING_INTERNAL")
    assert entry_id in {line.split("\t")[0] for line in out.splitlines()}


def test_outbox_deliver_sends_the_queued_mail_to_a_real_smtp_server(demo_db: str) -> None:
    from test_smtp import Inbox, SmtpServer

    _, out, _ = run(demo_db, "approvals", "list", "lumen", "--status", "PENDING_INTERNAL")
    manager = "manager-1"
    pending_internal = [line.split("\t")[0] for line in out.splitlines()]
    entry_ids = pending_internal[:2]
    from clientportal.cli.context import Context

    context = Context(demo_db, (), None, "Pixel <hours@pixel.example>")
    service = context.service()
    from clientportal.workflow import Actor, Party

    result = service.approvals.approve(entry_ids, by=Actor(Party.MANAGER, manager))
    assert len(result.applied) == len(entry_ids)  # now awaiting the client: mail is queued
    assert context.store.pending()

    with SmtpServer(Inbox()) as server:
        code, out, err = run(
            demo_db, "outbox", "deliver", "--smtp", f"127.0.0.1:{server.port}",
            "--security", "plain",
        )  # fmt: skip
        assert code == 0, err
        assert out.startswith("sent 2, failed 0")  # one e-mail per contact of the Lumen portal
        assert sorted(r for _, rcpt, _ in server.inbox.received for r in rcpt) == [
            "ruud.visser@lumen.example",
            "sanne@lumen.example",
        ]
    assert not context.store.pending()

    # Nothing listening: the delivery fails, says so, and the exit status tells.
    more = service.approvals.approve(pending_internal[2:3], by=Actor(Party.MANAGER, manager))
    assert more.all_applied
    assert context.store.pending()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    code, out, _ = run(
        demo_db, "outbox", "deliver", "--smtp", f"127.0.0.1:{port}", "--security", "plain"
    )
    assert code == 1
    assert out.startswith("sent 0, failed ")


def test_only_a_known_employee_submits_hours(demo_db: str) -> None:
    _, out, _ = run(demo_db, "approvals", "list", "lumen", "--status", "OPEN", "--limit", "1")
    entry_id = out.split("\t")[0]
    code, _, err = run(demo_db, "approvals", "submit", entry_id, "--by", "nobody")
    assert code == 2
    assert "'nobody' is not an employee in the database" in err
    assert run(demo_db, "approvals", "list", "lumen", "--status", "OPEN", "--limit", "1")[1] == out


def test_bad_arguments_and_unreachable_databases_get_clear_errors(tmp_path: Path) -> None:
    code, _, err = run(f"sqlite:///{tmp_path / 'none.sqlite3'}", "portal", "list")
    assert code == 1
    assert "run `clientportal db upgrade`" in err

    code, _, err = run("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", "portal", "list")
    assert code == 1
    assert "secret" not in err
    assert "127.0.0.1" in err

    code, _, err = run("sqlite:///x.sqlite3", "outbox", "deliver", "--smtp", "nohost")
    assert code == 2
    assert "is not HOST:PORT" in err

    run(f"sqlite:///{tmp_path / 'k.sqlite3'}", "db", "upgrade")
    code, _, err = run(f"sqlite:///{tmp_path / 'k.sqlite3'}", "link", "list", "x")
    assert code == 2
    assert "no secret key: give --secret-key KEY" in err
    code, _, err = run(f"sqlite:///{tmp_path / 'k.sqlite3'}", "link", "list", "x", key=True)
    assert code == 1
    assert "'x'" in err


def test_db_takes_a_url_or_a_file_path_and_names_what_is_wrong_with_it(tmp_path: Path) -> None:
    path = str(tmp_path / "plain.sqlite3")
    assert run(path, "db", "upgrade")[0] == 0  # a plain path is a SQLite file
    code, _, err = run(f"sqlite:///{path}", "portal", "list")
    assert (code, err) == (0, "")  # the same database as its URL

    not_a_database = tmp_path / "README.md"
    not_a_database.write_text("# not a database\n")
    code, _, err = run(str(not_a_database), "portal", "list")
    assert code == 1
    assert "is not a SQLite database" in err
    assert "Traceback" not in err

    code, _, err = run("mysql://someone@somewhere/db", "portal", "list")
    assert code == 1
    assert "SQLite or PostgreSQL, not 'mysql'" in err
    for malformed in ("://nowhere", "postgresql+psycopg://user@host:port/db"):
        code, _, err = run(malformed, "portal", "list")
        assert code == 1
        assert "is not a database URL" in err


def test_a_taken_port_and_a_base_url_without_scheme_are_told_not_raised(tmp_path: Path) -> None:
    db = str(tmp_path / "serve.sqlite3")
    assert run(db, "db", "upgrade")[0] == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(db, "serve", "--port", str(port), key=True)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "--port 0 for a free one" in err
    result = CliRunner().invoke(
        main, ["--db", db, "--base-url", "127.0.0.1:8731", "portal", "list"]
    )
    assert result.exit_code == 2
    assert "did you mean http://127.0.0.1:8731?" in result.stderr


@pytest.mark.parametrize(
    "command",
    [[], ["demo"], ["serve"], ["db"], ["db", "upgrade"], ["portal"], ["portal", "create"],
     ["portal", "list"], ["portal", "show"], ["portal", "update"], ["link"], ["link", "issue"],
     ["link", "list"], ["link", "revoke"], ["link", "regenerate"], ["approvals"],
     ["approvals", "submit"], ["approvals", "list"], ["outbox"], ["outbox", "deliver"]],
)  # fmt: skip
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    assert "Show this message and exit." in result.output


def test_the_approval_workflow_is_chosen_on_the_command_line(demo_db: str) -> None:
    _, out, _ = run(demo_db, "approvals", "list", "lumen", "--status", "OPEN", "--limit", "2")
    first, second = (line.split("\t") for line in out.splitlines())

    code, out, _ = run(demo_db, "--approval", "external", "approvals", "submit", first[0],
                       "--by", first[2])  # fmt: skip
    assert (code, out.strip()) == (0, f"{first[0]}\tAPPLIED → PENDING_EXTERNAL")

    code, _, err = run(demo_db, "--approval", "off", "approvals", "submit", second[0],
                       "--by", second[2])  # fmt: skip
    assert code == 1
    assert "approval" in err.lower()
    assert "Traceback" not in err

    code, _, err = run(demo_db, "--approval", "sometimes", "portal", "list")
    assert code == 2
    assert "'sometimes' is not one of" in err


def test_the_demo_moves_to_a_free_port_when_the_default_one_is_taken(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from clientportal.cli.context import DEFAULT_PORT
    from clientportal.cli.demo import demo_server

    with socket.socket() as taken:
        try:
            taken.bind(("127.0.0.1", DEFAULT_PORT))
            taken.listen()
        except OSError:
            pass  # something else holds it already: taken all the same
        server = demo_server("127.0.0.1", DEFAULT_PORT)
    try:
        assert not server.base_url.endswith(f":{DEFAULT_PORT}")
        assert f"port {DEFAULT_PORT} is taken: the demo serves on {server.base_url}" in (
            capsys.readouterr().err
        )
    finally:
        server.server.close()
