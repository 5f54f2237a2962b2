"""The action desk over the SQL store, on SQLite and PostgreSQL: a link fetched many times changes
no row; eight decisions racing on one link (a double click, a retried POST, the contact's second
device) decide each item once, write one decision event and use the link once.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from clientportal import ApprovalStatus, PortalService
from clientportal.memory import ManualClock, MemoryDataSource
from clientportal.service.actions import ActionResult, ActionStatus

pytest.importorskip("sqlalchemy", reason="the SQL store needs the sql extra")

from clientportal.sql import SqlStore
from clientportal.sql import tables as t
from worlds import (
    EXTERNAL,
    MAIL,
    MAX,
    OPEN_ON_WEB,
    SECRET,
    T0,
    acme_portal,
    mails_of,
    service_dataset,
)

from .test_actions import action_tokens


def sql_world(
    engine: sa.Engine,
) -> tuple[PortalService, SqlStore, MemoryDataSource, dict[str, str]]:
    store = SqlStore(engine)
    store.put_portal(acme_portal())
    data = MemoryDataSource(service_dataset(), store)
    service = PortalService(
        data, store, mail=MAIL, secret_keys=[SECRET], clock=ManualClock(T0), policy=EXTERNAL
    )
    assert service.approvals.submit(OPEN_ON_WEB, by=MAX).all_applied
    return service, store, data, action_tokens(mails_of(store.pending()))


def rows(engine: sa.Engine) -> dict[str, list[tuple[str, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(map(str, r)) for r in conn.execute(sa.select(table)).all())
            for table in t.metadata.sorted_tables
        }


def test_looking_changes_no_row(engine: sa.Engine) -> None:
    service, _, _, tokens = sql_world(engine)
    before = rows(engine)
    for _ in range(10):
        view = service.actions.look(tokens["anna"])
        assert len(view.decidable) == 6
    assert rows(engine) == before


def test_racing_decisions_on_one_link_decide_each_item_once(engine: sa.Engine) -> None:
    service, store, data, tokens = sql_world(engine)
    results: list[ActionResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def decide() -> None:
        start.wait()
        try:
            results.append(service.actions.decide(tokens["anna"], approve=True))
        except BaseException as error:  # reported below, with the test's assertion
            errors.append(error)

    threads = [threading.Thread(target=decide) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    applied = sorted(i.id for r in results for i in r.applied)
    assert applied == sorted(OPEN_ON_WEB)
    approved = [e for e in store.events(limit=1000) if e.type == "entries.approved"]
    assert sorted(i["id"] for e in approved for i in e.data["items"]) == sorted(OPEN_ON_WEB)
    entries = data.entries_by_id(frozenset(OPEN_ON_WEB))
    assert {e.approval.status for e in entries} == {ApprovalStatus.APPROVED}
    request = store.get_request(service.actions.look(tokens["anna"]).request_id)
    assert request is not None
    assert request.used_at is not None
    later = service.actions.decide(tokens["anna"], approve=False, reason="Too late")
    assert later.status is ActionStatus.USED
