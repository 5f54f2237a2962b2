"""The world of the quote tests: Acme with quotes in every state, and Globex with one of its own.

- ``q-open``: sent, valid for another month (the one to accept or decline);
- ``q-nodate``: sent, without a ``valid_until`` (open);
- ``q-last-day``: sent, valid until today (open through the day everywhere);
- ``q-expired``: sent, but its ``valid_until`` was two days ago;
- ``q-marked-expired``: the host marked it expired;
- ``q-draft``: a draft (the portal never shows it);
- ``q-won``: the host already marked it accepted (shown, not open);
- ``g-open``: Globex's, sent and valid (never in Acme's portal).

The portal ``acme-q`` shows Acme's quotes to its contacts Bob (English) and Carla (German);
``acme-shared`` is the same portal for a shared link test. :class:`HeldOpen` is a source that
narrows the open quotes with :class:`~clientportal.ports.OpenQuotes`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from clientportal import (
    Client,
    Contact,
    Dataset,
    DocumentStatus,
    MemoryDataSource,
    MemoryStore,
    Portal,
    PortalSettings,
    Project,
    Quote,
)
from clientportal.ports import DocumentFile
from worlds import MAIL, ServiceWorld, service_world

#: The clock of the quote world.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
SENT = DocumentStatus.SENT


def _quote(id: str, client: str, number: str, status: DocumentStatus, **kw: Any) -> Quote:
    return Quote(
        id,
        client,
        number,
        kw.pop("date", dt.date(2026, 2, 20)),
        kw.pop("amount", Decimal("4250.00")),
        "EUR",
        status,
        kw.pop("project_ids", {"web"}),
        **kw,
    )


def quote_dataset() -> Dataset:
    """Acme's and Globex's quotes in every state the rules tell apart."""
    month = TODAY + dt.timedelta(days=30)
    return Dataset(
        clients=[Client("acme", "Acme BV"), Client("globex", "Globex")],
        contacts=[
            Contact("bob", "acme", "Bob Smith", "bob@acme.example"),
            Contact("carla", "acme", "Carla Weber", "carla@acme.example", "de"),
            Contact("gus", "globex", "Gus", "gus@globex.example"),
        ],
        projects=[
            Project("web", "acme", "Website"),
            Project("app", "acme", "App"),
            Project("erp", "globex", "ERP"),
        ],
        quotes=[
            _quote(
                "q-open", "acme", "Q-2026-07", SENT, valid_until=month, project_ids={"web", "app"}
            ),
            _quote("q-nodate", "acme", "Q-2026-08", SENT, date=dt.date(2026, 2, 25)),
            _quote("q-last-day", "acme", "Q-2026-09", SENT, valid_until=TODAY),
            _quote(
                "q-expired", "acme", "Q-2026-03", SENT, valid_until=TODAY - dt.timedelta(days=2)
            ),
            _quote("q-marked-expired", "acme", "Q-2026-02", DocumentStatus.EXPIRED),
            _quote("q-draft", "acme", "Q-2026-10", DocumentStatus.DRAFT),
            _quote("q-won", "acme", "Q-2026-01", DocumentStatus.ACCEPTED),
            _quote("g-open", "globex", "GLX-Q-1", SENT, valid_until=month, project_ids={"erp"}),
        ],
    )


SHOWS_QUOTES = PortalSettings(show_hours=False, show_quotes=True)


def quote_portal(**changes: Any) -> Portal:
    """Acme's portal that shows quotes to Bob and Carla."""
    values: dict[str, Any] = {
        "id": "acme-q",
        "client_id": "acme",
        "name": "Acme quotes",
        "project_ids": frozenset({"web", "app"}),
        "contact_ids": frozenset({"bob", "carla"}),
        "settings": SHOWS_QUOTES,
        "created_at": NOW - dt.timedelta(days=30),
    }
    values.update(changes)
    return Portal(**values)


DOCUMENTS = {("quote", "q-open"): DocumentFile("Q-2026-07.pdf", "application/pdf", b"%PDF-1.4 q")}


class HeldOpen(MemoryDataSource):
    """A memory source whose host holds only ``open_ids`` of a client's quotes open."""

    def __init__(self, dataset: Dataset, store: MemoryStore, open_ids: frozenset[str]) -> None:
        super().__init__(dataset, store)
        self.open_ids = open_ids
        self.asked: list[str] = []

    def open_quote_ids(self, client_id: str) -> frozenset[str]:
        self.asked.append(client_id)
        return self.open_ids


def quote_world(*, source: str = "memory", mail: Any = MAIL, **portal: Any) -> ServiceWorld:
    """A service over the quote dataset with the portal ``acme-q`` (changed by ``portal``).
    ``source="held"`` makes the host hold only ``q-nodate`` open."""
    store = MemoryStore()
    data = quote_dataset()
    chosen = (
        HeldOpen(data, store, frozenset({"q-nodate"}))
        if source == "held"
        else MemoryDataSource(data, store, documents=DOCUMENTS)
    )
    world = service_world(
        portals=(quote_portal(**portal),), data=data, source=chosen, store=store, mail=mail
    )
    world.clock.set(NOW)
    return world
