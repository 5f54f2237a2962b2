"""A small company on the SQL backends for the security tests that serve it for real (a waitress
thread, ``clientportal serve`` processes): Lumen, with one contact, project and time entry, and the
portal ``lumen`` that shows them to its contact Ruud."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from clientportal import (
    Client,
    Contact,
    Dataset,
    Employee,
    MailSettings,
    PortalService,
    Project,
    TimeEntry,
)
from clientportal.sql import SqlDataSource, SqlStore, load_dataset

#: The portal's id; its contact is ``ruud``.
PORTAL = "lumen"
MAIL = MailSettings(
    sender_name="Kade",
    sender_address="hours@kade.example",
    message_id_domain="kade.example",
    base_url="http://127.0.0.1",
)


def lumen_dataset() -> Dataset:
    """Lumen's records: client, contact Ruud, employee Eva, project ``bim``, one entry."""
    return Dataset(
        clients=[Client("lumen", "Lumen")],
        contacts=[Contact("ruud", "lumen", "Ruud", "ruud@lumen.example")],
        employees=[Employee("eva", "Eva")],
        projects=[Project("bim", "lumen", "Office", member_ids={"eva"})],
        entries=[TimeEntry("e1", "bim", "eva", dt.date(2026, 3, 2), 3600, "Survey")],
    )


def lumen_service(engine: Engine, key: str) -> PortalService:
    """Lumen loaded into the database of ``engine`` (its tables made already), behind a service
    on ``SqlDataSource`` and ``SqlStore`` that signs with ``key``, with the portal :data:`PORTAL`
    created: the service."""
    load_dataset(engine, lumen_dataset())
    service = PortalService(SqlDataSource(engine), SqlStore(engine), secret_keys=[key], mail=MAIL)
    service.admin.create_portal(
        id=PORTAL, client_id="lumen", name="Lumen", project_ids=["bim"], contact_ids=["ruud"]
    )
    return service
