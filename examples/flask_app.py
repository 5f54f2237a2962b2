"""A Flask host app with the client portal mounted as a Blueprint at /portal.

Run: ``.venv/bin/python examples/flask_app.py`` (``--port 0`` picks a free port), then open the
portal link it prints. Needs ``pip install 'clientportal[flask]'``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import socket
from decimal import Decimal

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    Contact,
    Dataset,
    Employee,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    PortalService,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
)
from clientportal.contrib.flask import portal_blueprint
from clientportal.web import Request
from clientportal.web.console import DatasetDirectory, make_console_app
from clientportal.workflow import Actor, Party


def example_data(today: dt.date) -> Dataset:
    """A Dutch bike shop's web shop: one project, two developers, two weeks of hours."""
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, version=1)
    hours = [
        ("lisa", 1, 3.5, "Checkout: iDEAL payments", waiting),
        ("omar", 2, 6.0, "Product import from the till", waiting),
        ("lisa", 3, 2.0, "Shipping costs per region", ApprovalState()),
        ("omar", 9, 7.0, "Catalogue pages", ApprovalState()),
        ("lisa", 10, 4.5, "Search with filters", ApprovalState()),
    ]
    return Dataset(
        clients=[Client("fietsen", "Fietsen De Vries")],
        contacts=[Contact("joost", "fietsen", "Joost de Vries", "joost@fietsen.example", "nl")],
        employees=[Employee("lisa", "Lisa Chen"), Employee("omar", "Omar Haddad")],
        projects=[Project("shop", "fietsen", "Webwinkel", member_ids={"lisa", "omar"})],
        entries=[
            TimeEntry(f"f{n}", "shop", who, today - dt.timedelta(days=ago), int(h * 3600), what,
                      approval=state)
            for n, (who, ago, h, what, state) in enumerate(hours, 1)
        ],
        budgets=[Budget("b1", "shop", BudgetType.TOTAL_HOURS, Decimal("60"), Decimal("23"))],
    )  # fmt: skip


def create_service(base_url: str) -> PortalService:
    """The portal service over the example's data, with one Dutch portal."""
    store = MemoryStore()
    service = PortalService(
        MemoryDataSource(example_data(dt.date.today()), store),
        store,
        secret_keys=[secrets.token_urlsafe(32)],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Webbureau Kade",
            sender_address="uren@kade.example",
            message_id_domain="kade.example",
            base_url=base_url,
        ),
    )
    service.admin.create_portal(
        id="fietsen",
        client_id="fietsen",
        name="Fietsen De Vries — webwinkel",
        project_ids={"shop"},
        contact_ids={"joost"},
        language="nl",
        settings=PortalSettings(show_budget=True, approval=True),
    )
    return service


def staff_member(request: Request) -> Actor | None:
    """Who uses the staff console. Here: Lisa, from this machine only -- put your own login's
    check here (the console answers 403 to None)."""
    return Actor(Party.MANAGER, "lisa") if request.remote_addr in ("127.0.0.1", "::1") else None


def create_app(service: PortalService) -> Flask:
    """The host's Flask app: its own pages, and the portal's blueprint under /portal."""
    app = Flask(__name__)
    app.register_blueprint(portal_blueprint(service), url_prefix="/portal")
    # The staff console, a WSGI app of its own, beside the Flask app under /console.
    console = make_console_app(
        service, authorize=staff_member, directory=DatasetDirectory(example_data(dt.date.today()))
    )
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/console": console})  # type: ignore[method-assign]

    @app.get("/")
    def home() -> str:
        return "Webbureau Kade's time tracking. The client portal lives under /portal."

    return app


def main() -> None:
    """Serve the Flask app with Werkzeug's server and print a link into the portal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    args = parser.parse_args()
    sock = socket.create_server((args.host, args.port))
    base_url = f"http://{args.host}:{sock.getsockname()[1]}"
    service = create_service(base_url + "/portal")
    server = make_server(args.host, 0, create_app(service), threaded=True, fd=sock.fileno())
    token = service.links.issue("fietsen", "joost").token
    print(f"Portal link: {service.mail.link_url(token)}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
