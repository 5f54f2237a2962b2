"""``read_visit``: what the access gate reads for one visitor step (a link, its portal with its
selections and access state, the session), in one statement on SQL, equal to the per-record
reads on every store, and never remembered between calls (several processes share the store)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from attrs import evolve
from sqlalchemy import event
from sqlalchemy.engine import Engine

import clientportal.sql as cs
from clientportal.access import AccessMode, Link, PortalAccess, SessionRecord, secret_digest
from clientportal.memory import MemoryPortalStore
from clientportal.model import Portal, PortalSettings
from clientportal.ports import PortalStore
from clientportal.ports.state import VisitReader, VisitRecords, read_visit
from clientportal.sql.testing import clear_tables, postgres_url, ready_for_tests, temporary_schema

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)

#: Ids with what a separator or a quoting bug would trip over (ids hold no control characters).
ODD_IDS = frozenset({"p,1", "p;2", "p 3", "p'4", 'p"5', "p|6", "pé7", "p\\8", "[p9]", "ü" * 190})


def _portal(portal_id: str = "portal-1", **changes: object) -> Portal:
    base = Portal(
        id=portal_id,
        client_id="acme",
        name="Acme — web\u00a0portal",
        language="nl",
        settings=PortalSettings(show_invoices=True, approval=True, currency="GBP"),
        project_ids=ODD_IDS,
        contact_ids=frozenset({"ann", "bob"}),
        employee_ids=frozenset({"eva"}),
        created_at=T0,
    )
    return evolve(base, **changes)


def _link(link_id: str = "link-1", portal_id: str = "portal-1", **changes: object) -> Link:
    base = Link(
        id=link_id,
        portal_id=portal_id,
        contact_id="ann",
        generation=0,
        secret_hash=secret_digest(link_id),
        created_at=T0,
        expires_at=T0 + dt.timedelta(days=30),
    )
    return evolve(base, **changes)


def _session(session_id: str = "s1", link_id: str = "link-1") -> SessionRecord:
    return SessionRecord(
        id_hash=secret_digest(session_id),
        link_id=link_id,
        code_verified=True,
        created_at=T0,
        last_seen_at=T0 + dt.timedelta(minutes=3),
    )


def _filled(store: PortalStore) -> PortalStore:
    """portal-1 (odd project ids, link-1 with session s1, link-2 without), portal-2 with no
    selections at all, switched off, in code mode, at generation 2 (its link-3)."""
    store.put_portal(_portal())
    store.put_portal(
        _portal("portal-2", project_ids=frozenset(), contact_ids=frozenset(), active=False)
    )
    store.set_access_mode("portal-2", AccessMode.LINK_AND_CODE)
    store.bump_generation("portal-2")
    store.bump_generation("portal-2")
    store.add_link(_link())
    store.add_link(_link("link-2", contact_id=None, revoked_at=T0 + dt.timedelta(hours=1)))
    store.add_link(_link("link-3", "portal-2", contact_id=None))
    store.add_session(_session())
    store.add_session(_session("s3", "link-3"))
    return store


#: (link id, session id or None): found and missing links and sessions, sessions of other links.
CASES = [
    ("link-1", "s1"),
    ("link-1", None),
    ("link-2", "s1"),  # the session is another link's: read as it is, the gate refuses it
    ("link-2", None),
    ("link-3", "s3"),
    ("link-1", "never"),
    ("never", "s1"),
    ("never", None),
    (" no link", None),
]


@pytest.fixture(scope="module")
def postgres() -> Iterator[Engine]:
    with temporary_schema(postgres_url()) as engine:
        yield ready_for_tests(engine)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PortalStore]:
    if request.param == "memory":
        yield _filled(MemoryPortalStore())
    elif request.param == "sqlite":
        engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'visit.sqlite3'}"))
        yield _filled(cs.SqlStore(engine))
        engine.dispose()
    else:
        shared: Engine = request.getfixturevalue("postgres")
        clear_tables(shared)
        yield _filled(cs.SqlStore(shared))


def _per_record(store: PortalStore, link_id: str, session_hash: str | None) -> VisitRecords:
    link = store.get_link(link_id)
    return VisitRecords(
        link=link,
        portal=None if link is None else store.get_portal(link.portal_id),
        access=None if link is None else store.get_access(link.portal_id),
        session=None if session_hash is None else store.get_session(session_hash),
    )


@pytest.mark.parametrize(("link_id", "session_id"), CASES)
def test_read_visit_returns_what_the_per_record_reads_return(
    store: PortalStore, link_id: str, session_id: str | None
) -> None:
    session_hash = None if session_id is None else secret_digest(session_id)
    assert isinstance(store, VisitReader)
    expected = _per_record(store, link_id, session_hash)
    assert store.read_visit(link_id, session_hash) == expected
    assert read_visit(store, link_id, session_hash) == expected


def test_read_visit_reads_every_field_back_exactly(store: PortalStore) -> None:
    assert isinstance(store, VisitReader)
    records = store.read_visit("link-1", secret_digest("s1"))
    assert records.link == _link()
    assert records.portal == _portal()
    assert records.portal.project_ids == ODD_IDS
    assert records.access == PortalAccess(portal_id="portal-1")
    assert records.session == _session()
    other = store.read_visit("link-3", secret_digest("s3"))
    assert other.portal is not None
    assert other.portal.project_ids == frozenset()
    assert other.portal.contact_ids == frozenset()
    assert not other.portal.active
    assert other.access == PortalAccess(
        portal_id="portal-2", generation=2, mode=AccessMode.LINK_AND_CODE
    )


def test_read_visit_sees_a_change_made_through_another_store_at_once(store: PortalStore) -> None:
    """Several processes share the database: nothing read is kept for the next read."""
    assert isinstance(store, VisitReader)
    other: PortalStore = store
    if isinstance(store, cs.SqlStore):
        other = cs.SqlStore(store.engine)  # a second store, as another process would have
    session_hash = secret_digest("s1")
    assert store.read_visit("link-1", session_hash).portal == _portal()
    changed = _portal(name="Renamed", project_ids=frozenset({"only"}), active=False)
    other.put_portal(changed)
    other.revoke_link("link-1", T0)
    other.bump_generation("portal-1")
    other.end_session(session_hash, T0)
    records = store.read_visit("link-1", session_hash)
    assert records.portal == changed
    assert records.link is not None
    assert records.link.revoked_at == T0
    assert records.access == PortalAccess(portal_id="portal-1", generation=1)
    assert records.session is not None
    assert records.session.ended_at == T0


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_read_visit_is_one_statement_whatever_exists(
    database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if database == "sqlite":
        engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'one.sqlite3'}"))
    else:
        engine = request.getfixturevalue("postgres")
        clear_tables(engine)
    store = _filled(cs.SqlStore(engine))
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    shapes = []
    event.listen(engine, "before_cursor_execute", note)
    try:
        for link_id, session_id in CASES:
            seen.clear()
            store.read_visit(link_id, None if session_id is None else secret_digest(session_id))
            shapes.append(list(seen))
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert all(len(shape) == 1 for shape in shapes), shapes  # no BEGIN either
    assert len({shape[0] for shape in shapes}) == 1  # the same statement for found and missing


def test_budgets_read_with_the_visit_answer_as_their_limiters(store: PortalStore) -> None:
    assert isinstance(store, VisitReader)
    if not isinstance(store, cs.SqlStore):
        records = store.read_visit("link-1", budgets=[], now=T0)
        assert records.budgets is None  # left to the limiters themselves
        return
    hour = dt.timedelta(hours=1)
    client = store.rate_limiter("open", capacity=2, refill_every=hour)
    prefix = store.rate_limiter("open_prefix", capacity=1, refill_every=hour)
    client.hit("spent", now=T0)
    client.hit("spent", now=T0)
    client.hit("half", now=T0)
    prefix.hit("net", now=T0)
    for now in (T0, T0 + hour / 2, T0 + hour):
        checks = [(client, "spent"), (client, "half"), (client, "new"), (prefix, "net")]
        records = store.read_visit("link-1", secret_digest("s1"), budgets=checks, now=now)
        assert records.budgets == tuple(limiter.allowed(key, now=now) for limiter, key in checks)
        assert records.session == _session()
        assert records.portal == _portal()
    assert store.read_visit("link-1", budgets=[(client, "spent")], now=T0).budgets == (False,)
    with pytest.raises(ValueError, match="now="):
        store.read_visit("link-1", budgets=[(client, "spent")])
    elsewhere = cs.SqlStore(cs.create_engine(store.engine.url))
    try:
        foreign = elsewhere.rate_limiter("open", capacity=2, refill_every=hour)
        mixed = [(client, "spent"), (foreign, "spent")]
        assert store.read_visit("link-1", budgets=mixed, now=T0).budgets is None
    finally:
        elsewhere.engine.dispose()
