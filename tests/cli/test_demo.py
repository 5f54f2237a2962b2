"""`clientportal demo`: the demo world, its company's settings, one link per contact, the clients
asked to approve their hours, and the whole mail flow through a real SMTP server."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientportal.cli import main
from clientportal.sql import SqlSettingsStore, SqlStore, create_engine

from .running import Visitor, links, rows, run, start, wait_for_links, wait_until


def demo(url: str, *args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["demo", "--db", url, "--no-serve", *args])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_demo_prints_one_link_per_contact_in_three_languages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    out, err = demo(url)
    found = links(out)
    assert {m["lang"] for m in found} == {"nl", "en", "de"}
    assert len(found) == 4
    assert {m["contact"] for m in found} >= {"Ruud Visser", "Olivia Hart", "Klaus Bergmann"}
    assert (tmp_path / "demo.sqlite3.keys").stat().st_mode & 0o077 == 0
    assert "company 'Pixel & Co'" in err
    assert "the clients' decisions are told to Pixel & Co office <office@pixel.example>" in err


def test_a_rerun_replaces_the_demo_links_and_never_revokes_links_issued_by_hand(
    demo_db: str,
) -> None:
    code, _, err = run(demo_db, "link", "issue", "lumen", "--contact", "ruud")
    assert code == 0
    by_hand = err.split()[-1]
    _, listed, _ = run(demo_db, "link", "list", "lumen")
    active = {r[0] for r in rows(listed) if r[2] == "ACTIVE"}
    state = SqlSettingsStore(create_engine(demo_db)).get("demo")
    printed = set(state["links"])  # the ids of the links the demo printed
    assert by_hand in active
    assert printed & active
    assert active - printed - {by_hand}  # the personal links of the approval e-mails

    out, _ = demo(demo_db)
    assert len(links(out)) == 4  # fresh links (a token is shown only once)
    _, listed, _ = run(demo_db, "link", "list", "lumen")
    status = {r[0]: r[2] for r in rows(listed)}
    assert {status[i] for i in printed if i in status} == {"REVOKED"}  # the demo's own
    assert {status[i] for i in active - printed} == {"ACTIVE"}  # by hand, and in e-mails
    assert status[by_hand] == "ACTIVE"


def test_the_demo_sets_the_company_once_and_keeps_what_was_changed(demo_db: str) -> None:
    _, out, _ = run(demo_db, "company", "show")
    assert "name             Pixel & Co" in out
    assert "notify           Pixel & Co office <office@pixel.example>" in out
    assert "sender           Pixel & Co hours <hours@pixel.example>" in out
    assert run(demo_db, "company", "set", "--notify", "boss@pixel.example")[0] == 0
    _, err = demo(demo_db)
    assert "the clients' decisions are told to boss@pixel.example" in err
    assert "notify           boss@pixel.example" in run(demo_db, "company", "show")[1]


def test_the_demo_asks_the_clients_to_approve_the_hours_awaiting_them_once(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    _, err = demo(url)
    asked = (
        "asked 3 contacts to approve the hours, expenses and trips awaiting them: "
        "k.bergmann@bergmann.example, ruud.visser@lumen.example, sanne@lumen.example"
    )
    assert asked in err
    assert "3 e-mails wait in the outbox" in err
    store = SqlStore(create_engine(url))
    assert sorted(r for m in store.pending() for r in m.recipients) == [
        "k.bergmann@bergmann.example",
        "ruud.visser@lumen.example",
        "sanne@lumen.example",
    ]
    # The hours the clients were asked about await them, with who sent them in their history.
    _, listed, _ = run(url, "approvals", "list", "lumen", "--status", "PENDING_EXTERNAL")
    entry = listed.split("\t")[0]
    _, history, _ = run(url, "approvals", "history", entry)
    assert rows(history)[-1][1:4] == [
        "SUBMIT_TO_CLIENT",
        "MANAGER lisa",
        "INTERNALLY_APPROVED → PENDING_EXTERNAL",
    ]
    _, again = demo(url)  # a rerun asks nobody again; the e-mails still wait
    assert "asked" not in again
    assert len(store.pending()) == 3


def test_fresh_starts_the_demo_over(demo_db: str) -> None:
    assert run(demo_db, "company", "set", "--name", "Changed")[0] == 0
    _, err = demo(demo_db, "--fresh")
    assert "company 'Pixel & Co'" in err
    assert "asked 3 contacts" in err
    code, _, err = run(demo_db, "demo", "--db", "sqlite://", "--fresh", "--no-serve")
    assert code == 2
    assert "--fresh deletes a SQLite file" in err


def test_demo_with_a_large_data_set_shows_a_progress_bar(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.sqlite3'}"
    _, err = demo(url, "--entries", "60000")
    assert "demo entries" in err
    assert "asked 3 contacts" in err
    code, out, _ = run(url, "approvals", "list", "lumen", "--limit", "5")
    assert code == 0
    assert len(out.splitlines()) == 5


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


def test_demo_serves_every_link_as_a_portal_in_its_language(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    with start("demo", "--db", url, "--port", "0") as process:
        try:
            found = wait_for_links(process, 4)
            assert len(found) == 4
            words = {"nl": "Overzicht", "en": "Overview", "de": "Übersicht"}
            for m in found:
                landed, page = Visitor().open(m["url"])
                assert "/open/" not in landed  # redirected to a clean URL
                assert words[m["lang"]] in page
                assert m["portal"].replace("&", "&amp;") in page
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_the_whole_mail_flow_of_the_demo_with_a_real_smtp_server(tmp_path: Path) -> None:
    """`demo --smtp`: the clients receive their approval requests; a client opens the link in
    the e-mail, approves one entry and rejects another; the company receives both notices."""
    from smtp_sink import Inbox, SmtpServer

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    with SmtpServer(Inbox()) as smtp:
        inbox = smtp.inbox
        command = ("demo", "--db", url, "--port", "0", "--smtp", f"127.0.0.1:{smtp.port}")
        with start(*command) as process:
            try:
                assert len(wait_for_links(process, 4)) == 4
                wait_until(lambda: len(inbox.received) >= 3)
                requests = {rcpt[0]: message for _, rcpt, message in inbox.received}
                assert set(requests) == {
                    "ruud.visser@lumen.example",
                    "sanne@lumen.example",
                    "k.bergmann@bergmann.example",
                }
                to_ruud = requests["ruud.visser@lumen.example"]
                assert to_ruud["From"] == "Pixel & Co hours <hours@pixel.example>"
                text = to_ruud.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                # The personal link (the first button is the one-click action link).
                link = re.search(r"http://127\.0\.0\.1:\d+/(?!act/)\S+", text)
                assert link is not None, text

                client = Visitor()
                landed = client.enter(link[0])  # the e-mail's personal link opens the portal
                assert "/portal/lumen" in landed
                base = re.match(r"http://[^/]+", landed)
                assert base is not None
                api = f"{base[0]}/api/portals/lumen/approvals"
                entries = client.api(api)["entries"][:2]
                assert len(entries) == 2
                client.decide(base[0], "lumen", "APPROVE", entries[:1])
                client.decide(base[0], "lumen", "REJECT", entries[1:], reason="Split per task")

                wait_until(lambda: len(inbox.received) >= 5)
                notices = [m for _, rcpt, m in inbox.received if rcpt == ("office@pixel.example",)]
                assert len(notices) == 2
                bodies = " ".join(n.get_body(("plain",)).get_content() for n in notices)  # type: ignore[union-attr]
                assert "Ruud Visser" in bodies
                assert "Split per task" in bodies
            finally:
                process.terminate()
                _, err = process.communicate(timeout=20)
        assert f"e-mails go to 127.0.0.1:{smtp.port} (no TLS)" in err
        assert "Traceback" not in err


def test_the_demo_sends_the_expenses_and_trips_awaiting_the_clients_on_to_them(
    tmp_path: Path,
) -> None:
    """The demo's manager sends the expenses and trips awaiting a client on with the hours: their
    audit trail says so, and the Dutch contact's request lists them (amounts, kilometres)."""
    import datetime as dt
    from email import message_from_bytes, policy

    from clientportal.demo import demo_dataset, demo_portals
    from clientportal.model import ApprovalStatus

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    demo(url)
    world = demo_dataset(today=dt.date.today(), entries=0)  # what the demo loaded today
    (lumen,) = [p for p in demo_portals(created_at=dt.datetime.now(dt.UTC)) if p.id == "lumen"]
    for kind, items in (("expense", world.expenses), ("trip", world.trips)):
        waiting = [
            i
            for i in items
            if i.project_id in lumen.project_ids
            and i.approval.status is ApprovalStatus.PENDING_EXTERNAL
        ]
        assert waiting, kind
        code, history, _ = run(url, "approvals", "history", waiting[0].id, "--kind", kind)
        assert code == 0, history
        assert f"{kind} {waiting[0].id!r}" in history
        assert rows(history)[-1][1:4] == [
            "SUBMIT_TO_CLIENT",
            "MANAGER lisa",
            "INTERNALLY_APPROVED → PENDING_EXTERNAL",
        ]
    store = SqlStore(create_engine(url))
    (to_ruud,) = [m for m in store.pending() if m.recipients == ("ruud.visser@lumen.example",)]
    mail = message_from_bytes(to_ruud.message, policy=policy.default)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "€" in text
    assert " km" in text
