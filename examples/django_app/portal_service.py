"""The example project's portal service: its data, and one French portal."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
)
from clientportal.web import Request
from clientportal.web.console import DatasetDirectory, make_console_app
from clientportal.workflow import Actor, Party


def example_data(today: dt.date) -> Dataset:
    """A French wine estate's brand refresh: one project, two designers, an invoice."""
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, version=1)
    hours = [
        ("ines", 1, 4.0, "Nouvelles étiquettes", waiting),
        ("paul", 2, 2.5, "Photos du domaine", waiting),
        ("ines", 6, 6.0, "Logo : trois pistes", ApprovalState()),
        ("paul", 12, 3.0, "Atelier de lancement", ApprovalState()),
    ]
    return Dataset(
        clients=[Client("domaine", "Domaine des Tilleuls")],
        contacts=[Contact("claire", "domaine", "Claire Martin", "claire@tilleuls.example", "fr")],
        employees=[Employee("ines", "Inès Moreau"), Employee("paul", "Paul Girard")],
        projects=[Project("marque", "domaine", "Identité visuelle", member_ids={"ines", "paul"})],
        entries=[
            TimeEntry(f"d{n}", "marque", who, today - dt.timedelta(days=ago), int(h * 3600),
                      what, approval=state)
            for n, (who, ago, h, what, state) in enumerate(hours, 1)
        ],
        invoices=[Invoice("i1", "domaine", "F-2026-031", today - dt.timedelta(days=3),
                          Decimal("1850.00"), "EUR", DocumentStatus.SENT)],
    )  # fmt: skip


def create_service(base_url: str) -> PortalService:
    """The portal service over the example's data, with one French portal."""
    store = MemoryStore()
    service = PortalService(
        MemoryDataSource(example_data(dt.date.today()), store),
        store,
        secret_keys=[secrets.token_urlsafe(32)],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Atelier Brun",
            sender_address="heures@brun.example",
            message_id_domain="brun.example",
            base_url=base_url,
        ),
    )
    service.admin.create_portal(
        id="domaine",
        client_id="domaine",
        name="Domaine des Tilleuls",
        project_ids={"marque"},
        contact_ids={"claire"},
        language="fr",
        settings=PortalSettings(show_invoices=True, approval=True),
    )
    return service


service = create_service(settings.BASE_URL + "/portal")


def staff_member(request: Request) -> Actor | None:
    """Who uses the staff console. Here: Inès, from this machine only -- put your own login's
    check here (the console answers 403 to None)."""
    return Actor(Party.MANAGER, "ines") if request.remote_addr in ("127.0.0.1", "::1") else None


#: The staff console, served beside Django under /console/ (serve.py).
staff_console = make_console_app(
    service,
    authorize=staff_member,
    directory=DatasetDirectory(example_data(dt.date.today())),
    prefix="/console",
)
