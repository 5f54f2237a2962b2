"""``DjangoDataSource``: the host's data read through the Django ORM, from a :class:`Mapping`.

Every query holds to the portal's :class:`~clientportal.Scope` (its client *and* its selected
projects of that client) in ``filter()``; pages are keyset-paged in (date desc, id asc) order;
approval states come from the library's ``cp_approvals`` table through the unmanaged
:class:`~clientportal.contrib.django.models.Approval` model; totals, the employee filter and the
hours per week are ORM aggregates. No raw SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping as MappingOf
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncWeek

from ....model import Budget, Client, Contact, Employee, Invoice, Project, Quote, TimeEntry
from ....ports import DocumentFile, EntryCursor, EntryPage, EntryQuery, IdOrder, Totals
from ....visibility import Scope, entry_amount
from .declare import Mapping
from .queries import expression, id_order_of_model, pk_of, pks_of, scoped_entries, state, states_of

__all__ = ["DjangoDataSource"]


class DjangoDataSource:
    """A :class:`~clientportal.ports.DataSource` over the host's Django models as ``mapping``
    names them, in Django's database ``using`` (the one whose ``cp_*`` tables the app's
    migrations made). It returns exactly what the scope allows.

    Entries with an integer primary key are ordered by it as numbers
    (:attr:`~clientportal.ports.IdOrder.INTEGER`, said in :attr:`id_order`); other keys as text
    in code point order. Parts the mapping leaves out are empty: no budgets, invoices, quotes or
    files; no contacts without :class:`~clientportal.contrib.django.mapping.Contacts`.
    """

    def __init__(self, mapping: Mapping, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.mapping = mapping
        self.using = using
        #: How entry ids order within a day (see :class:`~clientportal.ports.IdOrder`).
        self.id_order: IdOrder = id_order_of_model(mapping.entries.model)

    def __repr__(self) -> str:
        return f"DjangoDataSource({self.mapping.entries.model.__name__}, using={self.using!r})"

    def _objects(self, model: type[Any]) -> QuerySet[Any]:
        return model._default_manager.using(self.using)  # type: ignore[no-any-return]

    def _scoped(self, scope: Scope, query: EntryQuery | None = None) -> QuerySet[Any] | None:
        vendor = connections[self.using].vendor
        return scoped_entries(self.mapping, self.using, vendor, scope, query)

    # -- clients, contacts, employees, projects ------------------------------------------------

    def client(self, client_id: str) -> Client | None:
        """The client, or ``None``."""
        clients = self.mapping.clients
        pk = pk_of(clients.model, client_id)
        if pk is None:
            return None
        found = (
            self._objects(clients.model)
            .filter(pk=pk)
            .values(cp_name=expression(clients.name))
            .first()
        )
        return None if found is None else Client(id=client_id, name=found["cp_name"])

    def contacts(self, client_id: str) -> Sequence[Contact]:
        """The client's contacts, by id (none when the mapping has no contacts)."""
        contacts = self.mapping.contacts
        client = pk_of(self.mapping.clients.model, client_id)
        if contacts is None or client is None:
            return []
        rows = (
            self._objects(contacts.model)
            .filter(**{contacts.client: client})
            .order_by("pk")
            .values(
                "pk",
                cp_name=expression(contacts.name),
                cp_email=expression(contacts.email),
                cp_language=expression(contacts.language) if contacts.language else F("pk"),
            )
        )
        return [
            Contact(
                id=str(r["pk"]),
                client_id=client_id,
                name=r["cp_name"],
                email=r["cp_email"],
                language=r["cp_language"] if contacts.language else None,
            )
            for r in rows
        ]

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        """The employees with these ids, by id (unknown ids are left out)."""
        employees = self.mapping.employees
        pks = pks_of(employees.model, employee_ids)
        if not pks:
            return []
        rows = (
            self._objects(employees.model)
            .filter(pk__in=pks)
            .order_by("pk")
            .values("pk", cp_name=expression(employees.name))
        )
        return [Employee(id=str(r["pk"]), name=r["cp_name"]) for r in rows]

    def projects(self, scope: Scope) -> Sequence[Project]:
        """The client's projects among the scope's selection, with their members, by id."""
        projects = self.mapping.projects
        pks = pks_of(projects.model, scope.project_ids)
        client = pk_of(self.mapping.clients.model, scope.client_id)
        if not pks or client is None:
            return []
        found = self._objects(projects.model).filter(pk__in=pks, **{projects.client: client})
        members: dict[str, set[str]] = {}
        if projects.members is not None:
            pairs = found.filter(**{f"{projects.members}__isnull": False}).values_list(
                "pk", projects.members
            )
            for project, member in pairs:
                members.setdefault(str(project), set()).add(str(member))
        rows = found.order_by("pk").values("pk", cp_name=expression(projects.name))
        return [
            Project(
                id=str(r["pk"]),
                client_id=scope.client_id,
                name=r["cp_name"],
                member_ids=frozenset(members.get(str(r["pk"]), ())),
            )
            for r in rows
        ]

    # -- entries -------------------------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        e = self.mapping.entries
        values: dict[str, Any] = {
            "cp_project": F(e.project),
            "cp_employee": F(e.employee),
            "cp_date": F(e.date),
            "cp_seconds": e.duration.expression(),
        }
        for name in ("description", "task", "billable", "rate"):
            mapped = getattr(e, name)
            if mapped is not None:
                values[f"cp_{name}"] = expression(mapped)
        return values

    def _entries(self, rows: list[dict[str, Any]]) -> list[TimeEntry]:
        states = states_of(self.using, (str(r["pk"]) for r in rows))
        return [
            TimeEntry(
                id=str(r["pk"]),
                project_id=str(r["cp_project"]),
                employee_id=str(r["cp_employee"]),
                date=r["cp_date"],
                seconds=int(r["cp_seconds"]),
                description=r.get("cp_description"),
                task=r.get("cp_task"),
                billable=bool(r.get("cp_billable", True)),
                rate=_decimal(r.get("cp_rate")),
                approval=state(states, str(r["pk"])),
            )
            for r in rows
        ]

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        """One page of the scope's entries matching ``query``, in (date desc, id asc) order."""
        found = self._scoped(scope, query)
        if found is None:
            return EntryPage(entries=(), next=None)
        date = self.mapping.entries.date
        rows = list(
            found.order_by(f"-{date}", "cp_key").values("pk", **self._values())[: query.limit + 1]
        )
        page = tuple(self._entries(rows[: query.limit]))
        more = len(rows) > query.limit
        return EntryPage(
            entries=page, next=EntryCursor(page[-1].date, page[-1].id) if more else None
        )

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        """The entries with these ids, whatever their project."""
        model = self.mapping.entries.model
        pks = pks_of(model, entry_ids)
        if not pks:
            return []
        rows = list(
            self._objects(model).filter(pk__in=pks).order_by("pk").values("pk", **self._values())
        )
        return self._entries(rows)

    # -- what the mapping has not ---------------------------------------------------------------

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        """None: the mapping has no budgets."""
        return []

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        """None: the mapping has no invoices."""
        return []

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        """None: the mapping has no quotes."""
        return []

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        """None: the mapping has no documents."""
        return None

    # -- aggregates ----------------------------------------------------------------------------

    def entry_totals(self, scope: Scope, query: EntryQuery) -> MappingOf[str, Totals]:
        """The totals of the scope's entries matching ``query`` from its cursor on, per project:
        one ``GROUP BY`` (per project, billable, and when amounts are shown rate and duration,
        so each entry's amount is rounded as :func:`~clientportal.visibility.entry_amount`
        rounds it)."""
        found = self._scoped(scope, query)
        if found is None:
            return {}
        e = self.mapping.entries
        group: dict[str, Any] = {"cp_project": F(e.project)}
        if e.billable is not None:
            group["cp_billable"] = expression(e.billable)
        priced = scope.amounts and e.rate is not None
        if priced:
            assert e.rate is not None
            group["cp_rate"] = expression(e.rate)
            group["cp_seconds"] = e.duration.expression()
        rows = (
            found.values(**group)
            .annotate(cp_count=Count("pk"), cp_sum=Sum(e.duration.expression()))
            .order_by()
        )
        totals: dict[str, Totals] = {}
        for r in rows:
            billable = bool(r.get("cp_billable", True))
            count, seconds = int(r["cp_count"]), int(r["cp_sum"] or 0)
            amount: Decimal | None = Decimal(0) if scope.amounts else None
            rate = _decimal(r.get("cp_rate"))
            if amount is not None and rate is not None and scope.shows_amount(billable):
                amount = entry_amount(rate, int(r["cp_seconds"])) * count
            part = Totals(count, seconds, seconds if billable else 0, amount)
            project = str(r["cp_project"])
            totals[project] = totals[project] + part if project in totals else part
        return totals

    def entry_employee_ids(self, scope: Scope) -> frozenset[str]:
        """Who logged the scope's entries: one ``SELECT DISTINCT``."""
        found = self._scoped(scope)
        if found is None:
            return frozenset()
        employee = self.mapping.entries.employee
        ids = found.order_by().values_list(employee, flat=True).distinct()
        return frozenset(str(i) for i in ids)

    def entry_week_seconds(
        self, scope: Scope, first: dt.date, last: dt.date
    ) -> MappingOf[dt.date, int]:
        """The seconds of the scope's entries per ISO week (by Monday), weeks ``first`` to
        ``last``: one aggregate grouped by ``TruncWeek``."""
        found = self._scoped(scope)
        if found is None:
            return {}
        e = self.mapping.entries
        rows = (
            found.filter(**{f"{e.date}__gte": first, f"{e.date}__lte": last + dt.timedelta(6)})
            .annotate(cp_week=TruncWeek(e.date))
            .values("cp_week")
            .annotate(cp_sum=Sum(e.duration.expression()))
            .order_by()
        )
        return {_day(r["cp_week"]): int(r["cp_sum"] or 0) for r in rows}


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
