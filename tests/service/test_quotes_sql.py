"""Quote decisions on the SQL store (SQLite, PostgreSQL): stored with their notice and event in
one transaction, read back, and decided once however many contacts press at the same moment."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL backend needs the sql extra")

from clientportal import MemoryDataSource
from clientportal.memory import ManualClock
from clientportal.ports.events import QUOTE_ACCEPTED, QUOTE_DECLINED
from clientportal.service import PortalService
from clientportal.service.quotes import Openness, QuoteClosed
from clientportal.sql import SqlStore
from quote_world import NOW, quote_dataset, quote_portal
from worlds import MAIL, SECRET, mails_of, text_of, visit_as

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def sql_service(engine: Engine) -> tuple[PortalService, SqlStore]:
    store = SqlStore(engine)
    store.put_portal(quote_portal())
    data = MemoryDataSource(quote_dataset(), store)
    clock = ManualClock(NOW)
    return PortalService(data, store, mail=MAIL, secret_keys=[SECRET], clock=clock), store


def quote_events(store: SqlStore) -> list[str]:
    return [e.type for e in store.events(limit=1000) if e.type.startswith("quote.")]


def test_a_decision_is_stored_with_its_notice_and_event(engine: Engine) -> None:
    service, store = sql_service(engine)
    visit = visit_as(service, "carla", "acme-q")
    decision = service.quotes.decide(
        visit, "q-nodate", accept=False, signature="Carla Weber", reason="Zu teuer – leider."
    )
    assert store.quote_decisions("acme", frozenset({"q-nodate", "q-open"})) == {
        "q-nodate": decision
    }
    assert quote_events(store) == [QUOTE_DECLINED]
    (notice,) = mails_of(store.pending())
    assert "> Zu teuer – leider." in text_of(notice)
    assert service.quotes.quote(visit, "q-nodate").openness is Openness.DECIDED


def test_eight_racing_contacts_decide_a_quote_once(engine: Engine) -> None:
    service, store = sql_service(engine)
    visits = [visit_as(service, ("bob", "carla")[n % 2], "acme-q") for n in range(8)]
    barrier = threading.Barrier(8)
    won: list[str] = []
    lost: list[QuoteClosed] = []

    def decide(n: int) -> None:
        barrier.wait()
        try:
            service.quotes.decide(visits[n], "q-open", accept=True, signature=f"Signer {n}")
            won.append(f"Signer {n}")
        except QuoteClosed as closed:
            lost.append(closed)

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert len(lost) == 7
    assert all(c.openness is Openness.DECIDED for c in lost)
    stored = store.quote_decisions("acme", frozenset({"q-open"}))["q-open"]
    assert stored.signature == won[0]
    assert quote_events(store) == [QUOTE_ACCEPTED]
    assert len(store.pending()) == 1
