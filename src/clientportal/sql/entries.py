"""The entry queries of :class:`~clientportal.sql.SqlDataSource`: the scope's rules and a page's
filters as SQL conditions, the page statements, and rows made into
:class:`~clientportal.model.TimeEntry` records.

Every entry query holds to the scope's client *and* its selected projects (the ``client_id`` on
each entry is held to its project's by a foreign key), applies the page's filters, and pages by
keyset in (date desc, id asc) order along the ``(client_id, date desc, id)`` index, ids compared
by code point in every database (:func:`~clientportal.sql.collation.binary_id`). Approval state
comes from the library's ``cp_approvals`` table by a LEFT JOIN: an entry without a row there is
OPEN at version 0.
"""

from __future__ import annotations

from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy import and_, bindparam, literal, or_, select
from sqlalchemy.engine import Row

from ..model import ApprovalState, ApprovalStatus, TimeEntry
from ..ports import EntryQuery
from ..visibility import Scope
from . import tables as t
from .collation import binary_id
from .rows import approval_state

__all__ = [
    "ENTRY_COLUMNS",
    "OPEN",
    "Shape",
    "entries_from",
    "entry",
    "entry_conditions",
    "filter_params",
    "page_statement",
    "shape",
]

#: The state of an entry without a row in ``cp_approvals``.
OPEN = ApprovalState()

#: The columns :func:`entry` reads: the entry's own, then its approval state's.
ENTRY_COLUMNS = (
    *t.entries.c,
    t.approvals.c.status.label("a_status"),
    t.approvals.c.workflow.label("a_workflow"),
    t.approvals.c.version.label("a_version"),
    t.approvals.c.reason.label("a_reason"),
)

#: Which filters a query uses (employees, date from, date to, statuses, cursor): the statements
#: are built once per combination.
Shape = tuple[bool, bool, bool, bool, bool]

_PAGES: dict[Shape, sa.Select[Any]] = {}


def filter_params(scope: Scope, query: EntryQuery) -> dict[str, Any]:
    """The parameters of the entry conditions (:func:`entry_conditions`) for a scope and query;
    ``projects`` is empty when the query's projects are none of the scope's."""
    projects = scope.project_ids & query.project_ids if query.project_ids else scope.project_ids
    return {
        "client_id": scope.client_id,
        "projects": sorted(projects),
        "employees": sorted(query.employee_ids),
        "date_from": query.date_from,
        "date_to": query.date_to,
        "statuses": sorted(s.value for s in query.statuses),
        "after_date": None if query.after is None else query.after.date,
        "after_id": None if query.after is None else query.after.id,
    }


def shape(query: EntryQuery) -> Shape:
    """Which filters the query uses."""
    return (
        bool(query.employee_ids),
        query.date_from is not None,
        query.date_to is not None,
        bool(query.statuses),
        query.after is not None,
    )


def entry_conditions(
    employees: bool, date_from: bool, date_to: bool, statuses: bool, after: bool
) -> list[sa.ColumnElement[bool]]:
    """The rules and filters every entry query applies: the scope's client and projects, the
    query's employees, dates and approval statuses (from the approvals table, which the
    statement must join when ``statuses``: :func:`entries_from`), and the keyset cursor."""
    e, a = t.entries, t.approvals
    conditions: list[sa.ColumnElement[bool]] = [
        # client_id is the project's (a foreign key says so): V1 and V2 in one condition.
        e.c.client_id == bindparam("client_id"),
        e.c.project_id.in_(bindparam("projects", expanding=True)),
    ]
    if employees:
        conditions.append(e.c.employee_id.in_(bindparam("employees", expanding=True)))
    if date_from:
        conditions.append(e.c.date >= bindparam("date_from"))
    if date_to:
        conditions.append(e.c.date <= bindparam("date_to"))
    if statuses:
        # An entry without a state is OPEN. Said as two conditions rather than one COALESCE, so
        # that PostgreSQL estimates them from the statuses' statistics: with COALESCE it took
        # every status for rare and sorted all of a portal's entries for a page of decided ones.
        wanted: sa.BindParameter[str] = bindparam("statuses", expanding=True)
        conditions.append(
            or_(
                a.c.status.in_(wanted),
                and_(a.c.entry_id.is_(None), literal(ApprovalStatus.OPEN.value).in_(wanted)),
            )
        )
    if after:
        # The first condition lets the database seek in the index; the second is the keyset.
        conditions.append(e.c.date <= bindparam("after_date"))
        conditions.append(
            or_(
                e.c.date < bindparam("after_date"),
                and_(
                    e.c.date == bindparam("after_date"), binary_id(e.c.id) > bindparam("after_id")
                ),
            )
        )
    return conditions


def entries_from(states: bool) -> sa.FromClause:
    """The entries, joined with their approval state when ``states``."""
    e, a = t.entries, t.approvals
    return e.outerjoin(a, a.c.entry_id == e.c.id) if states else e


def page_statement(query_shape: Shape) -> sa.Select[Any]:
    """The page query for one combination of filters, built once and reused (its SQL is cached
    by the engine; only the parameters change). ``limit`` is a parameter too."""
    statement = _PAGES.get(query_shape)
    if statement is None:
        statement = (
            select(*ENTRY_COLUMNS)
            .select_from(entries_from(True))
            .where(*entry_conditions(*query_shape))
            .order_by(t.entries.c.date.desc(), binary_id(t.entries.c.id))
            .limit(bindparam("limit", type_=sa.Integer))
        )
        _PAGES[query_shape] = statement
    return statement


def entry(row: Row[Any]) -> TimeEntry:
    """The entry of a row of :data:`ENTRY_COLUMNS`, with its stored approval state or OPEN."""
    # id, client id, the fields of TimeEntry between its id and its approval, the approval's
    values: tuple[Any, ...] = tuple(row)
    status, workflow, version, reason = values[12:]
    approval = OPEN if status is None else approval_state(status, workflow, version, reason)
    return TimeEntry(
        values[0], **dict(zip(_ENTRY_FIELDS, values[2:12], strict=True)), approval=approval
    )


#: The fields of a TimeEntry in the order of the entries table's columns after its client id.
_ENTRY_FIELDS = tuple(f.name for f in attrs.fields(TimeEntry))[1:-1]
