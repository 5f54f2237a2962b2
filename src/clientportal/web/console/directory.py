"""What the console must list that a :class:`~clientportal.ports.DataSource` cannot: every client,
and a client's projects and contacts, to choose from when a portal is made.

A ``DataSource`` answers for one portal's scope (its client, its selected projects); the staff's
form needs the whole list. A host gives the console a :class:`Directory` over its own tables (three
small reads); :class:`DatasetDirectory` is one over a :class:`~clientportal.Dataset` (the memory
backend's and the examples').
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ...model import Client, Contact, Dataset, Project

__all__ = ["DatasetDirectory", "Directory"]


@runtime_checkable
class Directory(Protocol):
    """The host's clients, and each client's projects and contacts, for the staff's forms."""

    def clients(self) -> Sequence[Client]:
        """Every client a portal may be made for."""
        ...

    def projects(self, client_id: str) -> Sequence[Project]:
        """The projects of client ``client_id`` (empty for an unknown client)."""
        ...

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The contacts of client ``client_id`` (empty for an unknown client)."""
        ...


class DatasetDirectory:
    """A :class:`Directory` over a :class:`~clientportal.Dataset`, in the dataset's order."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset

    def __repr__(self) -> str:
        return f"DatasetDirectory({len(self._dataset.clients)} clients)"

    def clients(self) -> Sequence[Client]:
        """Every client of the dataset."""
        return tuple(self._dataset.clients)

    def projects(self, client_id: str) -> Sequence[Project]:
        """The dataset's projects of ``client_id``."""
        return tuple(p for p in self._dataset.projects if p.client_id == client_id)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The dataset's contacts of ``client_id``."""
        return tuple(c for c in self._dataset.contacts if c.client_id == client_id)
