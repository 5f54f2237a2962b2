"""A FastAPI host app with the client portal mounted at /portal, served by uvicorn.

Run: ``.venv/bin/python examples/fastapi_app.py`` (``--port 0`` picks a free port), then open the
portal link it prints. Needs ``pip install 'clientportal[fastapi]'``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import socket
from decimal import Decimal

import uvicorn
from fastapi import FastAPI

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    Workflow,
)
from clientportal.contrib.fastapi import mount_portal
from clientportal.web import Request
from clientportal.web.console import DatasetDirectory, make_console_asgi_app
from clientportal.workflow import Actor, Party


def example_data(today: dt.date) -> Dataset:
    """A German machine builder's service app: two projects, two engineers, a quote."""
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, version=1)
    hours = [
        ("app", "jonas", 1, 5.0, "Wartungsplan-Ansicht", waiting),
        ("app", "mila", 2, 3.0, "Anmeldung mit Firmenkonto", waiting),
        ("iot", "jonas", 4, 6.5, "Sensordaten einlesen", ApprovalState()),
        ("iot", "mila", 11, 4.0, "Alarmregeln", ApprovalState()),
    ]
    return Dataset(
        clients=[Client("werk", "Werkzeugbau Keller GmbH")],
        contacts=[Contact("petra", "werk", "Petra Keller", "p.keller@werk.example", "de")],
        employees=[Employee("jonas", "Jonas Weber"), Employee("mila", "Mila Novak")],
        projects=[
            Project("app", "werk", "Service-App", member_ids={"jonas", "mila"}),
            Project("iot", "werk", "Maschinendaten", member_ids={"jonas", "mila"}),
        ],
        entries=[
            TimeEntry(f"k{n}", project, who, today - dt.timedelta(days=ago), int(h * 3600),
                      what, approval=state)
            for n, (project, who, ago, h, what, state) in enumerate(hours, 1)
        ],
        quotes=[Quote("q1", "werk", "A-2026-07", today - dt.timedelta(days=20),
                      Decimal("8400.00"), "EUR", DocumentStatus.ACCEPTED)],
    )  # fmt: skip


def create_service(base_url: str) -> PortalService:
    """The portal service over the example's data, with one German portal."""
    store = MemoryStore()
    service = PortalService(
        MemoryDataSource(example_data(dt.date.today()), store),
        store,
        secret_keys=[secrets.token_urlsafe(32)],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Nordlicht Software",
            sender_address="zeiten@nordlicht.example",
            message_id_domain="nordlicht.example",
            base_url=base_url,
        ),
    )
    service.admin.create_portal(
        id="werk",
        client_id="werk",
        name="Werkzeugbau Keller",
        project_ids={"app", "iot"},
        contact_ids={"petra"},
        language="de",
        settings=PortalSettings(show_quotes=True, approval=True),
    )
    return service


def staff_member(request: Request) -> Actor | None:
    """Who uses the staff console. Here: Jonas, from this machine only -- put your own login's
    check here (the console answers 403 to None)."""
    return Actor(Party.MANAGER, "jonas") if request.remote_addr in ("127.0.0.1", "::1") else None


def create_app(service: PortalService) -> FastAPI:
    """The host's FastAPI app: its own API, and the portal mounted under /portal."""
    app = FastAPI(title="Nordlicht time tracking")
    mount_portal(app, service, path="/portal")
    directory = DatasetDirectory(example_data(dt.date.today()))
    console = make_console_asgi_app(service, authorize=staff_member, directory=directory)
    app.mount("/console", console)

    @app.get("/")
    def home() -> dict[str, str]:
        return {"app": "Nordlicht time tracking", "portal": "/portal"}

    return app


def main() -> None:
    """Serve the FastAPI app with uvicorn and print a link into the portal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args()
    sock = socket.create_server((args.host, args.port))
    base_url = f"http://{args.host}:{sock.getsockname()[1]}"
    service = create_service(base_url + "/portal")
    server = uvicorn.Server(uvicorn.Config(create_app(service), log_level="warning"))
    token = service.links.issue("werk", "petra").token
    print(f"Portal link: {service.mail.link_url(token)}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
