"""``SqlApprovalStore``: approval state per entry and its audit trail (the
:class:`~clientportal.ports.ApprovalStore` port) in ``cp_approvals`` and ``cp_approval_events``.

A batch of decisions is one transaction that compares and sets each entry's version, appends the
audit trail and queues the e-mails, or writes nothing. On PostgreSQL each step of a batch is one
statement whatever its size, its rows passed as one array per column and unnested (``UPDATE …
FROM unnest(…)``, ``INSERT … SELECT … FROM unnest(…)``): one round trip each, and the statement
triggers that keep the entry sums (:mod:`clientportal.sql.sums`) run once per batch instead of
once per entry. On SQLite, where triggers run per row anyway and a statement costs no round
trip, a step is one prepared statement executed per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.selectable import TableValuedAlias

from ..errors import ChangedMeanwhile
from ..model import ApprovalState
from ..ports import ApprovalChange, OutboxMessage, check_changes
from ..workflow import Action, Actor, ApprovalEvent, Party
from . import tables as t
from .base import SqlBase
from .outbox import insert_outbox
from .rows import approval_state, batches, state_values

__all__ = ["SqlApprovalStore"]


class SqlApprovalStore(SqlBase):
    """An :class:`~clientportal.ports.ApprovalStore` over ``cp_approvals`` and
    ``cp_approval_events``: part of :class:`~clientportal.sql.SqlStore`."""

    def approval_states(self, entry_ids: frozenset[str]) -> dict[str, ApprovalState]:
        """The stored state of each of ``entry_ids`` that has one."""
        found: dict[str, ApprovalState] = {}
        with self._read() as conn:
            for chunk in batches(sorted(entry_ids)):
                query = select(t.approvals).where(t.approvals.c.entry_id.in_(chunk))
                for row in conn.execute(query):
                    found[row.entry_id] = approval_state(
                        row.status, row.workflow, row.version, row.reason
                    )
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
                events = [_event_values(c) for c in changes]
                if self._postgres:
                    conn.execute(_INSERT_EVENTS, _arrays(events, "b_"))
                else:
                    conn.execute(t.approval_events.insert(), events)
            if outbox:
                insert_outbox(conn, outbox)

    def _lock_versions(self, conn: Connection, ids: list[str]) -> dict[str, int]:
        """The stored version of each of ``ids`` that has a row, the rows locked."""
        if not ids:
            return {}
        if self._postgres:  # one statement, locking in id order: concurrent batches never deadlock
            rows = conn.execute(_LOCK_VERSIONS, {"b_ids": ids})
            return {row.entry_id: row.version for row in rows}
        versions: dict[str, int] = {}
        for chunk in batches(ids):  # the transaction holds SQLite's write lock already
            query = select(t.approvals.c.entry_id, t.approvals.c.version).where(
                t.approvals.c.entry_id.in_(chunk)
            )
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
                **state_values(change.state, "b_"),
                "b_updated_at": change.event.at,
            }
            if entry_id in stored:
                updates.append({**values, "b_expected": stored[entry_id]})
            else:
                inserts.append(values)
        if updates:
            self._update_states(conn, updates)
        if inserts:
            if self._postgres:
                added = set(conn.execute(_INSERT_STATES, _arrays(inserts)).scalars())
            else:
                added = set(conn.execute(_INSERT_STATE, inserts).scalars())
            lost = [row["b_entry_id"] for row in inserts if row["b_entry_id"] not in added]
            if lost:  # somebody else stored a first state meanwhile
                raise ChangedMeanwhile(lost)

    def _update_states(self, conn: Connection, updates: list[dict[str, Any]]) -> None:
        """Compare and set the stored states of ``updates`` (their rows are locked)."""
        if self._postgres:
            changed = set(conn.execute(_UPDATE_STATES, _arrays(updates)).scalars())
        else:
            result = conn.execute(_UPDATE_STATE, updates)
            changed = (
                {u["b_entry_id"] for u in updates} if result.rowcount == len(updates) else set()
            )
        missed = [u["b_entry_id"] for u in updates if u["b_entry_id"] not in changed]
        if missed:  # the rows are locked: only a bug gets here
            raise ChangedMeanwhile(missed)

    def history(self, entry_id: str) -> Sequence[ApprovalEvent]:
        """The entry's audit trail, oldest first."""
        e = t.approval_events
        query = select(e).where(e.c.entry_id == entry_id).order_by(e.c.after_version, e.c.id)
        with self._read() as conn:
            return [_event(row) for row in conn.execute(query)]


_STATE_COLUMNS = ("entry_id", "status", "workflow", "version", "reason", "updated_at")

# SQLite: one statement executed per row (parameters b_<column>; b_expected: the stored version).
_UPDATE_STATE = (
    t.approvals.update()
    .where(
        t.approvals.c.entry_id == bindparam("b_entry_id"),
        t.approvals.c.version == bindparam("b_expected"),
    )
    .values({name: bindparam(f"b_{name}") for name in _STATE_COLUMNS if name != "entry_id"})
)
_INSERT_STATE = (
    sqlite.insert(t.approvals)
    .values({name: bindparam(f"b_{name}") for name in _STATE_COLUMNS})
    .on_conflict_do_nothing(index_elements=["entry_id"])
    .returning(t.approvals.c.entry_id)
)


# PostgreSQL: one statement per batch, each parameter an array (see _arrays).
def _unnested(columns: Mapping[str, Any]) -> TableValuedAlias:
    """The rows ``v`` of one array parameter ``b_<name>`` per column ``name`` of ``columns``
    (its SQL type), unnested side by side."""
    arrays = (bindparam(f"b_{name}", type_=ARRAY(kind)) for name, kind in columns.items())
    names = (sa.column(name, kind) for name, kind in columns.items())
    return func.unnest(*arrays).table_valued(*names).render_derived(name="v")


def _arrays(rows: Sequence[Mapping[str, Any]], prefix: str = "") -> dict[str, list[Any]]:
    """The parameters of a statement over :func:`_unnested` rows: one list per key of
    ``rows`` (which all have the same keys), named ``prefix`` + key."""
    return {prefix + name: [row[name] for row in rows] for name in rows[0]}


def _statements() -> tuple[sa.Select[Any], sa.Update, sa.Insert, sa.Insert]:
    a, e = t.approvals, t.approval_events
    lock = (
        select(a.c.entry_id, a.c.version)
        .where(a.c.entry_id == sa.any_(bindparam("b_ids", type_=ARRAY(a.c.entry_id.type))))
        .order_by(a.c.entry_id)
        .with_for_update()
    )
    states = {name: a.c[name].type for name in _STATE_COLUMNS}
    changed = _unnested({**states, "expected": a.c.version.type})
    update = (
        a.update()
        .where(a.c.entry_id == changed.c.entry_id, a.c.version == changed.c.expected)
        .values({name: changed.c[name] for name in _STATE_COLUMNS if name != "entry_id"})
        .returning(a.c.entry_id)
    )
    added = _unnested(states)
    insert = (
        postgresql.insert(a)
        .from_select(list(_STATE_COLUMNS), select(*(added.c[n] for n in _STATE_COLUMNS)))
        .on_conflict_do_nothing(index_elements=["entry_id"])
        .returning(a.c.entry_id)
    )
    columns = [c.name for c in e.columns if c.name != "id"]
    trail = _unnested({name: e.c[name].type for name in columns})
    events = e.insert().from_select(columns, select(*(trail.c[n] for n in columns)))
    return lock, update, insert, events


#: Lock the rows of ``b_ids`` (an array); compare and set the states of a batch; insert the
#: first states of a batch (returning the ids inserted); append a batch's audit events.
_LOCK_VERSIONS, _UPDATE_STATES, _INSERT_STATES, _INSERT_EVENTS = _statements()


def _event_values(change: ApprovalChange) -> dict[str, Any]:
    event = change.event
    return {
        "entry_id": change.entry_id,
        "action": event.action.value,
        "actor_party": event.actor.party.value,
        "actor_id": event.actor.id,
        "at": event.at,
        "reason": event.reason,
        **state_values(event.before, "before_"),
        **state_values(event.after, "after_"),
    }


def _event(row: Row[Any]) -> ApprovalEvent:
    return ApprovalEvent(
        action=Action(row.action),
        actor=Actor(Party(row.actor_party), row.actor_id),
        at=row.at,
        before=approval_state(
            row.before_status, row.before_workflow, row.before_version, row.before_reason
        ),
        after=approval_state(
            row.after_status, row.after_workflow, row.after_version, row.after_reason
        ),
        reason=row.reason,
    )
