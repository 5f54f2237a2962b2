"""What the access gate reads for one visitor step, in one statement: the step's failure budgets
(``cp_rate_limits``), the visitor's session, the link, its portal with its three selections and
its access state (:meth:`SqlVisits.read_visit`, a part of :class:`~clientportal.sql.SqlStore`).

Each part is joined by its key to one constant row, so the row comes back whatever is missing:
the statement is the same for a link that exists and for one that was never issued.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from ..access import AccessMode, Link, PortalAccess, SessionRecord
from ..model import Portal, PortalSettings
from ..ports import RateLimiter
from ..ports.state import VisitRecords
from . import tables as t
from .base import SqlBase
from .ratelimit import sql_buckets

__all__ = ["SELECTIONS", "SqlVisits"]

#: A portal's three selections: each table and its id column.
SELECTIONS = (
    (t.portal_projects, "project_id"),
    (t.portal_contacts, "contact_id"),
    (t.portal_employees, "employee_id"),
)

#: Separates the ids of a selection read in one column: ids hold no control characters.
_SEPARATOR = "\x1f"


class SqlVisits(SqlBase):
    """The :class:`~clientportal.ports.state.VisitReader` part of
    :class:`~clientportal.sql.SqlStore`."""

    def read_visit(
        self,
        link_id: str,
        session_hash: str | None = None,
        *,
        budgets: Sequence[tuple[RateLimiter, str]] = (),
        now: dt.datetime | None = None,
    ) -> VisitRecords:
        """The link, its portal (with its selections) and access state, the session (when
        ``session_hash`` is given) and, when every limiter of ``budgets`` is a
        :class:`~clientportal.sql.SqlRateLimiter` of this engine, whether each ``(limiter,
        key)`` has a unit left at ``now``: in one statement, the same whatever exists."""
        buckets = sql_buckets(self.engine, budgets) if budgets else None
        if buckets is not None and now is None:
            raise ValueError("read_visit() answers budgets at a time: give now=")
        params: dict[str, Any] = {"visit_link": link_id, "visit_session": session_hash}
        for number, (_, row_key) in enumerate(buckets or ()):
            params[f"bucket{number}"] = row_key
        statement = _statement(self._postgres, len(buckets or ()))
        with self._read_one() as conn:
            row = conn.execute(statement, params).one()._mapping
        answers = None
        if buckets is not None:
            assert now is not None
            answers = tuple(
                limiter.allows(row[f"b{number}_level"], row[f"b{number}_at"], now=now)
                for number, (limiter, _) in enumerate(buckets)
            )
        return _records(row, answers)


@functools.cache
def _statement(postgres: bool, buckets: int) -> sa.Select[Any]:
    """The statement of a step that checks ``buckets`` budgets (built once per shape)."""
    s, link, p = t.sessions, t.links, t.portals
    joined: Any = sa.select(sa.literal_column("1").label("one")).subquery("one")
    columns: list[Any] = []
    for number in range(buckets):
        bucket = t.rate_limits.alias(f"b{number}")
        key = sa.bindparam(f"bucket{number}", type_=sa.String)
        joined = joined.outerjoin(bucket, bucket.c.key == key)
        columns += [bucket.c.level.label(f"b{number}_level"), bucket.c.at.label(f"b{number}_at")]
    joined = (
        joined.outerjoin(s, s.c.id_hash == sa.bindparam("visit_session", type_=sa.String))
        .outerjoin(link, link.c.id == sa.bindparam("visit_link", type_=sa.String))
        .outerjoin(p, p.c.id == link.c.portal_id)
    )
    separator: Any = sa.literal_column("chr(31)" if postgres else "char(31)")
    for table, column in SELECTIONS:
        ids = table.c[column]
        listed = (
            sa.func.string_agg(ids, separator) if postgres else sa.func.group_concat(ids, separator)
        )
        selected = sa.select(listed).where(table.c.portal_id == link.c.portal_id)
        columns.append(selected.scalar_subquery().label(f"p_{column}s"))
    columns += [c.label(f"s_{c.name}") for c in s.c]
    columns += [c.label(f"l_{c.name}") for c in link.c]
    columns += [c.label(f"p_{c.name}") for c in p.c]
    return sa.select(*columns).select_from(joined)


_SESSION_FIELDS = tuple(f.name for f in attrs.fields(SessionRecord))
_LINK_FIELDS = tuple(f.name for f in attrs.fields(Link))
_SETTINGS_FIELDS = tuple(f.name for f in attrs.fields(PortalSettings))


def _records(row: RowMapping, budgets: tuple[bool, ...] | None) -> VisitRecords:
    """The records of a row of :func:`_statement`."""
    session = link = portal = access = None
    if row["s_id_hash"] is not None:
        session = SessionRecord(**_prefixed(row, "s_", _SESSION_FIELDS))
    if row["l_id"] is not None:
        link = Link(**_prefixed(row, "l_", _LINK_FIELDS))
    if row["p_id"] is not None:
        portal_id = row["p_id"]
        portal = Portal(
            id=portal_id,
            client_id=row["p_client_id"],
            name=row["p_name"],
            language=row["p_language"],
            settings=PortalSettings(**_prefixed(row, "p_", _SETTINGS_FIELDS)),
            project_ids=_ids(row["p_project_ids"]),
            contact_ids=_ids(row["p_contact_ids"]),
            employee_ids=_ids(row["p_employee_ids"]),
            created_at=row["p_created_at"],
            active=row["p_active"],
        )
        access = PortalAccess(
            portal_id=portal_id,
            generation=row["p_generation"],
            mode=AccessMode(row["p_access_mode"]),
        )
    return VisitRecords(link=link, portal=portal, access=access, session=session, budgets=budgets)


def _prefixed(row: RowMapping, prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: row[prefix + name] for name in names}


def _ids(listed: str | None) -> frozenset[str]:
    return frozenset(listed.split(_SEPARATOR)) if listed else frozenset()
