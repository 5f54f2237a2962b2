"""The kit's worlds in the host's id space: every id renumbered, consistently, for a host whose
ids are integers (:attr:`~clientportal.ports.IdOrder.INTEGER`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from attrs import evolve

from ...model import Dataset, Portal
from ...ports import EntryCursor, EntryQuery, IdOrder

__all__ = ["Renumbering"]

#: What an id names; each kind is numbered on its own (a client and a project may both be "1",
#: as in a host's tables).
Kind = Literal[
    "client",
    "contact",
    "employee",
    "project",
    "entry",
    "budget",
    "invoice",
    "quote",
    "expense",
    "trip",
]

#: Ids the world does not hold (unknown ones the kit asks for) are numbered from here on.
_UNKNOWN = 10_000_000


def _integer(k: int) -> str:
    """The ``k``-th id (from 0) of a kind: 1, 20, 300, 4, 50, 600, 7, 80, 900, 10, 110, ...

    Unique (each residue class mod 3 has its own form), and with mixed lengths from the start,
    so that ordering them as text ("10" < "4") and as numbers disagree in almost every world.
    """
    return str((k + 1) * 10 ** (k % 3))


class Renumbering:
    """Maps the ids of one drawn world, and of everything drawn over it (portals, queries,
    unknown ids), into the host's id space: canonical decimal integers for
    :attr:`IdOrder.INTEGER`, the ids as drawn for :attr:`IdOrder.TEXT`.

    Known ids of a kind are numbered in their text order; an id the world does not hold gets a
    number no record of its kind has, the same one each time it is asked for.
    """

    def __init__(self, dataset: Dataset, order: IdOrder) -> None:
        self.order = order
        self._ids: dict[str, dict[str, str]] = {}
        self._next_unknown = _UNKNOWN
        if order is IdOrder.INTEGER:
            kinds: tuple[tuple[Kind, Iterable[str]], ...] = (
                ("client", (c.id for c in dataset.clients)),
                ("contact", (c.id for c in dataset.contacts)),
                ("employee", (e.id for e in dataset.employees)),
                ("project", (p.id for p in dataset.projects)),
                ("entry", (e.id for e in dataset.entries)),
                ("budget", (b.id for b in dataset.budgets)),
                ("invoice", (d.id for d in dataset.invoices)),
                ("quote", (d.id for d in dataset.quotes)),
                ("expense", (x.id for x in dataset.expenses)),
                ("trip", (t.id for t in dataset.trips)),
            )
            for kind, ids in kinds:
                self._ids[kind] = {old: _integer(k) for k, old in enumerate(sorted(set(ids)))}

    def id(self, kind: Kind, old: str) -> str:
        """``old`` (an id of ``kind`` as drawn) in the host's id space."""
        if self.order is IdOrder.TEXT:
            return old
        table = self._ids.setdefault(kind, {})
        if old not in table:
            table[old] = str(self._next_unknown)
            self._next_unknown += 1
        return table[old]

    def ids(self, kind: Kind, old: Iterable[str]) -> frozenset[str]:
        """Each of ``old`` in the host's id space."""
        return frozenset(self.id(kind, i) for i in old)

    def dataset(self, d: Dataset) -> Dataset:
        """``d`` with every id and every reference renumbered."""
        if self.order is IdOrder.TEXT:
            return d
        i = self.id
        return evolve(
            d,
            clients=[evolve(c, id=i("client", c.id)) for c in d.clients],
            contacts=[
                evolve(c, id=i("contact", c.id), client_id=i("client", c.client_id))
                for c in d.contacts
            ],
            employees=[evolve(e, id=i("employee", e.id)) for e in d.employees],
            projects=[
                evolve(
                    p,
                    id=i("project", p.id),
                    client_id=i("client", p.client_id),
                    member_ids=self.ids("employee", p.member_ids),
                )
                for p in d.projects
            ],
            entries=[
                evolve(
                    e,
                    id=i("entry", e.id),
                    project_id=i("project", e.project_id),
                    employee_id=i("employee", e.employee_id),
                )
                for e in d.entries
            ],
            budgets=[
                evolve(
                    b,
                    id=i("budget", b.id),
                    project_id=i("project", b.project_id),
                    employee_id=None if b.employee_id is None else i("employee", b.employee_id),
                )
                for b in d.budgets
            ],
            invoices=[
                evolve(
                    x,
                    id=i("invoice", x.id),
                    client_id=i("client", x.client_id),
                    project_ids=self.ids("project", x.project_ids),
                )
                for x in d.invoices
            ],
            quotes=[
                evolve(
                    x,
                    id=i("quote", x.id),
                    client_id=i("client", x.client_id),
                    project_ids=self.ids("project", x.project_ids),
                )
                for x in d.quotes
            ],
            expenses=[
                evolve(
                    x,
                    id=i("expense", x.id),
                    project_id=i("project", x.project_id),
                    employee_id=i("employee", x.employee_id),
                )
                for x in d.expenses
            ],
            trips=[
                evolve(
                    t,
                    id=i("trip", t.id),
                    project_id=i("project", t.project_id),
                    employee_id=i("employee", t.employee_id),
                )
                for t in d.trips
            ],
        )

    def portal(self, portal: Portal) -> Portal:
        """``portal`` (its own id aside: the library's store keeps it) in the host's ids."""
        if self.order is IdOrder.TEXT:
            return portal
        return evolve(
            portal,
            client_id=self.id("client", portal.client_id),
            project_ids=self.ids("project", portal.project_ids),
            contact_ids=self.ids("contact", portal.contact_ids),
            employee_ids=self.ids("employee", portal.employee_ids),
        )

    def query(self, query: EntryQuery, kind: Kind = "entry") -> EntryQuery:
        """``query`` in the host's ids; its cursor names an item of ``kind``."""
        if self.order is IdOrder.TEXT:
            return query
        after = query.after
        return evolve(
            query,
            employee_ids=self.ids("employee", query.employee_ids),
            project_ids=self.ids("project", query.project_ids),
            after=None if after is None else EntryCursor(after.date, self.id(kind, after.id)),
        )
