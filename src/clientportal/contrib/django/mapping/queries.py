"""The ORM queries of :class:`~clientportal.contrib.django.mapping.DjangoDataSource`: ids as
primary keys, the scope and a page's filters as ``filter()`` conditions, the approval state from
the library's ``cp_approvals`` table (a subquery on the unmanaged
:class:`~clientportal.contrib.django.models.Approval` model), and the key entries are paged by.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import (
    CharField,
    F,
    ForeignKey,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models import Value as Constant
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, Collate

from ....model import ApprovalState, ApprovalStatus, Workflow
from ....ports import EntryQuery, IdOrder, id_sort_key
from ....visibility import Scope
from ..models import Approval
from .declare import Mapping, Value

__all__ = [
    "expression",
    "id_key",
    "id_order_of_model",
    "pk_of",
    "pks_of",
    "scoped_entries",
    "states_of",
]

#: Ids per ``IN (...)`` list: well below every database's parameter limit.
CHUNK = 500
_LARGEST = 2**63 - 1
_OPEN = ApprovalState()


def expression(value: Value) -> Combinable:
    """A mapped value as an ORM expression (a path becomes ``F(path)``)."""
    return F(value) if isinstance(value, str) else value


def _integer_pk(model: type[Model]) -> bool:
    pk = model._meta.pk
    assert pk is not None
    target = pk.target_field if isinstance(pk, ForeignKey) else pk
    return isinstance(target, IntegerField)


def id_order_of_model(model: type[Model]) -> IdOrder:
    """How the ids of ``model``'s rows order: as integers for an integer primary key."""
    return IdOrder.INTEGER if _integer_pk(model) else IdOrder.TEXT


def pk_of(model: type[Model], id: str) -> Any:
    """The primary key value ``id`` names in ``model``, or ``None`` when it can name no row
    (say ``"x7"`` for an integer key)."""
    if not _integer_pk(model):
        return id
    if not (id.isascii() and id.isdigit() and (id == "0" or not id.startswith("0"))):
        return None
    number = int(id)
    return number if number <= _LARGEST else None


def pks_of(model: type[Model], ids: Iterable[str]) -> list[Any]:
    """The primary keys of those ``ids`` that can name a row of ``model``, sorted."""
    return sorted(k for k in (pk_of(model, i) for i in ids) if k is not None)


def id_key(vendor: str, order: IdOrder) -> Combinable:
    """What entries are ordered by within a day: the primary key; text keys in code point order
    (a binary collation), as :attr:`IdOrder.TEXT` says."""
    if order is IdOrder.INTEGER:
        return F("pk")
    return Collate(F("pk"), "C" if vendor == "postgresql" else "BINARY")


def status_of(using: str) -> Coalesce:
    """An entry's approval status: its row's in ``cp_approvals``, else OPEN."""
    state = Approval.objects.using(using).filter(
        entry_id=Cast(OuterRef("pk"), output_field=CharField())
    )
    return Coalesce(
        Subquery(state.values("status")[:1]),
        Constant(ApprovalStatus.OPEN.value),
        output_field=CharField(),
    )


def scoped_entries(
    mapping: Mapping,
    using: str,
    vendor: str,
    scope: Scope,
    query: EntryQuery | None = None,
) -> QuerySet[Any] | None:
    """The scope's entries matching ``query`` (after its cursor), with ``cp_key`` to order
    them by within a day; ``None`` when none can match."""
    if not scope.entries:
        return None
    e, p = mapping.entries, mapping.projects
    wanted = scope.project_ids
    if query is not None and query.project_ids:
        wanted = wanted & query.project_ids
    projects = pks_of(p.model, wanted)
    client = pk_of(mapping.clients.model, scope.client_id)
    if not projects or client is None:
        return None
    order = id_order_of_model(e.model)
    entries = (
        e.model._default_manager.using(using)
        .filter(**{f"{e.project}__in": projects, f"{e.project}__{p.client}": client})
        .annotate(cp_key=id_key(vendor, order))
    )
    if query is None:
        return entries
    if query.employee_ids:
        employees = pks_of(mapping.employees.model, query.employee_ids)
        if not employees:
            return None
        entries = entries.filter(**{f"{e.employee}__in": employees})
    if query.date_from is not None:
        entries = entries.filter(**{f"{e.date}__gte": query.date_from})
    if query.date_to is not None:
        entries = entries.filter(**{f"{e.date}__lte": query.date_to})
    if query.statuses:
        entries = entries.annotate(cp_status=status_of(using)).filter(
            cp_status__in=sorted(s.value for s in query.statuses)
        )
    after = query.after
    if after is not None:
        id_sort_key(after.id, order)  # a DataSourceError for an id this source never gave
        key: Any = after.id
        if order is IdOrder.INTEGER:
            found = pk_of(e.model, after.id)
            # A canonical id beyond every key comes after every id of its day.
            key = _LARGEST if found is None else found
        entries = entries.filter(
            Q(**{f"{e.date}__lt": after.date}) | Q(**{e.date: after.date, "cp_key__gt": key})
        )
    return entries


def states_of(using: str, ids: Iterable[str]) -> dict[str, ApprovalState]:
    """The stored approval states of the entries ``ids`` (those without a row are left out)."""
    states: dict[str, ApprovalState] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        rows = Approval.objects.using(using).filter(entry_id__in=wanted[start : start + CHUNK])
        for row in rows:
            states[row.entry_id] = ApprovalState(
                status=ApprovalStatus(row.status),
                workflow=None if row.workflow is None else Workflow(row.workflow),
                version=row.version,
                reason=row.reason,
            )
    return states


def state(states: dict[str, ApprovalState], id: str) -> ApprovalState:
    """The state of entry ``id``: its stored one, else OPEN at version 0."""
    return states.get(id, _OPEN)
