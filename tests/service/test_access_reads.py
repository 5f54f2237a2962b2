"""What the access gate reads per step: a session check is one SELECT on a SQL store (the step's
two budgets, the session, its link, portal and access state), and a store without
``read_visit`` is read record by record with the same outcomes."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve
from sqlalchemy import event
from sqlalchemy.engine import Engine

import clientportal.sql as cs
from clientportal import AccessDenied, AccessGate, AccessMode, RateLimited
from clientportal.access import AccessPolicy, Link, OneTimeCode, PortalAccess, SessionRecord
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore
from clientportal.model import Portal
from clientportal.ports import NewEvent, PortalStore
from clientportal.ports.state import VisitReader
from clientportal.sql.testing import clear_tables, postgres_url, ready_for_tests, temporary_schema
from worlds import CLIENT, SECRET, T0

PORTAL = Portal(
    id="portal-1", client_id="client-1", name="Acme", created_at=T0, contact_ids={"alice", "bob"}
)


class _PerRecord:
    """A :class:`PortalStore` of the port's methods only (no ``read_visit``), as a host's own
    store may be."""

    def __init__(self, store: MemoryPortalStore) -> None:
        self._s = store

    def put_portal(self, portal: Portal, events: Sequence[NewEvent] = ()) -> None:
        self._s.put_portal(portal, events)

    def get_portal(self, portal_id: str) -> Portal | None:
        return self._s.get_portal(portal_id)

    def list_portals(self) -> Sequence[Portal]:
        return self._s.list_portals()

    def get_access(self, portal_id: str) -> PortalAccess | None:
        return self._s.get_access(portal_id)

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        self._s.set_access_mode(portal_id, mode)

    def bump_generation(self, portal_id: str, events: Sequence[NewEvent] = ()) -> int:
        return self._s.bump_generation(portal_id, events)

    def add_link(self, link: Link, events: Sequence[NewEvent] = ()) -> None:
        self._s.add_link(link, events)

    def get_link(self, link_id: str) -> Link | None:
        return self._s.get_link(link_id)

    def list_links(self, portal_id: str) -> Sequence[Link]:
        return self._s.list_links(portal_id)

    def mark_link_used(
        self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()
    ) -> None:
        self._s.mark_link_used(link_id, at, events)

    def revoke_link(self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()) -> None:
        self._s.revoke_link(link_id, at, events)

    def add_session(self, session: SessionRecord) -> None:
        self._s.add_session(session)

    def get_session(self, id_hash: str) -> SessionRecord | None:
        return self._s.get_session(id_hash)

    def touch_session(self, id_hash: str, at: dt.datetime) -> None:
        self._s.touch_session(id_hash, at)

    def end_session(self, id_hash: str, at: dt.datetime) -> bool:
        return self._s.end_session(id_hash, at)

    def put_code(self, code: OneTimeCode) -> None:
        self._s.put_code(code)

    def get_code(self, link_id: str) -> OneTimeCode | None:
        return self._s.get_code(link_id)

    def count_code_attempt(self, code_id: str) -> int:
        return self._s.count_code_attempt(code_id)

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        return self._s.use_code(code_id, at)


def _outcome(step: Callable[[], Any]) -> str:
    try:
        result = step()
    except AccessDenied as denied:
        return f"refused {type(denied).__name__}: {denied.reason}"
    link = getattr(result, "link", None)
    portal = getattr(result, "portal", None)
    return f"ok {type(result).__name__} {getattr(link, 'id', None)} {getattr(portal, 'id', None)}"


def _journey(store: PortalStore) -> list[str]:
    """Opens, session checks and code steps through every refusal a stored record decides."""
    clock = ManualClock(T0)
    store.put_portal(PORTAL)
    gate = AccessGate(
        store,
        SECRET,
        log=MemoryAccessLog(),
        clock=clock,
        policy=AccessPolicy(session_idle_timeout=dt.timedelta(hours=1)),
        random_bytes=random.Random(7).randbytes,
    )
    alice = gate.links.issue("portal-1", "alice")
    bob = gate.links.issue("portal-1", "bob")
    seen: list[str] = []
    opened = gate.open(alice.token, client=CLIENT)
    assert opened.session is not None
    value = opened.session.value
    seen.append(_outcome(lambda: opened))
    seen.append(_outcome(lambda: gate.check_session(value, client=CLIENT)))
    seen.append(_outcome(lambda: gate.open("never-a-token", client=CLIENT)))
    bobs = gate.open(bob.token, client=CLIENT).session
    assert bobs is not None
    clock.advance(dt.timedelta(minutes=5))
    seen.append(_outcome(lambda: gate.check_session(bobs.value, client=CLIENT)))
    gate.links.revoke(bob.link.id)
    seen.append(_outcome(lambda: gate.check_session(bobs.value, client=CLIENT)))
    seen.append(_outcome(lambda: gate.open(bob.token, client=CLIENT)))
    gate.links.set_access_mode("portal-1", AccessMode.LINK_AND_CODE)
    seen.append(_outcome(lambda: gate.check_session(value, client=CLIENT)))
    pending = gate.open(alice.token, client=CLIENT).pending
    seen.append(_outcome(lambda: gate.new_code(pending, client=CLIENT)))
    gate.links.set_access_mode("portal-1", AccessMode.LINK)
    store.put_portal(evolve(PORTAL, active=False))
    seen.append(_outcome(lambda: gate.check_session(value, client=CLIENT)))
    store.put_portal(PORTAL)
    clock.advance(dt.timedelta(hours=2))
    seen.append(_outcome(lambda: gate.check_session(value, client=CLIENT)))
    names = {alice.link.id: "alice", bob.link.id: "bob"}
    return [" ".join(names.get(word, word) for word in line.split(" ")) for line in seen]


def test_a_store_read_record_by_record_gives_the_same_outcomes() -> None:
    assert isinstance(MemoryPortalStore(), VisitReader)
    assert not isinstance(_PerRecord(MemoryPortalStore()), VisitReader)
    together = _journey(MemoryPortalStore())
    by_record = _journey(_PerRecord(MemoryPortalStore()))  # type: ignore[arg-type]
    assert together == by_record
    assert [line.split(":")[0] for line in together] == [
        "ok Opening alice portal-1",
        "ok Visit alice portal-1",
        "refused InvalidToken",
        "ok Visit bob portal-1",
        "refused LinkRevoked",
        "refused LinkRevoked",
        "refused CodeRequired",
        "ok CodeDelivery alice portal-1",
        "refused PortalInactive",
        "refused SessionExpired",
    ]


@pytest.fixture(scope="module")
def postgres() -> Iterator[Engine]:
    with temporary_schema(postgres_url()) as engine:
        yield ready_for_tests(engine)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'reads.sqlite3'}"))
        yield engine
        engine.dispose()
    else:
        shared: Engine = request.getfixturevalue("postgres")
        clear_tables(shared)
        yield shared


def _gate(engine: Engine) -> tuple[AccessGate, ManualClock, str]:
    """A gate over a SQL store that is also its log and limits, and alice's session value."""
    store = cs.SqlStore(engine)
    clock = ManualClock(T0)
    gate = AccessGate(store, SECRET, log=store, clock=clock, limits=store)
    store.put_portal(PORTAL)
    session = gate.open(gate.links.issue("portal-1", "alice").token, client=CLIENT).session
    assert session is not None
    return gate, clock, session.value


def test_a_session_check_is_one_select_on_a_sql_store(sql_engine: Engine) -> None:
    """The step's two budgets, the session, the link, the portal with its selections and its
    access state: one statement (and the last visit written once a minute)."""
    gate, clock, value = _gate(sql_engine)
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(sql_engine, "before_cursor_execute", note)
    try:
        visit = gate.check_session(value, client=CLIENT)
        checked = list(seen)
        seen.clear()
        clock.advance(dt.timedelta(minutes=2))  # the last visit is due to be written
        gate.check_session(value, client=CLIENT)
        touched = list(seen)
    finally:
        event.remove(sql_engine, "before_cursor_execute", note)
    assert visit.portal == PORTAL
    assert len(checked) == 1, checked
    (statement,) = checked
    assert statement.startswith("SELECT ")
    assert "cp_rate_limits AS b1" in statement
    assert all(table in statement for table in ("cp_sessions", "cp_links", "cp_portal_projects"))
    assert touched[:1] == checked
    assert [s.split()[0] for s in touched[1:]] in (["UPDATE"], ["BEGIN", "UPDATE"])


@pytest.mark.parametrize("spent", ["address", "prefix"])
def test_a_spent_budget_refuses_good_and_bad_sessions_alike_on_a_sql_store(
    sql_engine: Engine, spent: str
) -> None:
    """Read with the records or alone (a value that is not a session), a spent budget of the
    address or of its prefix is the refusal."""
    gate, _, value = _gate(sql_engine)
    for number in range(120):  # other addresses of the same /24 share the prefix budget only
        failing = CLIENT if spent == "address" else CLIENT.rsplit(".", 1)[0] + f".{100 + number}"
        with pytest.raises(AccessDenied):
            gate.check_session("not a session", client=failing)
    for attempt in (value, "not a session"):
        with pytest.raises(RateLimited):
            gate.check_session(attempt, client=CLIENT)
    assert gate.check_session(value, client="198.51.100.1").portal == PORTAL
