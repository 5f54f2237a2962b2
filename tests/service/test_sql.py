"""The service end to end on the SQL backends (SQLite): the same pages as portal_view, decisions
stored with their audit trail and e-mails in one transaction, and the outbox delivered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from worlds import EXTERNAL, MAIL, MAX, SECRET, T0, acme_portal, service_dataset

pytest.importorskip("sqlalchemy", reason="the SQL backend needs the sql extra")

from clientportal import portal_view
from clientportal.memory import ManualClock
from clientportal.ports import EntryQuery
from clientportal.service import Outcome, PortalService
from clientportal.smtp import deliver_outbox
from clientportal.sql import SqlDataSource, SqlStore, create_engine, load_dataset, upgrade
from clientportal.testing.contract import filed_dataset
from clientportal.visibility import PortalEntry
from clientportal.workflow import Action


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    engine = create_engine(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    upgrade(engine)
    load_dataset(engine, service_dataset(extra_entries=150))
    store = SqlStore(engine)
    store.put_portal(acme_portal())
    yield store
    engine.dispose()


@pytest.fixture
def service(store: SqlStore) -> PortalService:
    return PortalService(SqlDataSource(store.engine), store, mail=MAIL, secret_keys=[SECRET],
                         clock=ManualClock(T0), policy=EXTERNAL)  # fmt: skip


class CollectingMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, ...]] = []

    def send(self, message: bytes, *, sender: str | None, recipients: Sequence[str]) -> None:
        self.sent.append(tuple(recipients))


def test_sql_pages_equal_portal_view(service: PortalService) -> None:
    portal = acme_portal()
    view = portal_view(portal, filed_dataset(service_dataset(extra_entries=150)), EXTERNAL)
    overview = service.pages.overview(portal)
    assert (overview.projects, overview.budgets, overview.invoices, overview.quotes) == (
        view.projects, view.budgets, view.invoices, view.quotes,
    )  # fmt: skip
    assert overview.employees == view.employees
    entries: list[PortalEntry] = []
    query: EntryQuery | None = EntryQuery(limit=40)
    while query is not None:
        page = service.pages.hours(portal, query)
        entries += page.entries
        query = page.next_query
    assert entries == list(view.entries)
    lines = list(service.pages.export_csv(portal))
    assert len(lines) == 1 + len(view.entries)


def test_sql_decisions_audit_and_outbox(service: PortalService, store: SqlStore) -> None:
    portal = acme_portal()
    ids = [
        e.id for e in service.pages.hours(portal, EntryQuery(limit=1000)).entries if e.id != "w7"
    ]
    assert service.approvals.submit(ids, by=MAX).all_applied
    issued = service.links.issue(portal.id, "anna")
    opening = service.access.open(issued.token, client="192.0.2.9")
    assert opening.session is not None
    visit = service.access.check_session(opening.session.value, client="192.0.2.9")
    seen = {
        e.id: e.version
        for e in service.pages.awaiting_approval(visit, EntryQuery(limit=10)).entries
    }
    stale = next(iter(seen))
    service.approvals.act(Action.WITHDRAW, [stale], by=MAX)
    result = service.approvals.client_approve(visit, list(seen), versions=seen)
    assert [o.entry_id for o in result.changed_meanwhile] == [stale]
    assert len(result.applied) == len(seen) - 1
    rejected = service.approvals.client_reject(visit, ids[-3:], reason="not agreed")
    assert all(o.outcome is Outcome.APPLIED for o in rejected.outcomes)
    approved = result.applied[0].entry_id
    assert [e.action for e in service.approvals.history(approved)] == [
        Action.SUBMIT,
        Action.APPROVE,
    ]
    # two approval requests, the approval notice and the rejection notice
    mailer = CollectingMailer()
    report = deliver_outbox(store, mailer, clock=ManualClock(T0 + dt.timedelta(seconds=1)))
    assert report.sent == 4
    assert sorted(mailer.sent) == [
        ("anna@acme.example",),
        ("bob@acme.example",),
        ("office@example.com", "boss@example.com"),
        ("office@example.com", "boss@example.com"),
    ]
    assert list(store.pending()) == []
