"""``SqlPortalStore``: portals with their selections and access state, links, sessions and
one-time codes (the :class:`~clientportal.ports.PortalStore` port) in the ``cp_*`` tables.

Every change that may race is one atomic statement (``UPDATE … SET generation = generation + 1
… RETURNING``, ``UPDATE … WHERE used_at IS NULL``).

The reads the access gate makes while opening a link run the same statements whether or not the
row exists (a portal's selections are read even for an unknown portal), so how long a refused
link takes does not tell whether it was ever issued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import delete, exc, or_, select
from sqlalchemy.engine import Connection, Row

from ..access import AccessMode, Link, OneTimeCode, PortalAccess, SessionRecord
from ..errors import NotFound
from ..model import Portal, PortalSettings
from ..ports import NewEvent, link_problem, session_problem
from . import tables as t
from .events import insert_events
from .rows import record_of
from .visits import SELECTIONS, SqlVisits

__all__ = ["SqlPortalStore"]


class SqlPortalStore(SqlVisits):
    """A :class:`~clientportal.ports.PortalStore` over the ``cp_*`` tables: part of
    :class:`~clientportal.sql.SqlStore`. It reads a visitor's step in one statement
    (:meth:`~clientportal.sql.visits.SqlVisits.read_visit`)."""

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal, events: Sequence[NewEvent] = ()) -> None:
        """Create or replace a portal (and write ``events``, in one transaction); a replaced
        portal keeps its generation and access mode."""
        values = _portal_values(portal)
        upsert = (
            self._insert(t.portals)
            .values(generation=0, access_mode=AccessMode.LINK.value, **values)
            .on_conflict_do_update(index_elements=["id"], set_=values)
        )
        with self._write() as conn:
            conn.execute(upsert)
            for table, column, ids in _selections(portal):
                conn.execute(table.delete().where(table.c.portal_id == portal.id))
                if ids:
                    conn.execute(
                        table.insert(), [{"portal_id": portal.id, column: i} for i in sorted(ids)]
                    )
            insert_events(conn, events, postgres=self._postgres)

    def get_portal(self, portal_id: str) -> Portal | None:
        """The portal with this id, or ``None``. The same statements run either way."""
        with self._read() as conn:
            row = conn.execute(select(t.portals).where(t.portals.c.id == portal_id)).first()
            selected = self._selected(conn, [portal_id])
        return None if row is None else _portal(row, selected)

    def list_portals(self) -> Sequence[Portal]:
        """Every portal, ordered by id."""
        with self._read() as conn:
            rows = conn.execute(select(t.portals).order_by(t.portals.c.id)).all()
            selected = self._selected(conn, None)
        return [_portal(row, selected) for row in rows]

    def _selected(
        self, conn: Connection, portal_ids: list[str] | None
    ) -> dict[tuple[str, str], set[str]]:
        """``(portal_id, column) -> ids`` for the portals' three selections."""
        found: dict[tuple[str, str], set[str]] = {}
        for table, column in _SELECTION_TABLES:
            query = select(table.c.portal_id, table.c[column])
            if portal_ids is not None:
                query = query.where(table.c.portal_id.in_(portal_ids))
            for portal_id, value in conn.execute(query):
                found.setdefault((portal_id, column), set()).add(value)
        return found

    def get_access(self, portal_id: str) -> PortalAccess | None:
        """The portal's generation and access mode, or ``None`` for an unknown portal."""
        query = select(t.portals.c.generation, t.portals.c.access_mode).where(
            t.portals.c.id == portal_id
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return PortalAccess(
            portal_id=portal_id, generation=row.generation, mode=AccessMode(row.access_mode)
        )

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Set how the portal admits visitors; :class:`~clientportal.NotFound` for an unknown
        portal."""
        update = (
            t.portals.update().where(t.portals.c.id == portal_id).values(access_mode=mode.value)
        )
        with self._write() as conn:
            if conn.execute(update).rowcount == 0:
                raise _unknown_portal(portal_id)

    def bump_generation(self, portal_id: str, events: Sequence[NewEvent] = ()) -> int:
        """Move the portal's generation on by one, atomically, and return it (``events`` in
        the same transaction)."""
        column = t.portals.c.generation
        update = (
            t.portals.update()
            .where(t.portals.c.id == portal_id)
            .values(generation=column + 1)
            .returning(column)
        )
        with self._write() as conn:
            generation = conn.execute(update).scalar()
            if generation is not None:
                insert_events(conn, events, postgres=self._postgres)
        if generation is None:
            raise _unknown_portal(portal_id)
        return int(generation)

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link, events: Sequence[NewEvent] = ()) -> None:
        """Store a new link (and write ``events``, in one transaction);
        :class:`~clientportal.ValidationError` when its id is taken,
        :class:`~clientportal.NotFound` when its portal is unknown."""
        try:
            with self._write() as conn:
                conn.execute(t.links.insert().values(_link_values(link)))
                insert_events(conn, events, postgres=self._postgres)
        except exc.IntegrityError:
            raise link_problem(link, id_taken=self.get_link(link.id) is not None) from None

    def get_link(self, link_id: str) -> Link | None:
        """The link with this id, or ``None``."""
        with self._read() as conn:
            row = conn.execute(select(t.links).where(t.links.c.id == link_id)).first()
        return None if row is None else _link(row)

    def list_links(self, portal_id: str) -> Sequence[Link]:
        """The portal's links, revoked ones included, oldest first (then by id)."""
        query = (
            select(t.links)
            .where(t.links.c.portal_id == portal_id)
            .order_by(t.links.c.created_at, t.links.c.id)
        )
        with self._read() as conn:
            return [_link(row) for row in conn.execute(query)]

    def mark_link_used(
        self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()
    ) -> None:
        """Set the link's ``last_used_at`` (and nothing else; ``events`` in the same
        transaction)."""
        update = t.links.update().where(t.links.c.id == link_id).values(last_used_at=at)
        with self._write() as conn:
            conn.execute(update)
            insert_events(conn, events, postgres=self._postgres)

    def revoke_link(self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked (``events`` in the same
        transaction, only when this call revoked it)."""
        self._set_once(t.links.c.revoked_at, link_id, at, events)

    # -- sessions ------------------------------------------------------------------------------

    def add_session(self, session: SessionRecord) -> None:
        """Store a new session; :class:`~clientportal.ValidationError` when its id hash is
        taken, :class:`~clientportal.NotFound` when its link is unknown."""
        values = {
            "id_hash": session.id_hash,
            "link_id": session.link_id,
            "code_verified": session.code_verified,
            "created_at": session.created_at,
            "last_seen_at": session.last_seen_at,
            "ended_at": session.ended_at,
        }
        try:
            with self._write() as conn:
                conn.execute(t.sessions.insert().values(values))
        except exc.IntegrityError:
            taken = self.get_session(session.id_hash) is not None
            raise session_problem(session, id_taken=taken) from None

    def get_session(self, id_hash: str) -> SessionRecord | None:
        """The session whose id hashes to ``id_hash``, or ``None``."""
        query = select(t.sessions).where(t.sessions.c.id_hash == id_hash)
        with self._read() as conn:
            row = conn.execute(query).first()
        return None if row is None else record_of(SessionRecord, row)

    def touch_session(self, id_hash: str, at: dt.datetime) -> None:
        """Move the session's ``last_seen_at`` on to ``at`` in one statement (never back; not
        once it ended)."""
        c = t.sessions.c
        update = (
            t.sessions.update()
            .where(c.id_hash == id_hash, c.ended_at.is_(None), c.last_seen_at < at)
            .values(last_seen_at=at)
        )
        with self._write() as conn:
            conn.execute(update)

    def end_session(self, id_hash: str, at: dt.datetime) -> bool:
        """End the session unless it has ended, in one statement; True only for the call that
        ended it."""
        c = t.sessions.c
        update = (
            t.sessions.update()
            .where(c.id_hash == id_hash, c.ended_at.is_(None))
            .values(ended_at=at)
        )
        with self._write() as conn:
            return conn.execute(update).rowcount == 1

    def prune_sessions(self, before: dt.datetime, *, limit: int | None = None) -> int:
        """Delete the sessions last seen (or ended) before ``before``, at most ``limit`` of them:
        how many were deleted. Give a time further back than the longest session lifetime, so
        only sessions that can no longer open anything go."""
        c = t.sessions.c
        dead = or_(c.last_seen_at < before, c.ended_at < before)
        old: Any = select(c.id_hash).where(dead).order_by(c.last_seen_at)
        if limit is not None:
            old = old.limit(limit)
        with self._write() as conn:
            deleted = conn.execute(delete(t.sessions).where(c.id_hash.in_(old.scalar_subquery())))
        return int(deleted.rowcount)

    # -- one-time codes ------------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> None:
        """Make ``code`` its link's one code, replacing any previous one (one statement)."""
        values = {
            "id": code.id,
            "code_hash": code.code_hash,
            "created_at": code.created_at,
            "expires_at": code.expires_at,
            "attempts": code.attempts,
            "used_at": code.used_at,
        }
        upsert = (
            self._insert(t.codes)
            .values(link_id=code.link_id, **values)
            .on_conflict_do_update(index_elements=["link_id"], set_=values)
        )
        with self._write() as conn:
            conn.execute(upsert)

    def get_code(self, link_id: str) -> OneTimeCode | None:
        """The link's current code, or ``None``."""
        with self._read() as conn:
            row = conn.execute(select(t.codes).where(t.codes.c.link_id == link_id)).first()
        if row is None:
            return None
        return record_of(OneTimeCode, row)

    def count_code_attempt(self, code_id: str) -> int:
        """Add one to the code's attempts, atomically, and return the count (0: no such code)."""
        return self._add_one(t.codes.c.attempts, code_id) or 0

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        """Mark the code used if it is unused, atomically; True only for the call that did it."""
        return self._set_once(t.codes.c.used_at, code_id, at)

    # -- one statement each --------------------------------------------------------------------

    def _add_one(self, column: sa.Column[int], row_id: str) -> int | None:
        """Add one to ``column`` of the row with id ``row_id`` in one statement, and return the
        new value (``None``: no such row)."""
        table = column.table
        update = (
            table.update()
            .where(table.c.id == row_id)
            .values({column.name: column + 1})
            .returning(column)
        )
        with self._write() as conn:
            value = conn.execute(update).scalar()
        return None if value is None else int(value)

    def _set_once(
        self,
        column: sa.Column[dt.datetime],
        row_id: str,
        at: dt.datetime,
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """Set ``column`` of the row with id ``row_id`` to ``at`` unless it is set already, in one
        statement (``events`` written in its transaction if it did); True only for the call that set
        it."""
        table = column.table
        update = (
            table.update().where(table.c.id == row_id, column.is_(None)).values({column.name: at})
        )
        with self._write() as conn:
            done = conn.execute(update).rowcount == 1
            if done:
                insert_events(conn, events, postgres=self._postgres)
            return done


#: The portal's three selections: each table and its id column.
_SELECTION_TABLES = SELECTIONS


def _unknown_portal(portal_id: str) -> NotFound:
    return NotFound(f"no portal with id {portal_id!r}: put_portal() it first")


def _portal_values(portal: Portal) -> dict[str, Any]:
    s = portal.settings
    return {
        "client_id": portal.client_id,
        "name": portal.name,
        "language": portal.language,
        "show_hours": s.show_hours,
        "show_descriptions": s.show_descriptions,
        "show_budget": s.show_budget,
        "show_invoices": s.show_invoices,
        "show_quotes": s.show_quotes,
        "approval": s.approval,
        "show_amounts": s.show_amounts,
        "documents_scope": s.documents_scope,
        "currency": s.currency,
        "show_non_billable_amounts": s.show_non_billable_amounts,
        "show_expenses": s.show_expenses,
        "show_trips": s.show_trips,
        "created_at": portal.created_at,
        "active": portal.active,
        "id": portal.id,
    }


def _selections(portal: Portal) -> Iterable[tuple[sa.Table, str, frozenset[str]]]:
    """Each selection table of the portal, its id column, and the ids the portal selects."""
    ids = (portal.project_ids, portal.contact_ids, portal.employee_ids)
    for (table, column), selected in zip(_SELECTION_TABLES, ids, strict=True):
        yield table, column, selected


def _portal(row: Row[Any], selected: dict[tuple[str, str], set[str]]) -> Portal:
    return Portal(
        id=row.id,
        client_id=row.client_id,
        name=row.name,
        language=row.language,
        settings=PortalSettings(
            show_hours=row.show_hours,
            show_descriptions=row.show_descriptions,
            show_budget=row.show_budget,
            show_invoices=row.show_invoices,
            show_quotes=row.show_quotes,
            approval=row.approval,
            show_amounts=row.show_amounts,
            documents_scope=row.documents_scope,
            currency=row.currency,
            show_non_billable_amounts=row.show_non_billable_amounts,
            show_expenses=row.show_expenses,
            show_trips=row.show_trips,
        ),
        project_ids=frozenset(selected.get((row.id, "project_id"), ())),
        contact_ids=frozenset(selected.get((row.id, "contact_id"), ())),
        employee_ids=frozenset(selected.get((row.id, "employee_id"), ())),
        created_at=row.created_at,
        active=row.active,
    )


def _link_values(link: Link) -> dict[str, Any]:
    return {
        "id": link.id,
        "portal_id": link.portal_id,
        "contact_id": link.contact_id,
        "generation": link.generation,
        "secret_hash": link.secret_hash,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "last_used_at": link.last_used_at,
    }


def _link(row: Row[Any]) -> Link:
    return record_of(Link, row)
