"""The host learns what its client decided: a host app keeps its hours in its own table
(``timesheet``, integer ids, a ``locked`` flag its edit screens honour). The team submits hours;
``clientportal worker`` (a subprocess, as the operator runs it) e-mails the request; the client
approves one entry in Chromium; the next round of the worker runs the host's callback, which
locks exactly that entry in the host's own table."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from parts import awaiting_row, clientportal, portal_links_in, served, to_addresses

from clientportal import (
    ApprovalPolicy,
    Client,
    Contact,
    Dataset,
    Employee,
    MailSettings,
    PortalService,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
)
from clientportal.memory import MemoryDataSource
from clientportal.sql import SqlStore, create_engine, upgrade
from clientportal.web import make_wsgi_app
from clientportal.workflow import Actor, Party
from servers import cli_env
from smtp_sink import SmtpServer

#: The host's own hours: its table, its integer ids, its lock.
TIMESHEET = """
CREATE TABLE timesheet (
    id INTEGER PRIMARY KEY, project TEXT NOT NULL, who TEXT NOT NULL, day DATE NOT NULL,
    minutes INTEGER NOT NULL, note TEXT NOT NULL, locked BOOLEAN NOT NULL DEFAULT 0
)"""
ROWS = [(1, "Gevelonderzoek"), (2, "Overleg met de constructeur"), (3, "Tekeningen bestek")]

#: The host's callback, in the host's own module: lock what the client approved.
HOOKS = '''
import os
import sqlite3


def lock_approved(event):
    """Lock, in the host's own table, the entries the client approved."""
    if event.type != "entries.approved":
        return
    approved = [int(i["id"]) for i in event.data["items"] if i["status"] == "APPROVED"]
    with sqlite3.connect(os.environ["HOST_DB"]) as db:
        db.executemany("UPDATE timesheet SET locked = 1 WHERE id = ?", [(i,) for i in approved])
'''


def host_dataset(db: sa.Engine) -> Dataset:
    """The host's hours, read from its own table into the library's records (ids as text)."""
    with db.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, project, who, day, minutes, note FROM timesheet"))
        entries = [
            TimeEntry(str(r.id), r.project, r.who, dt.date.fromisoformat(str(r.day)),
                      r.minutes * 60, r.note)
            for r in rows
        ]  # fmt: skip
    return Dataset(
        clients=[Client("lumen", "Lumen Architecten")],
        contacts=[Contact("ruud", "lumen", "Ruud Smit", "ruud@lumen.example")],
        employees=[Employee("eva", "Eva Jansen"), Employee("max", "Max de Boer")],
        projects=[Project("bim", "lumen", "Nieuwbouw kantoor", member_ids={"eva"})],
        entries=entries,
    )


def locked(db: sa.Engine) -> dict[int, bool]:
    with db.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, locked FROM timesheet ORDER BY id"))
        return {r.id: bool(r.locked) for r in rows}


def test_the_clients_approval_in_the_browser_locks_the_entry_in_the_host_table(
    tmp_path: Path, smtp: SmtpServer, browser: Any
) -> None:
    host_file = tmp_path / "host.sqlite3"
    db = create_engine(f"sqlite:///{host_file}")
    with db.begin() as conn:
        conn.execute(sa.text(TIMESHEET))
        for entry_id, note in ROWS:
            conn.execute(
                sa.text("INSERT INTO timesheet VALUES (:i, 'bim', 'eva', :d, 90, :n, 0)"),
                {"i": entry_id, "d": dt.date.today().isoformat(), "n": note},
            )
    upgrade(db)  # the library's tables beside the host's
    (tmp_path / "host_hooks.py").write_text(textwrap.dedent(HOOKS))
    env = cli_env(HOST_DB=str(host_file))
    worker = [
        "--db",
        f"sqlite:///{host_file}",
        "worker",
        "--once",
        "--smtp",
        f"127.0.0.1:{smtp.port}",
    ]
    worker += ["--callback", "locker=host_hooks:lock_approved"]
    built: list[PortalService] = []

    def build(url: str) -> Any:
        store = SqlStore(db)
        built.append(
            PortalService(
                MemoryDataSource(host_dataset(db), store),
                store,
                secret_keys=["events-journey-secret-0123456789abcdef"],
                policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
                mail=MailSettings(
                    sender_name="Webbureau Kade",
                    sender_address="uren@kade.example",
                    message_id_domain="kade.example",
                    base_url=url + "/portal",
                    company_recipients=["office@kade.example"],
                ),
            )
        )
        return make_wsgi_app(built[0], prefix="/portal")

    with served(build) as url:
        service = built[0]
        service.admin.create_portal(
            id="lumen", client_id="lumen", name="Lumen", project_ids=["bim"],
            contact_ids=["ruud"], settings=PortalSettings(approval=True),
        )  # fmt: skip
        service.approvals.submit(["1", "2", "3"], by=Actor(Party.MANAGER, "max"))

        # The operator's worker: it e-mails the request, and the callback locks nothing yet.
        out = clientportal(*worker, cwd=tmp_path, env=env)
        assert "1 e-mails sent" in out
        assert locked(db) == {1: False, 2: False, 3: False}
        (request,) = smtp.wait_for(1)
        assert to_addresses(request) == {"ruud@lumen.example"}
        (link,) = portal_links_in(request, url + "/portal/")

        # Ruud approves "Overleg met de constructeur" in the browser.
        page = browser.new_page()
        try:
            page.goto(link)
            page.wait_for_url("**/portal/lumen/approvals")
            row = awaiting_row(page, "Overleg met de constructeur")
            with page.expect_navigation():
                row.get_by_role("button", name="Approve").first.click()
            assert page.get_by_role("status").filter(has_text="approved").count() == 1
        finally:
            page.close()

    # The worker's next round runs the host's callback: the entry is locked in the host's table.
    out = clientportal(*worker, cwd=tmp_path, env=env)
    assert "0 failed" in out
    assert locked(db) == {1: False, 2: True, 3: False}
    approved = [e for e in SqlStore(db).events(limit=1000) if e.type == "entries.approved"]
    assert [(i["id"], i["status"]) for e in approved for i in e.data["items"]] == [
        ("2", "APPROVED")
    ]
    # A third round hands on nothing again: the callback's place in the log was kept.
    assert "0 events handled" in clientportal(*worker, cwd=tmp_path, env=env)
