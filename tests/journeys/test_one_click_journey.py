"""One click from the e-mail, safe from mail scanners: Webbureau Kade submits three entries; the
approval request reaches Ruud through a real SMTP server (aiosmtpd); a mail scanner fetches its
action link ten times (plain GETs, HEAD, prefetches, as Safe Links and friends do) and nothing
changes in the database, not one row; Ruud opens the link on his phone (a fresh Chromium context
at 390 px) and approves with one press; the entries are approved, and the company's notice, which
arrives through the same SMTP server, carries the sign-off PDF: its text (pdftotext) lists the
entries and the SHA-256 of the signed entry set, which is the one the decision's event carries.

Run on SQLite (a file) and on PostgreSQL (a schema of its own), each with the service served by
waitress.
"""

from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from parts import SUBMITTED, kade_world, links_in, served, to_addresses

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    MailSettings,
    PortalService,
    PortalSettings,
    Workflow,
)
from clientportal.memory import MemoryDataSource
from clientportal.signoff import entry_set_hash, read_certificate
from clientportal.smtp import deliver_outbox
from clientportal.sql import SqlStore
from clientportal.sql import tables as t
from clientportal.web import make_wsgi_app
from clientportal.workflow import Actor, Party
from pdftext import pdf_text
from smtp_sink import SmtpServer

pytest.importorskip("fpdf", reason="the sign-off PDF needs the pdf extra (fpdf2)")


OFFICE = "office@kade.example"
#: What a mail scanner sends: a plain GET, a HEAD, the prefetch hints browsers and scanners use.
SCANS: tuple[tuple[str, dict[str, str]], ...] = (
    ("GET", {}),
    ("HEAD", {}),
    ("GET", {"User-Agent": "Mozilla/5.0 (compatible; Microsoft Safe Links)"}),
    ("GET", {"Purpose": "prefetch"}),
    ("GET", {"Sec-Purpose": "prefetch"}),
    ("HEAD", {"User-Agent": "Barracuda Sentinel"}),
    ("GET", {"X-Moz": "prefetch"}),
    ("GET", {"Sec-Purpose": "prefetch;prerender", "Sec-Fetch-Dest": "document"}),
    ("HEAD", {"Purpose": "prefetch"}),
    ("GET", {"Accept": "*/*", "User-Agent": "Proofpoint URL Defense"}),
)


def database_rows(engine: sa.Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table of the library, as text, sorted: the whole state to compare."""
    rows: dict[str, list[tuple[str, ...]]] = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            found = conn.execute(sa.select(table)).all()
            rows[table.name] = sorted(tuple(str(v) for v in row) for row in found)
    return rows


def scan(url: str, method: str, headers: dict[str, str]) -> int:
    """Fetch ``url`` as a mail scanner does: no cookies, no redirects followed."""
    request = urllib.request.Request(url, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()
        return int(answer.status)


def deliver(store: SqlStore, smtp: SmtpServer) -> None:
    """Deliver the store's outbox through the test's SMTP server, as the worker does."""
    report = deliver_outbox(store, smtp.mailer())
    assert report.failed == 0
    assert report.sent > 0


def test_an_approval_from_the_email_survives_the_scanner_and_is_signed_off(
    engine: sa.Engine, smtp: SmtpServer, phone: Any, tmp_path: Path
) -> None:
    built: list[PortalService] = []
    sources: list[MemoryDataSource] = []

    def statuses() -> set[ApprovalStatus]:
        return {e.approval.status for e in sources[0].entries_by_id(frozenset(SUBMITTED))}

    def build(url: str) -> Any:
        store = SqlStore(engine)
        sources.append(MemoryDataSource(kade_world(), store))
        built.append(
            PortalService(
                sources[0],
                store,
                secret_keys=["one-click-journey-secret-0123456789abcdef"],
                policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
                mail=MailSettings(
                    sender_name="Webbureau Kade",
                    sender_address="uren@kade.example",
                    message_id_domain="kade.example",
                    base_url=url + "/portal",
                    company_recipients=[OFFICE],
                ),
            )
        )
        return make_wsgi_app(built[0], prefix="/portal")

    with served(build) as url:
        service = built[0]
        store = SqlStore(engine)
        service.admin.create_portal(
            id="lumen", client_id="lumen", name="Lumen", project_ids=["bim"],
            contact_ids=["ruud"], language="nl", settings=PortalSettings(approval=True),
        )  # fmt: skip
        assert service.approvals.submit(list(SUBMITTED), by=Actor(Party.MANAGER, "max")).all_applied

        # The request reaches Ruud through SMTP, with its one-click action link.
        deliver(store, smtp)
        (request,) = smtp.wait_for(1)
        assert to_addresses(request) == {"ruud@lumen.example"}
        (action,) = links_in(request, url + "/portal/act/")

        # A mail scanner fetches the link ten times: not one row of the database changes.
        before = database_rows(engine)
        for method, headers in SCANS:
            assert scan(action, method, headers) == 200
        assert database_rows(engine) == before
        assert statuses() == {ApprovalStatus.PENDING_EXTERNAL}

        # Ruud opens it on his phone and approves with one press.
        page = phone.new_page()
        page.goto(action)
        assert page.viewport_size["width"] == 390
        assert page.locator("h1").inner_text() == "Uw goedkeuring wordt gevraagd"
        for description in SUBMITTED.values():
            assert page.get_by_text(description).count() == 1
        with page.expect_navigation():
            page.get_by_role("button", name="Alles goedkeuren").click()
        assert page.locator("h1").inner_text() == "Bedankt"
        assert page.get_by_text("3 tijdregistraties goedgekeurd.").count() == 1

    assert statuses() == {ApprovalStatus.APPROVED}
    (event,) = [e for e in store.events(limit=1000) if e.type == "entries.approved"]
    assert event.data["actor"] == {"party": "CLIENT", "id": "ruud"}
    sha256 = event.data["signoff_sha256"]

    # The company's notice arrives with the sign-off PDF.
    deliver(store, smtp)
    notices = [m for m in smtp.wait_for(2) if OFFICE in to_addresses(m)]
    assert len(notices) == 1
    [pdf] = [p for p in notices[0].iter_attachments() if p.get_content_type() == "application/pdf"]
    data = pdf.get_content()
    text = pdf_text(data, tmp_path)
    for description in SUBMITTED.values():
        assert description in text
    assert sha256 in text.replace(" ", "")  # however the PDF wraps it
    signoff = store.get_signoff(event.data["signoff_id"])
    assert signoff is not None
    assert signoff.sha256 == sha256
    assert entry_set_hash(read_certificate(signoff).rows) == sha256
    assert hashlib.sha256(data).hexdigest() != sha256  # the hash is of the entries, not the file
