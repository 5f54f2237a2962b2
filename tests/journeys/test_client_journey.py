"""The client's journey: an approval request arrives by e-mail; on her phone, with no session,
the contact opens its link, approves one entry and rejects another with a reason in its row; the
company's notice arrives; the host's database holds the new states. All in Dutch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from parts import (
    OFFICE,
    SUBMITTED,
    approve_in_row,
    awaiting_row,
    english_on,
    kade_world,
    portal_links_in,
    reject_in_row,
    served,
    text_of,
    to_addresses,
)

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    MailSettings,
    PortalService,
    PortalSettings,
    Workflow,
)
from clientportal.smtp import deliver_outbox
from clientportal.sql import SqlDataSource, SqlStore, create_engine, load_dataset, tables, upgrade
from clientportal.web import make_wsgi_app
from clientportal.workflow import Actor, Party
from smtp_sink import SmtpServer


def host_service(engine: sa.Engine, base_url: str) -> PortalService:
    """The host's service: its database, its company e-mail settings, the client in the loop."""
    store = SqlStore(engine)
    return PortalService(
        SqlDataSource(engine),
        store,
        secret_keys=["journey-secret-key-0123456789abcdef0123"],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Webbureau Kade",
            sender_address="uren@kade.example",
            message_id_domain="kade.example",
            base_url=base_url + "/portal",
            company_recipients=[f"Kantoor <{OFFICE}>"],
            company_language="nl",
        ),
    )


def test_from_the_approval_email_to_the_company_notice_on_a_phone(
    tmp_path: Path, smtp: SmtpServer, phone: Any
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'kade.sqlite3'}")
    upgrade(engine)
    load_dataset(engine, kade_world())
    built: list[PortalService] = []

    def build(url: str) -> Any:
        built.append(host_service(engine, url))
        return make_wsgi_app(built[0], prefix="/portal")

    with served(build) as url:
        service = built[0]
        service.admin.create_portal(
            id="lumen", client_id="lumen", name="Lumen — nieuwbouw", project_ids=["bim"],
            contact_ids=["ruud"], language="nl",
            settings=PortalSettings(approval=True, show_amounts=False),
        )  # fmt: skip
        # The team submits three entries to the client: the request goes out by e-mail.
        service.approvals.submit(list(SUBMITTED), by=Actor(Party.MANAGER, "max"))
        assert deliver_outbox(SqlStore(engine), smtp.mailer()).sent == 1
        (request,) = smtp.wait_for(1)
        assert to_addresses(request) == {"ruud@lumen.example"}
        body = text_of(request)
        assert "3 tijdregistraties (4,5 uur)" in body
        assert "30 dagen geldig" in body  # the link says how long it works
        (link,) = portal_links_in(request, url + "/portal/")

        # On her phone, with no session, Ruud opens the link: the approvals page, in Dutch.
        page = phone.new_page()
        response = page.goto(link)
        assert response is not None
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.url.endswith("/portal/lumen/approvals")
        approve_in_row(page, awaiting_row(page, SUBMITTED["k1"]))
        assert page.get_by_role("status").filter(has_text="goedgekeurd").count() == 1
        reject_in_row(page, awaiting_row(page, SUBMITTED["k2"]), "Dit overleg was niet in opdracht")
        assert page.get_by_role("status").filter(has_text="afgekeurd").count() == 1
        assert not english_on(page)

        # The company's notice arrives, in Dutch, naming both decisions and the reason.
        assert deliver_outbox(SqlStore(engine), smtp.mailer()).sent >= 1
        notices = [m for m in smtp.wait_for(3) if OFFICE in to_addresses(m)]
        text = "\n".join(text_of(m) for m in notices)
        assert SUBMITTED["k1"] in text
        assert SUBMITTED["k2"] in text
        assert "Dit overleg was niet in opdracht" in text

    # The host's own database holds the new states.
    with engine.connect() as conn:
        query = sa.select(tables.approvals.c.entry_id, tables.approvals.c.status)
        states: dict[str, str] = {row.entry_id: row.status for row in conn.execute(query)}
    assert states["k1"] == ApprovalStatus.APPROVED.value
    assert states["k2"] == ApprovalStatus.REJECTED.value
    assert states["k3"] == ApprovalStatus.PENDING_EXTERNAL.value
