"""``SqlStore``: the whole :class:`~clientportal.ports.Store` in SQLite or PostgreSQL.

Every change that may race is one atomic statement (``UPDATE … SET generation = generation + 1
… RETURNING``, ``UPDATE … WHERE used_at IS NULL``); a batch of approval decisions is one
transaction that compares and sets each entry's version, appends the audit trail and queues the
e-mails, or writes nothing. Outbox claims lock with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
any number of delivery workers can run, and lease the claimed rows for a while, so a crashed
worker's messages come back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, bindparam, exc, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from ..access import AccessAction, AccessEvent, AccessMode, Link, OneTimeCode, PortalAccess
from ..errors import NotFound, ValidationError
from ..model import ApprovalState, ApprovalStatus, Portal, PortalSettings, Workflow
from ..ports import ApprovalChange, ChangedMeanwhile, OutboxMessage, check_changes, check_claim
from ..workflow import Action, Actor, ApprovalEvent, Party
from . import tables as t
from .engine import WRITE, create_engine, prepare_engine, safe_url, translated_errors

__all__ = ["SqlStore"]

_CHUNK = 500  # ids per IN (...) list: well below every database's parameter limit


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlStore:
    """A :class:`~clientportal.ports.Store` over the ``cp_*`` tables of a SQLite or PostgreSQL
    database. Create the tables first with :func:`clientportal.sql.upgrade`.

    ``engine`` is an :class:`~sqlalchemy.engine.Engine` (prepared with
    :func:`~clientportal.sql.prepare_engine`) or a URL. Any number of stores, threads and
    processes may share one database: every racy change is atomic in the database itself.
    """

    def __init__(self, engine: Engine | str) -> None:
        self.engine = create_engine(engine) if isinstance(engine, str) else prepare_engine(engine)
        self._writer = self.engine.execution_options(**{WRITE: True})
        self._postgres = self.engine.dialect.name == "postgresql"

    def __repr__(self) -> str:
        return f"SqlStore({safe_url(self.engine)!r})"

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        with translated_errors(self.engine), self._writer.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with translated_errors(self.engine), self.engine.connect() as conn:
            yield conn

    def _insert(self, table: sa.Table) -> Any:
        """An INSERT that knows ``ON CONFLICT`` on this database."""
        return (postgresql.insert if self._postgres else sqlite.insert)(table)

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal) -> None:
        """Create or replace a portal; a replaced portal keeps its generation and access mode."""
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

    def get_portal(self, portal_id: str) -> Portal | None:
        """The portal with this id, or ``None``."""
        with self._read() as conn:
            row = conn.execute(select(t.portals).where(t.portals.c.id == portal_id)).first()
            if row is None:
                return None
            return _portal(row, self._selected(conn, [portal_id]))

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

    def bump_generation(self, portal_id: str) -> int:
        """Move the portal's generation on by one, atomically, and return it."""
        update = (
            t.portals.update()
            .where(t.portals.c.id == portal_id)
            .values(generation=t.portals.c.generation + 1)
            .returning(t.portals.c.generation)
        )
        with self._write() as conn:
            generation = conn.execute(update).scalar()
        if generation is None:
            raise _unknown_portal(portal_id)
        return int(generation)

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link) -> None:
        """Store a new link; :class:`~clientportal.ValidationError` when its id is taken,
        :class:`~clientportal.NotFound` when its portal is unknown."""
        try:
            with self._write() as conn:
                conn.execute(t.links.insert().values(_link_values(link)))
        except exc.IntegrityError:
            if self.get_link(link.id) is not None:
                raise ValidationError(
                    [f"link.id: a link with id {link.id!r} exists: link ids must be unique"],
                    summary="cannot add the link",
                ) from None
            raise NotFound(
                f"link {link.id!r} is for portal {link.portal_id!r}, which is not stored: "
                "put_portal() it first"
            ) from None

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

    def mark_link_used(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``last_used_at`` (and nothing else)."""
        update = t.links.update().where(t.links.c.id == link_id).values(last_used_at=at)
        with self._write() as conn:
            conn.execute(update)

    def revoke_link(self, link_id: str, at: dt.datetime) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked."""
        update = (
            t.links.update()
            .where(t.links.c.id == link_id, t.links.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        with self._write() as conn:
            conn.execute(update)

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
        return OneTimeCode(
            id=row.id,
            link_id=row.link_id,
            code_hash=row.code_hash,
            created_at=row.created_at,
            expires_at=row.expires_at,
            attempts=row.attempts,
            used_at=row.used_at,
        )

    def count_code_attempt(self, code_id: str) -> int:
        """Add one to the code's attempts, atomically, and return the count (0: no such code)."""
        update = (
            t.codes.update()
            .where(t.codes.c.id == code_id)
            .values(attempts=t.codes.c.attempts + 1)
            .returning(t.codes.c.attempts)
        )
        with self._write() as conn:
            attempts = conn.execute(update).scalar()
        return 0 if attempts is None else int(attempts)

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        """Mark the code used if it is unused, atomically; True only for the call that did it."""
        update = (
            t.codes.update()
            .where(t.codes.c.id == code_id, t.codes.c.used_at.is_(None))
            .values(used_at=at)
        )
        with self._write() as conn:
            return conn.execute(update).rowcount == 1

    # -- access log ----------------------------------------------------------------------------

    def record(self, event: AccessEvent) -> None:
        """Append ``event`` to the access log."""
        with self._write() as conn:
            conn.execute(
                t.access_log.insert().values(
                    at=event.at,
                    action=event.action.value,
                    reason=event.reason,
                    link_id=event.link_id,
                    portal_id=event.portal_id,
                    client_hash=event.client_hash,
                )
            )

    def access_events(self, portal_id: str | None = None) -> tuple[AccessEvent, ...]:
        """The access log, oldest first; only ``portal_id``'s events when it is given."""
        query = select(t.access_log).order_by(t.access_log.c.id)
        if portal_id is not None:
            query = query.where(t.access_log.c.portal_id == portal_id)
        with self._read() as conn:
            return tuple(
                AccessEvent(
                    at=row.at,
                    action=AccessAction(row.action),
                    reason=row.reason,
                    link_id=row.link_id,
                    portal_id=row.portal_id,
                    client_hash=row.client_hash,
                )
                for row in conn.execute(query)
            )

    # -- approvals -----------------------------------------------------------------------------

    def approval_states(self, entry_ids: frozenset[str]) -> dict[str, ApprovalState]:
        """The stored state of each of ``entry_ids`` that has one."""
        found: dict[str, ApprovalState] = {}
        with self._read() as conn:
            for chunk in _chunks(sorted(entry_ids)):
                query = select(t.approvals).where(t.approvals.c.entry_id.in_(chunk))
                for row in conn.execute(query):
                    found[row.entry_id] = _state(row.status, row.workflow, row.version, row.reason)
        return found

    def apply_changes(
        self, changes: Sequence[ApprovalChange], outbox: Sequence[OutboxMessage] = ()
    ) -> None:
        """Store every change (compare-and-set on its version), append its event to the audit
        trail and queue ``outbox``, in one transaction.

        The entries' rows are locked (``SELECT … FOR UPDATE`` on PostgreSQL, the write lock on
        SQLite) and compared with each change's ``expected_version``; an entry without a row is
        inserted only if nobody else inserted it meanwhile. Raises :class:`ChangedMeanwhile`
        naming the entries that moved on, ``ValueError`` for a taken outbox id; either way
        nothing is written.
        """
        changes = tuple(changes)
        check_changes(changes)
        if not changes and not outbox:
            return
        ids = sorted({c.entry_id for c in changes})
        with self._write() as conn:
            stored = self._lock_versions(conn, ids)
            final: dict[str, ApprovalChange] = {}
            stale: list[str] = []
            for change in changes:
                latest = final.get(change.entry_id)
                version = latest.state.version if latest else stored.get(change.entry_id)
                if version is not None and version != change.expected_version:
                    stale.append(change.entry_id)
                else:
                    final[change.entry_id] = change
            if stale:
                raise ChangedMeanwhile(list(dict.fromkeys(stale)))
            self._set_states(conn, stored, final)
            if changes:
                conn.execute(t.approval_events.insert(), [_event_values(c) for c in changes])
            if outbox:
                self._insert_outbox(conn, outbox)

    def _lock_versions(self, conn: Connection, ids: list[str]) -> dict[str, int]:
        versions: dict[str, int] = {}
        for chunk in _chunks(ids):
            query = (
                select(t.approvals.c.entry_id, t.approvals.c.version)
                .where(t.approvals.c.entry_id.in_(chunk))
                .order_by(t.approvals.c.entry_id)
            )
            if self._postgres:  # lock in id order, so concurrent batches cannot deadlock
                query = query.with_for_update()
            versions.update((row.entry_id, row.version) for row in conn.execute(query))
        return versions

    def _set_states(
        self, conn: Connection, stored: dict[str, int], final: dict[str, ApprovalChange]
    ) -> None:
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for entry_id in sorted(final):
            change = final[entry_id]
            values: dict[str, Any] = {
                "b_entry_id": entry_id,
                "b_status": change.state.status.value,
                "b_workflow": None
                if change.state.workflow is None
                else change.state.workflow.value,
                "b_version": change.state.version,
                "b_reason": change.state.reason,
                "b_updated_at": change.event.at,
            }
            if entry_id in stored:
                updates.append({**values, "b_expected": stored[entry_id]})
            else:
                inserts.append(values)
        if updates:
            result = conn.execute(_UPDATE_STATE, updates)
            if result.rowcount != len(updates):  # the rows are locked: only a bug gets here
                raise ChangedMeanwhile([u["b_entry_id"] for u in updates])
        if inserts:
            insert = (
                self._insert(t.approvals)
                .values({name: bindparam(f"b_{name}") for name in _STATE_COLUMNS})
                .on_conflict_do_nothing(index_elements=["entry_id"])
                .returning(t.approvals.c.entry_id)
            )
            added = set(conn.execute(insert, inserts).scalars())
            lost = [row["b_entry_id"] for row in inserts if row["b_entry_id"] not in added]
            if lost:  # somebody else stored a first state meanwhile
                raise ChangedMeanwhile(lost)

    def history(self, entry_id: str) -> Sequence[ApprovalEvent]:
        """The entry's audit trail, oldest first."""
        e = t.approval_events
        query = select(e).where(e.c.entry_id == entry_id).order_by(e.c.after_version, e.c.id)
        with self._read() as conn:
            return [_event(row) for row in conn.execute(query)]

    # -- outbox --------------------------------------------------------------------------------

    def enqueue(self, messages: Sequence[OutboxMessage]) -> None:
        """Queue ``messages``; ``ValueError`` (and nothing queued) when an id is taken."""
        if messages:
            with self._write() as conn:
                self._insert_outbox(conn, messages)

    def _insert_outbox(self, conn: Connection, messages: Sequence[OutboxMessage]) -> None:
        ids = [m.id for m in messages]
        taken = set(conn.execute(select(t.outbox.c.id).where(t.outbox.c.id.in_(ids))).scalars()) | {
            i for i in ids if ids.count(i) > 1
        }
        if taken:
            raise ValidationError(
                [
                    f"outbox message ids already queued: {', '.join(sorted(taken))}: give each "
                    "message a new id (e.g. clientportal.access.random_id())"
                ],
                summary="cannot queue the e-mails",
            )
        conn.execute(t.outbox.insert(), [_outbox_values(m) for m in messages])

    def claim_due(
        self, *, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> Sequence[OutboxMessage]:
        """Claim up to ``limit`` due, unsent, unleased messages (oldest first) until
        ``now + lease``, in one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        check_claim(now, limit, lease)
        o = t.outbox
        due = (
            select(o.c.id)
            .where(
                o.c.sent_at.is_(None),
                or_(
                    o.c.next_attempt_at <= now,
                    and_(o.c.next_attempt_at.is_(None), o.c.attempts == 0),
                ),
                or_(o.c.leased_until.is_(None), o.c.leased_until <= now),
            )
            .order_by(o.c.created_at, o.c.id)
            .limit(limit)
        )
        if self._postgres:
            due = due.with_for_update(skip_locked=True)
        claim = o.update().where(o.c.id.in_(due)).values(leased_until=now + lease).returning(o)
        with self._write() as conn:
            rows = conn.execute(claim).all()
        return sorted((_outbox(row) for row in rows), key=lambda m: (m.created_at, m.id))

    def mark_sent(self, message_id: str, *, at: dt.datetime) -> None:
        """Record that the message was delivered; :class:`~clientportal.NotFound` for an unknown
        id."""
        self._update_outbox(message_id, sent_at=at, next_attempt_at=None, leased_until=None)

    def mark_failed(
        self, message_id: str, *, at: dt.datetime, error: str, retry_at: dt.datetime | None
    ) -> None:
        """Count a failed attempt and keep ``error``; retry at ``retry_at`` (``None``: give up)."""
        self._update_outbox(
            message_id,
            attempts=t.outbox.c.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            leased_until=None,
        )

    def _update_outbox(self, message_id: str, **values: Any) -> None:
        update = t.outbox.update().where(t.outbox.c.id == message_id).values(**values)
        with self._write() as conn:
            if conn.execute(update).rowcount == 0:
                raise NotFound(f"no outbox message with id {message_id!r}")

    def pending(self) -> Sequence[OutboxMessage]:
        """Every unsent message, given-up ones included, oldest first."""
        o = t.outbox
        query = select(o).where(o.c.sent_at.is_(None)).order_by(o.c.created_at, o.c.id)
        with self._read() as conn:
            return [_outbox(row) for row in conn.execute(query)]

    def outbox_message(self, message_id: str) -> OutboxMessage | None:
        """The outbox message with this id, sent or not, or ``None``."""
        with self._read() as conn:
            row = conn.execute(select(t.outbox).where(t.outbox.c.id == message_id)).first()
        return None if row is None else _outbox(row)


# --------------------------------------------------------------------------------------------------
# Rows <-> records

_SELECTION_TABLES = (
    (t.portal_projects, "project_id"),
    (t.portal_contacts, "contact_id"),
    (t.portal_employees, "employee_id"),
)
_STATE_COLUMNS = ("entry_id", "status", "workflow", "version", "reason", "updated_at")
_UPDATE_STATE = (
    t.approvals.update()
    .where(
        t.approvals.c.entry_id == bindparam("b_entry_id"),
        t.approvals.c.version == bindparam("b_expected"),
    )
    .values({name: bindparam(f"b_{name}") for name in _STATE_COLUMNS if name != "entry_id"})
)


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
        "created_at": portal.created_at,
        "active": portal.active,
        "id": portal.id,
    }


def _selections(portal: Portal) -> Iterable[tuple[sa.Table, str, frozenset[str]]]:
    yield t.portal_projects, "project_id", portal.project_ids
    yield t.portal_contacts, "contact_id", portal.contact_ids
    yield t.portal_employees, "employee_id", portal.employee_ids


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
    return Link(
        id=row.id,
        portal_id=row.portal_id,
        contact_id=row.contact_id,
        generation=row.generation,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _state(status: str, workflow: str | None, version: int, reason: str | None) -> ApprovalState:
    return ApprovalState(
        status=ApprovalStatus(status),
        workflow=None if workflow is None else Workflow(workflow),
        version=version,
        reason=reason,
    )


def _state_values(prefix: str, state: ApprovalState) -> dict[str, Any]:
    return {
        f"{prefix}_status": state.status.value,
        f"{prefix}_workflow": None if state.workflow is None else state.workflow.value,
        f"{prefix}_version": state.version,
        f"{prefix}_reason": state.reason,
    }


def _event_values(change: ApprovalChange) -> dict[str, Any]:
    event = change.event
    return {
        "entry_id": change.entry_id,
        "action": event.action.value,
        "actor_party": event.actor.party.value,
        "actor_id": event.actor.id,
        "at": event.at,
        "reason": event.reason,
        **_state_values("before", event.before),
        **_state_values("after", event.after),
    }


def _event(row: Row[Any]) -> ApprovalEvent:
    return ApprovalEvent(
        action=Action(row.action),
        actor=Actor(Party(row.actor_party), row.actor_id),
        at=row.at,
        before=_state(
            row.before_status, row.before_workflow, row.before_version, row.before_reason
        ),
        after=_state(row.after_status, row.after_workflow, row.after_version, row.after_reason),
        reason=row.reason,
    )


def _outbox_values(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "message_id": message.message_id,
        "recipients": json.dumps(list(message.recipients)),
        "message": message.message,
        "created_at": message.created_at,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at,
        "sent_at": message.sent_at,
        "last_error": message.last_error,
        "leased_until": None,
    }


def _outbox(row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        message_id=row.message_id,
        recipients=tuple(json.loads(row.recipients)),
        message=bytes(row.message),
        created_at=row.created_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )
