"""The reference schema's expenses and trips (``tt_expenses``, ``tt_trips``), beside its entries
in :data:`~clientportal.sql.tables.reference_metadata`.

Like the host's other data they are not the library's: ``reference_metadata.create_all`` creates
them (``clientportal db upgrade`` does on an older schema: tables that are missing are added), no
migration does. Their approval states are the library's, in ``cp_item_approvals``.

Each row carries its project's ``client_id`` (a composite foreign key keeps the two consistent),
as an entry does, so that a portal's page of expenses or trips is one range scan of the
``(client_id, date desc, id)`` index, whatever the number of its projects; a project's items are
found by ``(project_id, date)``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Table,
)

from .collation import binary_id
from .tables import entries, reference_metadata
from .types import ExactDecimal, Text

__all__ = ["expenses", "trips"]

#: Ids as long as the entries' (they fit an index on every database).
ID_LENGTH: int = entries.c.id.type.length  # type: ignore[attr-defined]


def _cost_table(name: str, *columns: Column[object]) -> Table:
    """A table of items a project costs besides hours: the columns every kind has (its id, the
    client and project, who, when), then ``columns``, then its internal note."""
    table = Table(
        name,
        reference_metadata,
        Column("id", String(ID_LENGTH), primary_key=True),
        Column("client_id", String(ID_LENGTH), nullable=False),
        Column("project_id", String(ID_LENGTH), nullable=False),
        Column("employee_id", String(ID_LENGTH), ForeignKey("tt_employees.id"), nullable=False),
        Column("date", Date, nullable=False),
        *columns,
        Column("billable", Boolean, nullable=False),
        Column("internal_note", Text),
        ForeignKeyConstraint(
            ["project_id", "client_id"], ["tt_projects.id", "tt_projects.client_id"]
        ),
        Index(f"ix_{name}_project_date", "project_id", "date"),
    )
    #: A portal's page: the client's items, newest first, then by id (keyset pagination).
    #: Its id is by code point (``COLLATE "C"`` on PostgreSQL), as the page's ORDER BY says it.
    Index(
        f"ix_{name}_client_date_id",
        table.c.client_id,
        table.c.date.desc(),
        binary_id(table.c.id),
    )
    return table


#: Money spent on a project: ``amount`` in ``currency``; ``receipt`` says the host keeps one.
expenses = _cost_table(
    "tt_expenses",
    Column("amount", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("description", Text),
    Column("category", Text),
    Column("receipt", Boolean, nullable=False),
)

#: Journeys made for a project: ``distance`` in km, at ``rate`` per km in ``currency`` (the
#: portal's when ``NULL``).
trips = _cost_table(
    "tt_trips",
    Column("distance", ExactDecimal, nullable=False),
    Column("description", Text),
    Column("origin", Text),
    Column("destination", Text),
    Column("rate", ExactDecimal),
    Column("currency", String(3)),
)
