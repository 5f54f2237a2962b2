"""``SqlRequestStore``: approval requests, once-only e-mails, sign-offs and quote decisions (the
:class:`~clientportal.ports.RequestStore` port) in the tables of
:mod:`clientportal.sql.request_tables`.

What must happen once, whatever the number of workers and threads, is one atomic statement:

- using a request is ``UPDATE … SET used_at … WHERE id = … AND used_at IS NULL``: of racing
  users, the one whose update counts a row won;
- :meth:`~SqlRequestStore.send_once` and :meth:`~SqlRequestStore.decide_quote` begin their
  transaction with ``INSERT … ON CONFLICT DO NOTHING RETURNING`` on the key (the e-mail's key,
  the quote's client and id): the one that inserted it writes its e-mails and events in the same
  transaction; the others (on PostgreSQL they wait for the winner's commit) insert nothing and
  write nothing. A failure later in the winner's transaction rolls its key back too.

Requests and sign-offs are written by ``apply_changes`` (:func:`insert_records`), in the
transaction of the decision or e-mail they belong to; a sign-off's items go to
``cp_signoff_items`` with it, and an UNDO or REOPEN in a batch withdraws the standing sign-offs
covering its item (:func:`withdraw_signoffs`, one ``UPDATE`` per kind and 500 ids). Every read is
one statement (a sign-off read with its items through an outer join; the sign-offs of many items
one statement per 500 items).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import Select

from ..model import ApprovalStatus, ItemKind, ItemRef
from ..ports import (
    ApprovalChange,
    ApprovalRequest,
    NewEvent,
    OutboxMessage,
    QuoteDecision,
    SignOff,
)
from ..ports.requests import RequestedItem, check_new_records, check_once_key
from ..workflow import Action
from . import request_tables as rt
from . import tables as t
from .base import SqlBase
from .collation import binary_id
from .events import insert_events
from .outbox import insert_outbox
from .rows import batches, record_of

__all__ = ["SqlRequestStore", "insert_records", "withdraw_signoffs"]

_R = rt.approval_requests
_S = rt.signoffs
_I = rt.signoff_items
_Q = rt.quote_decisions
_ONCE = rt.sent_once


def insert_records(
    conn: Connection, requests: Sequence[ApprovalRequest], signoffs: Sequence[SignOff]
) -> None:
    """Store ``requests`` and ``signoffs`` in the transaction of ``conn``:
    :class:`~clientportal.ValidationError` (and nothing stored) when an id is taken."""
    tables = {"request": _R, "signoff": _S}

    def stored(name: str, ids: Sequence[str]) -> list[str]:
        table = tables[name]
        return [
            i
            for chunk in batches(ids)
            for i in conn.execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars()
        ]

    check_new_records(requests, signoffs, stored)
    if requests:
        conn.execute(_R.insert(), [_request_values(r) for r in requests])
    if signoffs:
        conn.execute(_S.insert(), [_signoff_values(s) for s in signoffs])
        covered = [
            {"signoff_id": s.id, "kind": item.kind.value, "item_id": item.id}
            for s in signoffs
            for item in set(s.items)
        ]
        if covered:
            conn.execute(_I.insert(), covered)


#: The steps that withdraw the sign-offs covering their item.
_WITHDRAWING = frozenset({Action.UNDO, Action.REOPEN})


def withdraw_signoffs(conn: Connection, changes: Sequence[ApprovalChange]) -> None:
    """In the transaction of ``conn``: withdraw the standing sign-offs covering the item of
    each UNDO or REOPEN of ``changes`` (``withdrawn_at`` = its event's time; the first such
    step of a batch wins), one ``UPDATE`` per time, kind and 500 ids."""
    groups: dict[tuple[dt.datetime, ItemKind], list[str]] = {}
    for change in changes:
        if change.event.action in _WITHDRAWING:
            groups.setdefault((change.event.at, change.kind), []).append(change.entry_id)
    for (at, kind), ids in groups.items():
        for chunk in batches(sorted(set(ids))):
            covering = select(_I.c.signoff_id).where(
                _I.c.kind == kind.value, _I.c.item_id.in_(chunk)
            )
            conn.execute(
                _S.update()
                .where(_S.c.withdrawn_at.is_(None), _S.c.id.in_(covering))
                .values(withdrawn_at=at)
            )


def _request_values(request: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "portal_id": request.portal_id,
        "contact_id": request.contact_id,
        "link_id": request.link_id,
        "items": json.dumps([[i.kind.value, i.id, i.version] for i in request.items]),
        "token_hash": request.token_hash,
        "created_at": request.created_at,
        "expires_at": request.expires_at,
        "used_at": request.used_at,
        "note": request.note,
    }


def _request(row: Row[Any]) -> ApprovalRequest:
    items = tuple(
        RequestedItem(ItemKind(kind), item_id, version)
        for kind, item_id, version in json.loads(row.items)
    )
    return record_of(ApprovalRequest, row, items=items)


def _signoff_values(signoff: SignOff) -> dict[str, Any]:
    return {
        "id": signoff.id,
        "portal_id": signoff.portal_id,
        "contact_id": signoff.contact_id,
        "created_at": signoff.created_at,
        "sha256": signoff.sha256,
        "document": signoff.document,
        "period_start": signoff.period_start,
        "period_end": signoff.period_end,
        "withdrawn_at": signoff.withdrawn_at,
    }


def _with_items(signoffs: Select[Any]) -> Select[Any]:
    """The rows of the sign-offs ``signoffs`` selects (a subquery of whole ``cp_signoffs``
    rows), one per item each covers (``item_kind``, ``item_item_id``; ``None`` for none)."""
    page = signoffs.subquery("s")
    return select(
        page, _I.c.kind.label("item_kind"), _I.c.item_id.label("item_item_id")
    ).select_from(page.outerjoin(_I, _I.c.signoff_id == page.c.id))


def _signoffs_of(rows: Iterable[Row[Any]]) -> list[SignOff]:
    """The sign-offs of :func:`_with_items` rows, in the order of their first rows, each with
    its items by kind, then id."""
    found: dict[str, tuple[Row[Any], list[ItemRef]]] = {}
    for row in rows:
        _, items = found.setdefault(row.id, (row, []))
        if row.item_kind is not None:
            items.append(ItemRef(ItemKind(row.item_kind), row.item_item_id))
    return [
        record_of(SignOff, row, items=sorted(items, key=lambda i: (i.kind.value, i.id)))
        for row, items in found.values()
    ]


def _quote(row: Row[Any]) -> QuoteDecision:
    return record_of(QuoteDecision, row, amount=None if row.amount is None else Decimal(row.amount))


class SqlRequestStore(SqlBase):
    """A :class:`~clientportal.ports.RequestStore` over ``cp_approval_requests``,
    ``cp_sent_once``, ``cp_signoffs`` and ``cp_quote_decisions``: part of
    :class:`~clientportal.sql.SqlStore`."""

    # -- approval requests ---------------------------------------------------------------------

    def get_request(self, request_id: str) -> ApprovalRequest | None:
        """The request with this id, or ``None``."""
        with self._read_one() as conn:
            row = conn.execute(select(_R).where(_R.c.id == request_id)).first()
        return None if row is None else _request(row)

    def use_request(self, request_id: str, at: dt.datetime) -> bool:
        """Set the request's ``used_at`` if it is unused, in one statement; True when this call
        used it."""
        update = _R.update().where(_R.c.id == request_id, _R.c.used_at.is_(None)).values(used_at=at)
        with self._write() as conn:
            return conn.execute(update).rowcount == 1

    def open_requests(
        self, *, since: dt.datetime, after: str | None = None, limit: int = 500
    ) -> Sequence[ApprovalRequest]:
        """Up to ``limit`` unused requests created at or after ``since``, by id (code point
        order), after ``after``."""
        if limit < 1:
            return ()
        query = select(_R).where(_R.c.used_at.is_(None), _R.c.created_at >= since)
        if after is not None:
            query = query.where(binary_id(_R.c.id) > after)
        query = query.order_by(binary_id(_R.c.id)).limit(limit)
        with self._read_one() as conn:
            return [_request(row) for row in conn.execute(query)]

    # -- once-only e-mails ---------------------------------------------------------------------

    def once_done_at(self, key: str) -> dt.datetime | None:
        """When :meth:`send_once` recorded ``key``, or ``None``."""
        with self._read_one() as conn:
            return conn.execute(select(_ONCE.c.done_at).where(_ONCE.c.key == key)).scalar()

    def send_once(
        self,
        key: str,
        *,
        at: dt.datetime,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """Record ``key`` and queue ``outbox`` and write ``events`` in one transaction, unless
        ``key`` is recorded (by any worker): then nothing is written and the answer is False."""
        check_once_key(key)
        claim = (
            self._insert(_ONCE)
            .values(key=key, done_at=at)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(_ONCE.c.key)
        )
        with self._write() as conn:
            if conn.execute(claim).first() is None:
                return False
            if outbox:
                insert_outbox(conn, outbox)
            insert_events(conn, events, postgres=self._postgres)
            return True

    # -- staff reminders -----------------------------------------------------------------------

    def items_in_status(
        self, status: ApprovalStatus, *, limit: int = 1000
    ) -> Sequence[tuple[ItemKind, str, dt.datetime | None]]:
        """Up to ``limit`` items whose stored state is in ``status`` with the time it was
        stored, oldest first (unknown times first, then by kind and id): each state table read
        along its index on ``(status, updated_at)``, rows without a time first."""
        if limit < 1:
            return ()
        a, i = t.approvals.c, t.item_approvals.c
        found: list[tuple[ItemKind, str, dt.datetime | None]] = []
        with self._read() as conn:
            for known in (False, True):
                entries = (
                    select(a.entry_id, a.updated_at)
                    .where(a.status == status.value, _known(a.updated_at, known))
                    .order_by(a.updated_at, binary_id(a.entry_id))
                    .limit(limit)
                )
                found.extend(
                    (ItemKind.ENTRY, r.entry_id, r.updated_at) for r in conn.execute(entries)
                )
                items = (
                    select(i.kind, i.item_id, i.updated_at)
                    .where(i.status == status.value, _known(i.updated_at, known))
                    .order_by(i.updated_at, i.kind, binary_id(i.item_id))
                    .limit(limit)
                )
                found.extend(
                    (ItemKind(r.kind), r.item_id, r.updated_at) for r in conn.execute(items)
                )
        found.sort(key=lambda f: (f[2] is not None, f[2] or dt.datetime.min, f[0].value, f[1]))
        return found[:limit]

    # -- sign-offs -----------------------------------------------------------------------------

    def get_signoff(self, signoff_id: str) -> SignOff | None:
        """The sign-off with this id, or ``None``."""
        with self._read_one() as conn:
            found = _signoffs_of(conn.execute(_with_items(select(_S).where(_S.c.id == signoff_id))))
        return found[0] if found else None

    def signoffs_for(self, items: Sequence[ItemRef]) -> Sequence[SignOff]:
        """The standing sign-offs covering any of ``items``, oldest first (then by id): one
        statement per 500 items."""
        found: dict[str, SignOff] = {}
        for chunk in batches(sorted(set(items), key=lambda i: (i.kind.value, i.id))):
            by_kind: dict[ItemKind, list[str]] = {}
            for item in chunk:
                by_kind.setdefault(item.kind, []).append(item.id)
            covering = select(_I.c.signoff_id).where(
                or_(*(and_(_I.c.kind == k.value, _I.c.item_id.in_(i)) for k, i in by_kind.items()))
            )
            standing = select(_S).where(_S.c.withdrawn_at.is_(None), _S.c.id.in_(covering))
            with self._read_one() as conn:
                found.update((s.id, s) for s in _signoffs_of(conn.execute(_with_items(standing))))
        return sorted(found.values(), key=lambda s: (s.created_at, s.id))

    def signoffs(
        self, portal_id: str, *, contact_id: str | None = None, limit: int = 50
    ) -> Sequence[SignOff]:
        """Up to ``limit`` sign-offs of the portal (of one contact), newest first."""
        if limit < 1:
            return ()
        query = select(_S).where(_S.c.portal_id == portal_id)
        if contact_id is not None:
            query = query.where(_S.c.contact_id == contact_id)
        query = query.order_by(_S.c.created_at.desc(), binary_id(_S.c.id).desc()).limit(limit)
        page = _with_items(query)
        s = page.selected_columns
        page = page.order_by(s.created_at.desc(), binary_id(s.id).desc())
        with self._read_one() as conn:
            return _signoffs_of(conn.execute(page))

    # -- quotes --------------------------------------------------------------------------------

    def decide_quote(
        self,
        decision: QuoteDecision,
        *,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """Store ``decision`` with ``outbox`` and ``events`` in one transaction, unless the quote
        is decided: then nothing is written and the answer is False."""
        claim = (
            self._insert(_Q)
            .values(
                client_id=decision.client_id,
                quote_id=decision.quote_id,
                portal_id=decision.portal_id,
                contact_id=decision.contact_id,
                accepted=decision.accepted,
                signature=decision.signature,
                reason=decision.reason,
                address_hash=decision.address_hash,
                at=decision.at,
                amount=None if decision.amount is None else str(decision.amount),
                currency=decision.currency,
            )
            .on_conflict_do_nothing(index_elements=["client_id", "quote_id"])
            .returning(_Q.c.quote_id)
        )
        with self._write() as conn:
            if conn.execute(claim).first() is None:
                return False
            if outbox:
                insert_outbox(conn, outbox)
            insert_events(conn, events, postgres=self._postgres)
            return True

    def quote_decisions(
        self, client_id: str, quote_ids: frozenset[str]
    ) -> Mapping[str, QuoteDecision]:
        """The stored decisions on those of ``quote_ids`` of the client that have one: one
        statement per 500 ids, each a single read (a page's reads share one connection)."""
        found: dict[str, QuoteDecision] = {}
        for chunk in batches(sorted(quote_ids)):
            query = select(_Q).where(_Q.c.client_id == client_id, _Q.c.quote_id.in_(chunk))
            with self._read_one() as conn:
                found.update((row.quote_id, _quote(row)) for row in conn.execute(query))
        return found


def _known(column: Any, known: bool) -> Any:
    """``column`` holds a time (``known``), or none."""
    return column.is_not(None) if known else column.is_(None)
