"""A host app in plain WSGI with the client portal mounted at /portal, served by waitress.

Run: ``.venv/bin/python examples/wsgi_app.py`` (``--port 0`` picks a free port), then open the
portal link it prints. Needs ``pip install 'clientportal[web]'``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import socket
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import waitress

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
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
from clientportal.web import Request, make_wsgi_app
from clientportal.web.console import DatasetDirectory, make_console_app
from clientportal.workflow import Actor, Party


def example_data(today: dt.date) -> Dataset:
    """A small design studio: one client, one project, two people, a week and a half of hours."""
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, version=1)
    hours = [
        ("eva", 1, 6.0, "Homepage wireframes", waiting),
        ("tom", 1, 2.5, "Contact form", waiting),
        ("eva", 2, 7.5, "Design system: colours and type", ApprovalState()),
        ("tom", 3, 4.0, "Hosting set-up", ApprovalState()),
        ("eva", 8, 5.0, "Kick-off workshop", ApprovalState()),
        ("tom", 9, 3.0, "Content inventory", ApprovalState()),
    ]
    return Dataset(
        clients=[Client("acme", "Acme Bakery")],
        contacts=[Contact("ann", "acme", "Ann Baker", "ann@acme.example", "en")],
        employees=[Employee("eva", "Eva Jansen"), Employee("tom", "Tom Bakker")],
        projects=[Project("web", "acme", "New website", member_ids={"eva", "tom"})],
        entries=[
            TimeEntry(f"w{n}", "web", who, today - dt.timedelta(days=ago), int(h * 3600), what,
                      approval=state)
            for n, (who, ago, h, what, state) in enumerate(hours, 1)
        ],
        budgets=[Budget("b1", "web", BudgetType.TOTAL_HOURS, Decimal("80"), Decimal("28"))],
        invoices=[Invoice("i1", "acme", "2026-001", today - dt.timedelta(days=5),
                          Decimal("1200.00"), "EUR", DocumentStatus.SENT)],
    )  # fmt: skip


def create_service(base_url: str) -> PortalService:
    """The portal service over the example's data, with one portal for Acme's contact."""
    store = MemoryStore()
    service = PortalService(
        MemoryDataSource(example_data(dt.date.today()), store),
        store,
        secret_keys=[secrets.token_urlsafe(32)],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Studio Pixel",
            sender_address="hours@studio.example",
            message_id_domain="studio.example",
            base_url=base_url,
        ),
    )
    service.admin.create_portal(
        id="acme",
        client_id="acme",
        name="Acme Bakery — new website",
        project_ids={"web"},
        contact_ids={"ann"},
        settings=PortalSettings(show_budget=True, show_invoices=True, approval=True),
    )
    return service


StartResponse = Callable[..., Any]


def staff_member(request: Request) -> Actor | None:
    """Who uses the staff console. Here: Eva, from this machine only -- put your own login's
    check here (the console answers 403 to None)."""
    return Actor(Party.MANAGER, "eva") if request.remote_addr in ("127.0.0.1", "::1") else None


def create_app(
    service: PortalService,
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The host's WSGI app: its own pages, and the portal under /portal."""
    portal = make_wsgi_app(service, prefix="/portal")
    console = make_console_app(
        service, authorize=staff_member, directory=DatasetDirectory(example_data(dt.date.today())),
        prefix="/console",
    )  # fmt: skip

    def host_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/portal" or path.startswith("/portal/"):
            return portal(environ, start_response)
        if path == "/console" or path.startswith("/console/"):
            return console(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Studio Pixel's time tracking. The client portal lives under /portal.\n"]

    return host_app


def main() -> None:
    """Serve the host app with waitress and print a link into the portal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args()
    sock = socket.create_server((args.host, args.port))
    base_url = f"http://{args.host}:{sock.getsockname()[1]}"
    service = create_service(base_url + "/portal")
    server = waitress.create_server(create_app(service), sockets=[sock], threads=4)
    token = service.links.issue("acme", "ann").token
    print(f"Portal link: {service.mail.link_url(token)}", flush=True)
    print(f"Staff console: {base_url}/console/", flush=True)
    server.run()


if __name__ == "__main__":
    main()
