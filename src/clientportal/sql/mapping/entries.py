"""The entry queries over a host's mapped tables: the scope and a page's filters as conditions
on the host's own columns, the order (date desc, id asc: numerically for integer ids, by code
point for text ones), and rows made into :class:`~clientportal.model.TimeEntry` records.

An entry's client is its project's: every scoped query holds to the projects of the scope's
client among its selection (a subquery on the projects' table). Approval states come from the
library's ``cp_approvals`` table by a LEFT JOIN on the entry's id as text, as
:mod:`clientportal.sql.entries` joins them: an entry without a row there is OPEN at version 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Row

from ...model import ApprovalStatus, TimeEntry
from ...ports import EntryQuery, IdOrder
from ...visibility import Scope
from .. import tables as t
from ..entries import OPEN
from ..rows import approval_state
from .convert import (
    MAX_INTEGER_ID,
    Day,
    Duration,
    Seconds,
    id_key,
    id_keys,
    integer_ids,
    money,
)
from .spec import Lookup, SchemaMap, tables_of

__all__ = ["EntrySql", "Keys"]


@frozen
class Keys:
    """A scope and query in the host's values: the client, the projects (the scope's, within
    the query's), and the employees (``None``: any)."""

    client: Any
    projects: list[Any]
    employees: list[Any] | None

    @classmethod
    def of(cls, schema: SchemaMap, scope: Scope, query: EntryQuery | None) -> Keys | None:
        """The keys of ``scope`` and ``query``, or ``None`` when no entry can match (the client
        or every project or employee asked for cannot be an id of the host's)."""
        client = id_key(schema.projects.client, scope.client_id)
        projects = scope.project_ids
        if query is not None and query.project_ids:
            projects = projects & query.project_ids
        project_keys = id_keys(schema.entries.project, projects)
        employees = None
        if query is not None and query.employee_ids:
            employees = id_keys(schema.entries.employee, query.employee_ids)
            if not employees:
                return None
        if client is None or not project_keys:
            return None
        return cls(client, project_keys, employees)


class EntrySql:
    """The pieces of every entry statement for one map and database dialect."""

    def __init__(self, schema: SchemaMap, dialect: str) -> None:
        m = schema.entries
        self.schema = schema
        self.dialect = dialect
        self.id = m.key
        self.integer = integer_ids(self.id)
        self.day = Day.of(m.date)
        self.day_sql = self.day.sql(dialect)
        self.duration = m.seconds if isinstance(m.seconds, Duration) else Seconds(m.seconds)
        self.seconds = self.duration.sql()
        self.billable: sa.ColumnElement[bool] = (
            (sa.true() if m.billable else sa.false())
            if isinstance(m.billable, bool)
            else m.billable
        )
        self.task: sa.ColumnElement[Any] | None = (
            m.task.value if isinstance(m.task, Lookup) else m.task
        )
        approval_id: sa.ColumnElement[Any] = (
            sa.cast(self.id, sa.String) if self.integer else self.id
        )
        self._approval_on = t.approvals.c.entry_id == approval_id
        read = (m.description, self.task, m.billable, m.rate, m.cost_rate, m.internal_note)
        self._reads_project = any(
            schema.projects.table in tables_of(value)
            for value in read
            if isinstance(value, sa.ColumnElement)
        )
        #: The id in the order of the pages: numbers, or text by code point.
        self.order_id: sa.ColumnElement[Any] = (
            self.id.collate("C") if dialect == "postgresql" and not self.integer else self.id
        )

    @property
    def id_order(self) -> IdOrder:
        """INTEGER for an integer id column, TEXT otherwise."""
        return IdOrder.INTEGER if self.integer else IdOrder.TEXT

    def from_(
        self, *, states: bool = True, project: bool = True, task: bool = True
    ) -> sa.FromClause:
        """The entries, with (``project``) the project's columns the map reads for an entry,
        (``task``) the task looked up, and (``states``) their approval state.
        Each is a LEFT JOIN on a key: the entries stay the outer loop, so a page can walk an
        index on the date and stop at its limit."""
        m, p = self.schema.entries, self.schema.projects
        joined: sa.FromClause = m.table
        if project and self._reads_project:
            joined = joined.outerjoin(p.table, p.key == m.project)
        if task and isinstance(m.task, Lookup):
            table, condition = m.task.joined()
            joined = joined.outerjoin(table, condition)
        if states:
            joined = joined.outerjoin(t.approvals, self._approval_on)
        return joined

    def columns(self) -> list[sa.ColumnElement[Any]]:
        """What :meth:`entry` reads, in its order."""
        m, a = self.schema.entries, t.approvals.c

        def nothing() -> sa.ColumnElement[Any]:
            return sa.null()

        columns = [
            self.id,
            m.project,
            m.employee,
            self.day.column,
            self.duration.column,
            nothing() if m.description is None else m.description,
            nothing() if self.task is None else self.task,
            self.billable,
            nothing() if m.rate is None else m.rate,
            nothing() if m.cost_rate is None else m.cost_rate,
            nothing() if m.internal_note is None else m.internal_note,
            a.status,
            a.workflow,
            a.version,
            a.reason,
        ]
        return [column.label(f"c{i}") for i, column in enumerate(columns)]

    def conditions(self, keys: Keys, query: EntryQuery | None) -> list[sa.ColumnElement[bool]]:
        """The scope's client and projects, and the query's employees, dates, approval statuses
        and cursor."""
        m = self.schema.entries
        p = self.schema.projects
        # The client's projects among those asked for (a foreign selection shows nothing): a
        # subquery, not a join, so that the entries' own indexes decide how they are found.
        own = select(p.key).where(p.client == keys.client, p.key.in_(keys.projects))
        found: list[sa.ColumnElement[bool]] = [m.project.in_(own)]
        if keys.employees is not None:
            found.append(m.employee.in_(keys.employees))
        if query is None:
            return found
        if query.date_from is not None:
            found.append(self.day.on_or_after(query.date_from, self.dialect))
        if query.date_to is not None:
            found.append(self.day.on_or_before(query.date_to, self.dialect))
        if query.statuses:
            found.append(self.status_in(query.statuses))
        if query.after is not None:
            after = query.after
            # The first condition lets the database seek in an index on the date column.
            found.append(self.day.on_or_before(after.date, self.dialect))
            found.append(
                or_(
                    self.day_sql < after.date,
                    and_(self.day_sql == after.date, self.order_id > self._cursor_id(after.id)),
                )
            )
        return found

    def _cursor_id(self, value: str) -> Any:
        if not self.integer:
            return value
        # A cursor the source did not give (by hand, say) comes before every id of its day.
        if not (value.isascii() and value.isdigit()):
            return -1
        # An id beyond every integer column's comes after every id of its day.
        return min(int(value), MAX_INTEGER_ID)

    @staticmethod
    def status_in(statuses: frozenset[ApprovalStatus]) -> sa.ColumnElement[bool]:
        """Entries in ``statuses`` (an entry without a row in ``cp_approvals`` is OPEN)."""
        a = t.approvals.c
        wanted = sorted(s.value for s in statuses)
        if ApprovalStatus.OPEN in statuses:
            return or_(a.status.in_(wanted), a.entry_id.is_(None))
        return a.status.in_(wanted)

    def page(self, keys: Keys, query: EntryQuery, limit: int) -> sa.Select[Any]:
        """A page of entries in (date desc, id asc) order, at most ``limit``."""
        return (
            select(*self.columns())
            .select_from(self.from_())
            .where(*self.conditions(keys, query))
            .order_by(self.day_sql.desc(), self.order_id)
            .limit(limit)
        )

    def by_id(self, keys: Sequence[Any]) -> sa.Select[Any]:
        """The entries with these ids (host values), whatever their project."""
        return (
            select(*self.columns())
            .select_from(self.from_())
            .where(self.id.in_(list(keys)))
            .order_by(self.id)
        )

    def entry(self, row: Row[Any]) -> TimeEntry:
        """The entry of a row of :meth:`columns`."""
        (
            id_,
            project,
            employee,
            day,
            seconds,
            description,
            task,
            billable,
            rate,
            cost_rate,
            note,
            status,
            workflow,
            version,
            reason,
        ) = tuple(row)
        approval = OPEN if status is None else approval_state(status, workflow, version, reason)
        return TimeEntry(
            id=str(id_),
            project_id=str(project),
            employee_id=str(employee),
            date=self.day.value(day),
            seconds=self.duration.seconds(seconds),
            description=description,
            task=None if task is None else str(task),
            billable=bool(billable),
            rate=None if rate is None else money(rate),
            cost_rate=None if cost_rate is None else money(cost_rate),
            internal_note=note,
            approval=approval,
        )
