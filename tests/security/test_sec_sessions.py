"""Findings 4, 6 and 15 of the adversarial review: a session is bound to a row only the store holds,
signing out ends it on the server, sessions end after a week of inactivity, and links issued
without an expiry get the policy's default lifetime."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from webtools import WsgiClient, csrf_of, open_portal

import clientportal.sql as cs
from clientportal import AccessGate, AccessPolicy, InvalidToken, SessionExpired
from clientportal.access import secret_digest
from clientportal.errors import SessionEnded
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore
from clientportal.model import Portal
from clientportal.ports import PortalStore
from clientportal.sql.testing import clear_tables, ready_for_tests
from clientportal.web import make_wsgi_app
from clientportal.web.security import session_cookie_name
from worlds import CLIENT, SECRET, T0, GateWorld, web_world


def _forged_session(link_id: str, *, code_verified: int = 1) -> str:
    """What an attacker holding only the signing key and a link id signs today."""
    return URLSafeTimedSerializer(SECRET, salt="clientportal.session").dumps(
        [link_id, 0, "forged", code_verified]
    )


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PortalStore]:
    """A portal store holding ``portal-1`` (for alice): in memory, or SQLite."""
    portal = Portal(
        id="portal-1", client_id="client-1", name="Acme", created_at=T0, contact_ids={"alice"}
    )
    if request.param == "memory":
        yield MemoryPortalStore([portal])
        return
    engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'sessions.sqlite3'}"))
    sql = cs.SqlStore(engine)
    sql.put_portal(portal)
    yield sql
    engine.dispose()


def _gate(store: PortalStore, clock: ManualClock, **policy: Any) -> AccessGate:
    return AccessGate(
        store, SECRET, log=MemoryAccessLog(), clock=clock, policy=AccessPolicy(**policy)
    )


# --------------------------------------------------------------------------------------------------
# Finding 4: the signing key plus a link id is not a session


def test_finding_4_a_session_signed_with_the_real_key_for_a_real_link_is_refused(
    store: PortalStore,
) -> None:
    """Finding 4: a session value forged with the real key and a real link id opens nothing."""
    clock = ManualClock(dt.datetime.now(dt.UTC))
    gate = _gate(store, clock)
    link = gate.links.issue("portal-1", "alice").link
    with pytest.raises(InvalidToken):
        gate.check_session(_forged_session(link.id), client=CLIENT)
    with pytest.raises(InvalidToken):
        gate.check_session(_forged_session(link.id, code_verified=0), client=CLIENT)


def test_finding_4_a_genuine_session_is_held_by_the_store_as_a_hash(store: PortalStore) -> None:
    """Finding 4: opening a link stores the session (the hash of its id), which the check reads
    back; code_verified comes from the stored row."""
    clock = ManualClock(T0)
    gate = _gate(store, clock)
    issued = gate.links.issue("portal-1", "alice")
    grant = gate.open(issued.token, client=CLIENT).session
    assert grant is not None
    visit = gate.check_session(grant.value, client=CLIENT)
    record = store.get_session(secret_digest(visit.session_id))
    assert record is not None
    assert record.link_id == issued.link.id
    assert record.code_verified is False
    assert record.ended_at is None
    assert visit.session_id not in repr(record)


def test_finding_4_the_forged_session_no_longer_opens_the_api() -> None:
    """Finding 4: ``/api/portals/<id>/session`` answers 404 to a forged session cookie."""
    world = web_world()
    world.clock.set(dt.datetime.now(dt.UTC))  # the forged value is signed now
    link = world.service.links.issue("acme-code", "anna").link
    client = WsgiClient(make_wsgi_app(world.service))
    forged = URLSafeTimedSerializer(SECRET, salt="clientportal.session").dumps(
        [link.id, 0, "forged", 1]
    )
    client.jar[(session_cookie_name("acme-code"), "/")] = (forged, False)
    assert client.get("/api/portals/acme-code/session").status == 404


# --------------------------------------------------------------------------------------------------
# Finding 6: signing out ends the session on the server


def test_finding_6_a_copied_cookie_is_refused_after_signing_out() -> None:
    """Finding 6: copy the cookie, sign out, replay the copy: the 404 page."""
    world = web_world()
    client = WsgiClient(make_wsgi_app(world.service))
    page = open_portal(client, world)
    copied = dict(client.jar)
    out = client.post("/portal/acme-en/sign-out", data={"csrf_token": csrf_of(page)})
    assert out.status == 303
    thief = WsgiClient(make_wsgi_app(world.service), jar=copied)
    assert thief.get("/portal/acme-en").status == 404
    assert thief.get("/api/portals/acme-en/session").status == 404


def test_finding_6_the_gate_ends_a_session_in_the_store(store: PortalStore) -> None:
    """Finding 6: ``AccessGate.sign_out`` ends the stored session; its value stops working."""
    clock = ManualClock(T0)
    gate = _gate(store, clock)
    grant = gate.open(gate.links.issue("portal-1", "alice").token, client=CLIENT).session
    assert grant is not None
    visit = gate.check_session(grant.value, client=CLIENT)
    clock.advance(dt.timedelta(minutes=1))
    gate.sign_out(visit, client=CLIENT)
    with pytest.raises(SessionEnded):
        gate.check_session(grant.value, client=CLIENT)
    record = store.get_session(secret_digest(visit.session_id))
    assert record is not None
    assert record.ended_at == clock.now()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_finding_6_signing_out_on_one_server_ends_the_session_on_another(
    database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Finding 6 with several servers: two gates, each with its own store object over one
    database (as two processes have); a session opened on one and signed out on the other is
    refused by both."""
    if database == "sqlite":
        engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'two.sqlite3'}"))
    else:
        engine = request.getfixturevalue("postgres")
        clear_tables(engine)
    portal = Portal(
        id="portal-1", client_id="client-1", name="Acme", created_at=T0, contact_ids={"alice"}
    )
    first, second = cs.SqlStore(engine), cs.SqlStore(engine)
    first.put_portal(portal)
    clock = ManualClock(T0)
    one, other = _gate(first, clock), _gate(second, clock)
    grant = one.open(one.links.issue("portal-1", "alice").token, client=CLIENT).session
    assert grant is not None
    visit = other.check_session(grant.value, client=CLIENT)  # the other server knows it
    other.sign_out(visit, client=CLIENT)
    for gate in (one, other):
        with pytest.raises(SessionEnded):
            gate.check_session(grant.value, client=CLIENT)


# --------------------------------------------------------------------------------------------------
# Finding 15: idle sessions end, links expire by default


def test_finding_15_a_session_ends_after_a_week_without_a_visit(store: PortalStore) -> None:
    """Finding 15: a session unused for the idle timeout (7 days by default) is refused."""
    clock = ManualClock(T0)
    gate = _gate(store, clock)
    assert gate.policy.session_idle_timeout == dt.timedelta(days=7)
    grant = gate.open(gate.links.issue("portal-1", "alice").token, client=CLIENT).session
    assert grant is not None
    clock.advance(dt.timedelta(days=7))
    with pytest.raises(SessionExpired):
        gate.check_session(grant.value, client=CLIENT)


def test_finding_15_a_session_in_use_stays_open_until_its_lifetime(store: PortalStore) -> None:
    """Finding 15: every visit moves the idle timeout on; the lifetime still ends the session."""
    clock = ManualClock(T0)
    gate = _gate(store, clock)
    grant = gate.open(gate.links.issue("portal-1", "alice").token, client=CLIENT).session
    assert grant is not None
    for _ in range(4):
        clock.advance(dt.timedelta(days=6))
        gate.check_session(grant.value, client=CLIENT)
    clock.advance(dt.timedelta(days=6))  # 30 days: the session's lifetime is over
    with pytest.raises(SessionExpired):
        gate.check_session(grant.value, client=CLIENT)


class _CountingStore:
    """A store that counts ``touch_session`` calls and passes everything on."""

    def __init__(self, store: PortalStore) -> None:
        self._store = store
        self.touches = 0

    def touch_session(self, id_hash: str, at: dt.datetime) -> None:
        self.touches += 1
        self._store.touch_session(id_hash, at)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_finding_15_the_last_visit_is_written_at_most_once_a_minute(store: PortalStore) -> None:
    """Finding 15: the session's last visit is kept without a write on every request."""
    clock = ManualClock(T0)
    counting = _CountingStore(store)
    gate = _gate(counting, clock)  # type: ignore[arg-type]
    grant = gate.open(gate.links.issue("portal-1", "alice").token, client=CLIENT).session
    assert grant is not None
    for _ in range(120):  # two minutes of a request every second
        clock.advance(dt.timedelta(seconds=1))
        visit = gate.check_session(grant.value, client=CLIENT)
    assert counting.touches == 2
    record = store.get_session(secret_digest(visit.session_id))
    assert record is not None
    assert record.last_seen_at == T0 + dt.timedelta(seconds=120)


def test_finding_15_links_issued_without_an_expiry_expire_after_180_days() -> None:
    """Finding 15: ``AccessPolicy.link_lifetime`` defaults to 180 days; ``None`` still means
    "until revoked"."""
    assert AccessPolicy().link_lifetime == dt.timedelta(days=180)
    world = GateWorld()
    issued = world.gate.links.issue("portal-1", "alice")
    assert issued.link.expires_at == T0 + dt.timedelta(days=180)
    forever = GateWorld(policy=AccessPolicy(link_lifetime=None))
    assert forever.gate.links.issue("portal-1", "alice").link.expires_at is None
