"""A host wires PortalService: its data, the library's store, the access keys, mail and outbox.

Runs as is (``python examples/service_host.py``) on the in-memory backends; a real host swaps in
``clientportal.sql`` (or its own DataSource) and ``SmtpMailer``. Every step prints what happened.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Sequence
from decimal import Decimal

from clientportal import (
    Actor,
    ApprovalPolicy,
    Client,
    Contact,
    Dataset,
    Employee,
    EntryQuery,
    MailSettings,
    MemoryDataSource,
    MemoryStore,
    Party,
    PortalService,
    PortalSettings,
    Project,
    TimeEntry,
    Workflow,
    run_outbox_worker,
)

# -- 1. The host's data: here a Dataset in memory; in production your own DataSource -------------

day = dt.date(2026, 3, 2)
data = Dataset(
    clients=[Client("acme", "Acme B.V.")],
    contacts=[Contact("anna", "acme", "Anna de Vries", "anna@acme.example", "nl")],
    employees=[Employee("eva", "Eva Jansen")],
    projects=[Project("web", "acme", "Website relaunch", member_ids={"eva"})],
    entries=[
        TimeEntry("e1", "web", "eva", day, 7 * 3600, description="Homepage", rate=Decimal(90)),
        TimeEntry("e2", "web", "eva", day + dt.timedelta(days=1), 3600, description="Review"),
    ],
)

# -- 2. The library's own state (portals, links, approvals, audit, outbox) -----------------------

store = MemoryStore()  # production: clientportal.sql.SqlStore(engine)
source = MemoryDataSource(data, store)  # approval states come from the store

# -- 3. The service ------------------------------------------------------------------------------

service = PortalService(
    source,
    store,
    # Oldest -> newest, for rotation. A real host reads its keys from its settings or the
    # environment (os.environ["PORTAL_SECRET"]); this example makes a fresh one on every run.
    secret_keys=[secrets.token_urlsafe(32)],
    policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
    mail=MailSettings(
        sender_name="Example Co",
        sender_address="portal@example.com",
        message_id_domain="portal.example.com",
        base_url="https://portal.example.com",
        company_recipients=["Office <office@example.com>"],
    ),
)

# -- 4. Administration: a portal for Acme, and Anna's link ---------------------------------------

portal = service.admin.create_portal(
    client_id="acme",
    name="Acme website",
    project_ids=["web"],
    contact_ids=["anna"],
    language="nl",
    settings=PortalSettings(approval=True, show_amounts=True),
)
issued = service.links.issue(portal.id, "anna")
print("link:", service.mail.link_url(issued.token).startswith("https://portal.example.com/open/"))

# -- 5. A visit: open the link (a session cookie), then every request checks the session ---------

opening = service.access.open(issued.token, client="203.0.113.7")
assert opening.session is not None
visit = service.access.check_session(opening.session.value, client="203.0.113.7")
page = service.pages.hours(visit, EntryQuery(limit=50))
print("hours:", [(e.id, e.seconds // 3600, str(e.amount)) for e in page.entries])
print("csv:", next(iter(service.pages.export_csv(visit))).strip())

# -- 6. Approval: staff submit, the client approves; e-mails wait in the outbox ------------------

service.approvals.submit(["e1", "e2"], by=Actor(Party.EMPLOYEE, "eva"))
result = service.approvals.client_approve(visit, ["e1"])
print("approved:", [o.entry_id for o in result.applied])
print("queued e-mails:", len(store.pending()))


# -- 7. The outbox worker delivers them (production: SmtpMailer("smtp.example.com", ...)) --------


class PrintingMailer:
    """A Mailer that prints instead of sending."""

    def send(self, message: bytes, *, sender: str | None, recipients: Sequence[str]) -> None:
        print("sent to:", ", ".join(recipients))


stop = threading.Event()
worker = threading.Thread(
    target=run_outbox_worker,
    args=(store, PrintingMailer()),
    kwargs={"stop": stop, "interval": 0.05},
)
worker.start()
while store.pending():
    stop.wait(0.01)
stop.set()
worker.join()
print("history of e1:", [event.action.name for event in service.approvals.history("e1")])
