"""A page's reads share one connection (``clientportal.sql.shared``): one checkout from the pool
per page instead of one per statement; never two connections held at once by a thread (a write
returns the shared one first); each read still sees what is committed when it runs."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the SQL backend needs the sql extra")

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from webtools import WsgiClient, csrf_of, open_portal

from clientportal.memory import ManualClock
from clientportal.service import PortalService
from clientportal.sql import SqlDataSource, SqlStore, load_dataset, one_connection
from clientportal.web import make_wsgi_app
from worlds import EXTERNAL, MAIL, SECRET, WEB_T0, WebWorld, create_acme_en, web_dataset


class Checkouts:
    """Counts the pool's checkouts of an engine, and the most connections one thread held."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.count, self.held, self.most = engine, 0, 0, 0
        self._thread = threading.get_ident()

    def checkout(self, *_: Any) -> None:
        if threading.get_ident() == self._thread:
            self.count += 1
            self.held += 1
            self.most = max(self.most, self.held)

    def checkin(self, *_: Any) -> None:
        if threading.get_ident() == self._thread:
            self.held -= 1

    def reset(self) -> None:
        self.count = self.most = 0


@pytest.fixture
def checkouts(engine: Engine) -> Iterator[Checkouts]:
    counter = Checkouts(engine)
    sa.event.listen(engine, "checkout", counter.checkout)
    sa.event.listen(engine, "checkin", counter.checkin)
    yield counter
    sa.event.remove(engine, "checkout", counter.checkout)
    sa.event.remove(engine, "checkin", counter.checkin)


@pytest.fixture
def world(engine: Engine) -> WebWorld:
    load_dataset(engine, web_dataset())
    store = SqlStore(engine)
    clock = ManualClock(WEB_T0)
    service = PortalService(SqlDataSource(engine), store, mail=MAIL, secret_keys=SECRET,
                            clock=clock, policy=EXTERNAL)  # fmt: skip
    create_acme_en(service)
    return WebWorld(clock=clock, store=store, data=None, service=service, limiter=None)  # type: ignore[arg-type]


PAGES = ("", "/hours", "/hours?project=web", "/approvals", "/invoices", "/quotes")


def test_a_page_takes_one_connection_from_the_pool(world: WebWorld, checkouts: Checkouts) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    checkouts.reset()
    assert open_portal(client, world).status == 200
    assert checkouts.most == 1  # the first request, which looks up the schema, too
    for page in PAGES:
        checkouts.reset()
        result = client.get(f"/portal/acme-en{page}")
        assert result.status == 200, page
        assert (checkouts.count, checkouts.most) == (1, 1), page


def test_a_decision_never_holds_two_connections(world: WebWorld, checkouts: Checkouts) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    assert open_portal(client, world).status == 200
    page = client.get("/portal/acme-en/approvals")
    assert 'value="1:p1"' in page.text
    checkouts.reset()
    form = [("csrf_token", csrf_of(page)), ("action", "approve"), ("entry", "1:p1")]
    answer = client.post("/portal/acme-en/approvals", data=form)
    assert answer.status == 303, answer.text
    assert checkouts.most == 1  # the write returned the shared connection before taking its own
    assert checkouts.count >= 2  # reads, the decision's transaction
    assert world.store.history("p1")[-1].after.status.name == "APPROVED"


def test_reads_in_the_block_see_what_others_commit(engine: Engine, checkouts: Checkouts) -> None:
    load_dataset(engine, web_dataset())
    data = SqlDataSource(engine)
    checkouts.reset()
    with one_connection():
        before = data.client("acme")
        assert before is not None
        assert before.name == "Acme B.V."

        def rename() -> None:  # another thread: its own connection, its own commit
            with engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE tt_clients SET name = 'Acme, renamed' WHERE id = 'acme'")
                )

        thread = threading.Thread(target=rename)
        thread.start()
        thread.join(30)
        after = data.client("acme")
        assert after is not None
        assert after.name == "Acme, renamed"
        assert checkouts.count == 1
    assert checkouts.held == 0  # the shared connection went back to the pool


def test_nested_blocks_share_and_a_broken_connection_is_replaced(engine: Engine) -> None:
    store = SqlStore(engine)
    with one_connection():
        with store._read_one() as first:
            pass
        with one_connection(), store._read_one() as inner:
            assert inner is first
        first.invalidate()  # as a dropped server connection leaves it
        with store._read_one() as second:
            assert second is not first
            assert second.execute(sa.text("SELECT 1")).scalar() == 1
    assert first.closed
    assert second.closed


def test_another_thread_in_a_copied_context_reads_on_its_own_connection(engine: Engine) -> None:
    load_dataset(engine, web_dataset())
    data = SqlDataSource(engine)
    seen: dict[str, object] = {}

    def read_there() -> None:
        with SqlStore(engine)._read_one() as conn:
            seen["connection"] = conn
        seen["client"] = data.client("acme")

    with one_connection(), SqlStore(engine)._read_one() as mine:
        context = contextvars.copy_context()  # as asyncio.to_thread and anyio copy it
        thread = threading.Thread(target=context.run, args=(read_there,))
        thread.start()
        thread.join(30)
        assert seen["connection"] is not mine
        assert seen["connection"].closed  # type: ignore[attr-defined]  # returned after its read
        assert seen["client"] is not None
    assert mine.closed
