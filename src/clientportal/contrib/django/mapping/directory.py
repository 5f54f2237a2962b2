"""The staff console's :class:`~clientportal.web.console.Directory` over the same mapping: every
client, and a client's projects and contacts, for the console's forms."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS

from ....model import Client, Contact, Project
from ....visibility import Scope
from .declare import Mapping
from .queries import expression, pk_of
from .source import DjangoDataSource

__all__ = ["DjangoDirectory"]


class DjangoDirectory:
    """The clients, projects and contacts ``mapping`` names, in Django's database ``using``, by
    primary key."""

    def __init__(self, mapping: Mapping, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.mapping = mapping
        self.using = using
        self._source = DjangoDataSource(mapping, using=using)

    def __repr__(self) -> str:
        return f"DjangoDirectory({self.mapping.clients.model.__name__}, using={self.using!r})"

    def clients(self) -> Sequence[Client]:
        """Every client."""
        clients = self.mapping.clients
        rows = (
            clients.model._default_manager.using(self.using)
            .order_by("pk")
            .values("pk", cp_name=expression(clients.name))
        )
        return [Client(id=str(r["pk"]), name=r["cp_name"]) for r in rows]

    def projects(self, client_id: str) -> Sequence[Project]:
        """The projects of client ``client_id`` (none for an unknown client)."""
        projects = self.mapping.projects
        client = pk_of(self.mapping.clients.model, client_id)
        if client is None:
            return []
        ids = (
            projects.model._default_manager.using(self.using)
            .filter(**{projects.client: client})
            .values_list("pk", flat=True)
        )
        every = Scope(
            client_id=client_id,
            project_ids=frozenset(str(i) for i in ids),
            entries=False,
            descriptions=False,
            amounts=False,
            non_billable_amounts=False,
            budget_types=frozenset(),
            invoices=False,
            quotes=False,
            documents_scope="client",
            document_statuses=frozenset(),
            approval=False,
        )
        return self._source.projects(every)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The contacts of client ``client_id`` (none without contacts in the mapping)."""
        return self._source.contacts(client_id)
