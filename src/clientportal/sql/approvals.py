"""``SqlApprovalStore``: approval state per item and its audit trail (the
:class:`~clientportal.ports.ApprovalStore` port) in ``cp_approvals`` (time entries),
``cp_item_approvals`` (expenses and trips, keyed by kind and id) and ``cp_approval_events``.

A batch of decisions is one transaction that compares and sets each item's version, appends the
audit trail and queues the e-mails, or writes nothing; it may mix kinds. On PostgreSQL each step
of a batch is one statement per table whatever its size, its rows passed as one array per column
and unnested (``UPDATE … FROM unnest(…)``, ``INSERT … SELECT … FROM unnest(…)``): one round trip
each, and the statement triggers that keep the entry sums (:mod:`clientportal.sql.sums`) run once
per batch instead of once per entry. On SQLite, where triggers run per row anyway and a statement
costs no round trip, a step is one prepared statement executed per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.selectable import TableValuedAlias

from ..errors import ChangedMeanwhile
from ..model import ApprovalState, ItemKind
from ..ports import (
    ApprovalChange,
    ApprovalRequest,
    NewEvent,
    OutboxMessage,
    SignOff,
    check_changes,
)
from ..workflow import Action, Actor, ApprovalEvent, Party
from . import tables as t
from .base import SqlBase
from .events import insert_events
from .outbox import insert_outbox
from .requests import insert_records, withdraw_signoffs
from .rows import approval_state, batches, state_values

__all__ = ["SqlApprovalStore"]

#: An item's key: its kind and id.
_Key = tuple[ItemKind, str]


class SqlApprovalStore(SqlBase):
    """An :class:`~clientportal.ports.ApprovalStore` over ``cp_approvals``,
    ``cp_item_approvals`` and ``cp_approval_events``: part of :class:`~clientportal.sql.SqlStore`.
    """

    def approval_states(
        self, entry_ids: frozenset[str], kind: ItemKind = ItemKind.ENTRY
    ) -> dict[str, ApprovalState]:
        """The stored state of each of ``entry_ids`` (items of ``kind``) that has one."""
        states = _state_table(kind)
        found: dict[str, ApprovalState] = {}
        with self._read() as conn:
            for chunk in batches(sorted(entry_ids)):
                for row in conn.execute(states.read(kind, chunk)):
                    found[row.id] = approval_state(
                        row.status, row.workflow, row.version, row.reason
                    )
        return found

    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
        *,
        requests: Sequence[ApprovalRequest] = (),
        signoffs: Sequence[SignOff] = (),
    ) -> None:
        """Store every change (compare-and-set on its version), append its event to the audit
        trail, queue ``outbox``, write ``events`` to the event log and store the approval
        ``requests`` and ``signoffs`` (:func:`~clientportal.sql.requests.insert_records`), in
        one transaction; the changes may be of any kinds.

        The items' rows are locked (``SELECT … FOR UPDATE`` on PostgreSQL, entries first, then
        expenses, then trips, each by id, so concurrent batches never deadlock; the write lock on
        SQLite) and compared with each change's ``expected_version``; an item without a row is
        inserted only if nobody else inserted it meanwhile. Raises :class:`ChangedMeanwhile`
        naming the items that moved on (ids and kinds), :class:`~clientportal.ValidationError`
        for a taken outbox, request or sign-off id; either way nothing is written. An UNDO or
        REOPEN withdraws the stored sign-offs covering its item
        (:func:`~clientportal.sql.requests.withdraw_signoffs`), before the batch's own
        sign-offs are stored.
        """
        changes = tuple(changes)
        check_changes(changes)
        if not (changes or outbox or events or requests or signoffs):
            return
        ids: dict[ItemKind, set[str]] = {}
        for change in changes:
            ids.setdefault(change.kind, set()).add(change.entry_id)
        kinds = [kind for kind in ItemKind if kind in ids]  # one order for every batch
        with self._write() as conn:
            stored = {kind: self._lock_versions(conn, kind, sorted(ids[kind])) for kind in kinds}
            final: dict[_Key, ApprovalChange] = {}
            stale: list[_Key] = []
            for change in changes:
                key = (change.kind, change.entry_id)
                latest = final.get(key)
                version = (
                    latest.state.version if latest else stored[change.kind].get(change.entry_id)
                )
                if version is not None and version != change.expected_version:
                    stale.append(key)
                else:
                    final[key] = change
            if stale:
                raise _changed_meanwhile(stale)
            for kind in kinds:
                mine = {i: c for (k, i), c in final.items() if k is kind}
                self._set_states(conn, kind, stored[kind], mine)
            if changes:
                trail = [_event_values(c) for c in changes]
                if self._postgres:
                    conn.execute(_INSERT_EVENTS, _arrays(trail, "b_"))
                else:
                    conn.execute(t.approval_events.insert(), trail)
            if outbox:
                insert_outbox(conn, outbox)
            withdraw_signoffs(conn, changes)
            insert_records(conn, requests, signoffs)
            insert_events(conn, events, postgres=self._postgres)

    def _lock_versions(self, conn: Connection, kind: ItemKind, ids: list[str]) -> dict[str, int]:
        """The stored version of each of ``ids`` (items of ``kind``) that has a row, the rows
        locked."""
        states = _state_table(kind)
        if self._postgres:  # one statement, locking in id order: concurrent batches never deadlock
            rows = conn.execute(states.lock, {"b_ids": ids, **states.fixed(kind)})
            return {row.id: row.version for row in rows}
        versions: dict[str, int] = {}
        for chunk in batches(ids):  # the transaction holds SQLite's write lock already
            versions.update((row.id, row.version) for row in conn.execute(states.read(kind, chunk)))
        return versions

    def _set_states(
        self,
        conn: Connection,
        kind: ItemKind,
        stored: dict[str, int],
        final: dict[str, ApprovalChange],
    ) -> None:
        states = _state_table(kind)
        updates: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        for item_id in sorted(final):
            change = final[item_id]
            values: dict[str, Any] = {
                states.id_parameter: item_id,
                **state_values(change.state, "b_"),
                "b_updated_at": change.event.at,
            }
            if item_id in stored:
                updates.append({**values, "b_expected": stored[item_id]})
            else:
                inserts.append(values)
        if updates:
            self._update_states(conn, kind, states, updates)
        if inserts:
            self._insert_states(conn, kind, states, inserts)

    def _insert_states(
        self, conn: Connection, kind: ItemKind, states: _StateTable, inserts: list[dict[str, Any]]
    ) -> None:
        """Store the first states of ``inserts`` (items without a row when they were locked)."""
        fixed = states.fixed(kind)
        if self._postgres:
            added = set(conn.execute(states.insert_many, {**_arrays(inserts), **fixed}).scalars())
        else:
            rows = [{**row, **fixed} for row in inserts]
            added = set(conn.execute(states.insert_one, rows).scalars())
        key = states.id_parameter
        lost = [row[key] for row in inserts if row[key] not in added]
        if lost:  # somebody else stored a first state meanwhile
            raise _changed_meanwhile((kind, item_id) for item_id in lost)

    def _update_states(
        self, conn: Connection, kind: ItemKind, states: _StateTable, updates: list[dict[str, Any]]
    ) -> None:
        """Compare and set the stored states of ``updates`` (their rows are locked)."""
        fixed = states.fixed(kind)
        key = states.id_parameter
        if self._postgres:
            changed = set(conn.execute(states.update_many, {**_arrays(updates), **fixed}).scalars())
        else:
            result = conn.execute(states.update_one, [{**u, **fixed} for u in updates])
            changed = {u[key] for u in updates} if result.rowcount == len(updates) else set()
        missed = [u[key] for u in updates if u[key] not in changed]
        if missed:  # the rows are locked: only a bug gets here
            raise _changed_meanwhile((kind, item_id) for item_id in missed)

    def history(self, entry_id: str, kind: ItemKind = ItemKind.ENTRY) -> Sequence[ApprovalEvent]:
        """The item's audit trail, oldest first."""
        e = t.approval_events
        query = (
            select(e)
            .where(e.c.kind == kind.value, e.c.entry_id == entry_id)
            .order_by(e.c.after_version, e.c.id)
        )
        with self._read() as conn:
            return [_event(row) for row in conn.execute(query)]


def _changed_meanwhile(keys: Iterable[_Key]) -> ChangedMeanwhile:
    """:class:`ChangedMeanwhile` naming each of ``keys`` once, in order."""
    unique = list(dict.fromkeys(keys))
    return ChangedMeanwhile([i for _, i in unique], kinds=[k.value for k, _ in unique])


def _event_values(change: ApprovalChange) -> dict[str, Any]:
    event = change.event
    return {
        "kind": change.kind.value,
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


# --------------------------------------------------------------------------------------------------
# The statements over the state tables

#: The columns of a state besides its key (parameters ``b_<column>``).
_STATE_COLUMNS = ("status", "workflow", "version", "reason", "updated_at")


@frozen
class _StateTable:
    """Where one kind of item keeps its states, and the statements over them.

    ``id_column`` holds the item's id; ``by_kind`` says the table holds several kinds (in its
    column ``kind``, given to every statement as the parameter ``b_kind``). SQLite's statements
    run once per row (parameters ``b_<column>``; ``b_expected``: the stored version);
    PostgreSQL's once per batch, each of those parameters an array (:func:`_arrays`), and
    ``lock`` takes the ids as the array ``b_ids``. Every read names the id ``id``.
    """

    table: sa.Table
    id_column: str
    by_kind: bool
    lock: sa.Select[Any]
    update_one: sa.Update
    insert_one: sa.Insert
    update_many: sa.Update
    insert_many: sa.Insert

    @property
    def id_parameter(self) -> str:
        """The parameter holding an item's id."""
        return f"b_{self.id_column}"

    def fixed(self, kind: ItemKind) -> dict[str, str]:
        """The parameters every statement over items of ``kind`` takes besides its rows'."""
        return {"b_kind": kind.value} if self.by_kind else {}

    def read(self, kind: ItemKind, ids: Sequence[str]) -> sa.Select[Any]:
        """The stored states of ``ids`` (items of ``kind``)."""
        c = self.table.c
        query = select(c[self.id_column].label("id"), *(c[n] for n in _STATE_COLUMNS)).where(
            c[self.id_column].in_(ids)
        )
        return query.where(c.kind == kind.value) if self.by_kind else query


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


def _states(table: sa.Table, id_column: str, *, by_kind: bool) -> _StateTable:
    c = table.c
    columns = (id_column, *_STATE_COLUMNS)
    keys = ["kind", id_column] if by_kind else [id_column]
    # The items' kind: one parameter for a whole statement (every statement is of one kind).
    fixed = {"kind": bindparam("b_kind", type_=c.kind.type)} if by_kind else {}
    same_kind = [c[name] == value for name, value in fixed.items()]

    ids = bindparam("b_ids", type_=ARRAY(c[id_column].type))
    lock = (
        select(c[id_column].label("id"), c.version)
        .where(*same_kind, c[id_column] == sa.any_(ids))
        .order_by(c[id_column])
        .with_for_update()
    )
    update_one = (
        table.update()
        .where(
            *same_kind,
            c[id_column] == bindparam(f"b_{id_column}"),
            c.version == bindparam("b_expected"),
        )
        .values({name: bindparam(f"b_{name}") for name in _STATE_COLUMNS})
    )
    insert_one = (
        sqlite.insert(table)
        .values({**fixed, **{name: bindparam(f"b_{name}") for name in columns}})
        .on_conflict_do_nothing(index_elements=keys)
        .returning(c[id_column])
    )
    types = {name: c[name].type for name in columns}
    changed = _unnested({**types, "expected": c.version.type})
    update_many = (
        table.update()
        .where(*same_kind, c[id_column] == changed.c[id_column], c.version == changed.c.expected)
        .values({name: changed.c[name] for name in _STATE_COLUMNS})
        .returning(c[id_column])
    )
    added = _unnested(types)
    insert_many = (
        postgresql.insert(table)
        .from_select([*fixed, *columns], select(*fixed.values(), *(added.c[n] for n in columns)))
        .on_conflict_do_nothing(index_elements=keys)
        .returning(c[id_column])
    )
    return _StateTable(
        table, id_column, by_kind, lock, update_one, insert_one, update_many, insert_many
    )


#: Entries' states: ``cp_approvals`` (hosts join it by entry id; the entry sums watch it).
_ENTRY_STATES = _states(t.approvals, "entry_id", by_kind=False)
#: Expenses' and trips' states: ``cp_item_approvals``, keyed by kind and id.
_ITEM_STATES = _states(t.item_approvals, "item_id", by_kind=True)


def _state_table(kind: ItemKind) -> _StateTable:
    """Where the states of items of ``kind`` live."""
    return _ENTRY_STATES if kind is ItemKind.ENTRY else _ITEM_STATES


def _insert_events() -> sa.Insert:
    e = t.approval_events
    columns = [c.name for c in e.columns if c.name != "id"]
    trail = _unnested({name: e.c[name].type for name in columns})
    return e.insert().from_select(columns, select(*(trail.c[n] for n in columns)))


#: PostgreSQL: append a batch's audit events (each column an array ``b_<column>``).
_INSERT_EVENTS = _insert_events()
