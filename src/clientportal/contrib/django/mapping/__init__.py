"""A :class:`~clientportal.ports.DataSource` over a host's own Django models, from a map.

.. code-block:: python

    from clientportal.contrib.django.mapping import (
        Clients, DjangoDataSource, Employees, Entries, Mapping, Projects, minutes,
    )

    source = DjangoDataSource(Mapping(
        clients=Clients(Customer, name="name"),
        projects=Projects(Project, client="customer", name="name"),
        employees=Employees(User, name="username"),
        entries=Entries(Entry, project="task__project", employee="user", date="day",
                        duration=minutes("minutes"), description="note", task="task__name"),
    ))

The ORM does every query (no raw SQL); approval states are read from the library's tables,
which the ``clientportal.contrib.django`` app's migrations create. See ``docs/django.md``.
"""

from __future__ import annotations

from .declare import Clients as Clients
from .declare import Contacts as Contacts
from .declare import Duration as Duration
from .declare import Employees as Employees
from .declare import Entries as Entries
from .declare import Mapping as Mapping
from .declare import Projects as Projects
from .declare import minutes as minutes
from .declare import seconds as seconds
from .directory import DjangoDirectory as DjangoDirectory
from .source import DjangoDataSource as DjangoDataSource

__all__ = [
    "Clients",
    "Contacts",
    "DjangoDataSource",
    "DjangoDirectory",
    "Duration",
    "Employees",
    "Entries",
    "Mapping",
    "Projects",
    "minutes",
    "seconds",
]
