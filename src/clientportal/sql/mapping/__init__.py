"""A :class:`~clientportal.ports.DataSource` from a declarative map of the host's own tables.

Name the host's tables and columns for each record of the data contract (SQLAlchemy ``Table``\\ s,
declared or reflected) and :class:`MappedDataSource` builds the scoped, keyset-paged queries and
the totals::

    from clientportal.sql.mapping import (
        ClientTable, EmployeeTable, EntryTable, MappedDataSource, Minutes, ProjectTable, SchemaMap,
    )

    source = MappedDataSource(engine, SchemaMap(
        clients=ClientTable(client, name=client.c.name),
        employees=EmployeeTable(user, name=user.c.username),
        projects=ProjectTable(project, client=project.c.client_id, name=project.c.name),
        entries=EntryTable(entry, project=entry.c.project_id, employee=entry.c.user_id,
                           date=entry.c.date, seconds=Minutes(entry.c.minutes)),
    ))

See the guide, *Mapping your schema*.
"""

from __future__ import annotations

from .convert import Hours as Hours
from .convert import LocalDate as LocalDate
from .convert import Minutes as Minutes
from .convert import Seconds as Seconds
from .source import MappedDataSource as MappedDataSource
from .spec import BudgetTable as BudgetTable
from .spec import ClientTable as ClientTable
from .spec import ContactTable as ContactTable
from .spec import DocumentTable as DocumentTable
from .spec import EmployeeTable as EmployeeTable
from .spec import EntryTable as EntryTable
from .spec import Links as Links
from .spec import Lookup as Lookup
from .spec import ProjectTable as ProjectTable
from .spec import SchemaMap as SchemaMap

__all__ = [
    "BudgetTable",
    "ClientTable",
    "ContactTable",
    "DocumentTable",
    "EmployeeTable",
    "EntryTable",
    "Hours",
    "Links",
    "LocalDate",
    "Lookup",
    "MappedDataSource",
    "Minutes",
    "ProjectTable",
    "SchemaMap",
    "Seconds",
]
