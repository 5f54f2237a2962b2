"""The company's journey, at the command line: on an empty database the operator stores the
company's settings, creates a portal, issues a link and submits hours; the client's approval
request goes out by e-mail, the client decides in the portal, the company's notice arrives, and
the outbox is empty. Every step is the ``clientportal`` command as an operator types it."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from parts import (
    OFFICE,
    SUBMITTED,
    approve_in_row,
    awaiting_row,
    cli_env,
    clientportal,
    free_port,
    kade_world,
    portal_links_in,
    reject_in_row,
    running,
    text_of,
    to_addresses,
)

from clientportal.sql import create_engine, load_dataset
from smtp_sink import SmtpServer


def test_from_company_set_to_an_empty_outbox(tmp_path: Path, smtp: SmtpServer, phone: Any) -> None:
    db = str(tmp_path / "kade.sqlite3")
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    env = cli_env(CLIENTPORTAL_SECRET_KEYS="kade-signing-key-0123456789abcdef0123456789")

    def cp(*args: str) -> str:
        return clientportal("--db", db, *args, cwd=tmp_path, env=env)

    assert "revision" in cp("db", "upgrade")
    load_dataset(create_engine(f"sqlite:///{db}"), kade_world())  # the host's app keeps its hours

    cp("company", "set", "--name", "Webbureau Kade", "--notify", f"Kantoor <{OFFICE}>",
       "--notice-language", "nl", "--workflow", "external", "--base-url", base,
       "--sender", "Webbureau Kade <uren@kade.example>", "--smtp-host", "127.0.0.1",
       "--smtp-port", str(smtp.port), "--smtp-tls", "none")  # fmt: skip
    shown = cp("company", "show")
    assert "Webbureau Kade" in shown
    assert OFFICE in shown

    created = cp("portal", "create", "--id", "lumen", "--client", "lumen", "--name",
                 "Lumen — nieuwbouw", "--project", "bim", "--contact", "ruud", "--language", "nl",
                 "--approval")  # fmt: skip
    assert "lumen" in created
    issued = cp("link", "issue", "lumen", "--contact", "ruud")
    assert re.search(rf"{re.escape(base)}/\S+", issued), issued
    listed = cp("link", "list", "lumen")
    assert "ruud" in listed

    with running(["--db", db, "serve", "--port", str(port)], cwd=tmp_path, port=port, env=env):
        submitted = cp("approvals", "submit", *SUBMITTED, "--by", "max", "--on-behalf")
        assert all(entry in submitted for entry in SUBMITTED)
        (request,) = smtp.wait_for(1)  # the server's outbox worker sends it
        assert to_addresses(request) == {"ruud@lumen.example"}
        (link,) = portal_links_in(request, base + "/")

        page = phone.new_page()
        response = page.goto(link)
        assert response is not None
        assert response.status == 200
        approve_in_row(page, awaiting_row(page, SUBMITTED["k1"]))
        reject_in_row(page, awaiting_row(page, SUBMITTED["k2"]), "Dit overleg was niet in opdracht")

        messages = smtp.wait_for(3)
        notices = [m for m in messages if OFFICE in to_addresses(m)]
        assert len(notices) == 2
        assert "Dit overleg was niet in opdracht" in "\n".join(text_of(m) for m in notices)
        assert all(str(m["From"]).startswith("Webbureau Kade") for m in messages)
        # The worker marks a message sent once the SMTP server took it: soon after it arrived.
        deadline = time.monotonic() + 30
        while "empty" not in (listed := cp("outbox", "list")).lower():
            assert time.monotonic() < deadline, listed
            time.sleep(0.5)
    states = cp("approvals", "list", "lumen")
    assert re.search(r"k1\b.*APPROVED|k1\b.*[Aa]pproved", states), states
    assert re.search(r"k2\b.*REJECTED|k2\b.*[Rr]ejected", states), states
