"""The items a decision is about: time entries, expenses and trips, named, read and planned.

A decision names its items as :class:`~clientportal.ItemRef` values, or as plain strings (a time
entry's id, as before expenses and trips existed). :func:`item_keys` turns them into
``(kind, id)`` keys, each once; :class:`ItemReader` reads them through the host's
:class:`~clientportal.ports.DataSource`: entries with ``entries_by_id``, expenses and trips with
the optional :class:`~clientportal.ports.ExpenseSource` and :class:`~clientportal.ports.TripSource`
(a source without them has none). For a client's decision it keeps only what the portal shows:
entries of its visible projects (V3), expenses and trips by V13/V14, the non-billable rule
included (:func:`shown_to_client`, the rule the approval requests follow too).
:func:`not_found_why` says why an item was not found, naming its kind; :func:`nobody_asked_why`
that an item awaits a client no portal shows it to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final, TypeAlias

from attrs import frozen

from ..errors import ValidationError
from ..model import Expense, ItemKind, ItemRef, Portal, TimeEntry, Trip
from ..ports import DataSource, ExpenseSource, TripSource, unique_by_id
from ..visibility import Scope
from ..workflow import Transition
from .reading import PortalReader

__all__ = [
    "DecisionItem",
    "ItemKey",
    "ItemReader",
    "Planned",
    "item_keys",
    "kind_of",
    "nobody_asked_why",
    "not_found_why",
    "seen_versions",
    "shown_to_client",
]

#: One item a decision may take a step on, as the DataSource has it.
DecisionItem: TypeAlias = TimeEntry | Expense | Trip
#: An item's kind and id: how a decision tells items apart (kinds may share ids).
ItemKey: TypeAlias = tuple[ItemKind, str]


def kind_of(item: DecisionItem) -> ItemKind:
    """The kind of ``item``."""
    if isinstance(item, Expense):
        return ItemKind.EXPENSE
    if isinstance(item, Trip):
        return ItemKind.TRIP
    return ItemKind.ENTRY


@frozen
class Planned:
    """A transition worked out for ``item`` (as it was read), not stored yet."""

    item: DecisionItem
    transition: Transition

    @property
    def kind(self) -> ItemKind:
        """The item's kind."""
        return kind_of(self.item)

    @property
    def key(self) -> ItemKey:
        """The item's ``(kind, id)``."""
        return (kind_of(self.item), self.item.id)


def _key(item: str | ItemRef) -> ItemKey:
    # A plain string stays as given (not checked as an id): one that cannot be an id is simply
    # not found, as it always was.
    return (item.kind, item.id) if isinstance(item, ItemRef) else (ItemKind.ENTRY, item)


def item_keys(items: Iterable[str | ItemRef]) -> tuple[ItemKey, ...]:
    """The items' ``(kind, id)``, each once, in the order given (a ``str`` is a time entry);
    a lone string or reference, or nothing at all, is refused."""
    if isinstance(items, str | ItemRef):
        what = "string" if isinstance(items, str) else "ItemRef"
        raise ValidationError(
            [
                "entry_ids: expected a list of entry ids or ItemRefs, got the single "
                f"{what} {items!r}"
            ],
            summary="cannot decide",
        )
    keys = tuple(dict.fromkeys(_key(i) for i in items))
    if not keys:
        raise ValidationError(
            ["entry_ids: no entries given: select at least one time entry, expense or trip"],
            summary="cannot decide",
        )
    return keys


def seen_versions(
    versions: Mapping[str | ItemRef, int] | Mapping[str, int] | Mapping[ItemRef, int] | None,
) -> dict[ItemKey, int]:
    """The versions a decider saw, by ``(kind, id)`` (a ``str`` key is a time entry)."""
    if not versions:
        return {}
    return {_key(item): version for item, version in versions.items()}


def shown_to_client(item: DecisionItem, scope: Scope, visible_ids: frozenset[str]) -> bool:
    """Whether a portal of ``scope``, whose visible projects are ``visible_ids``, shows ``item``
    to its client (V3, V13, V14): the items its client may decide on, and the items its approval
    requests list."""
    if isinstance(item, TimeEntry):
        return scope.entries and item.project_id in visible_ids
    return scope.shows_cost(item, visible_ids)


#: The setting a portal needs on, besides approval, to show an item of each kind to its client.
_SHOWN_WITH: Final = {
    ItemKind.ENTRY: "show_hours",
    ItemKind.EXPENSE: "show_expenses",
    ItemKind.TRIP: "show_trips",
}


def nobody_asked_why(item: DecisionItem) -> str:
    """What the staff are told of ``item`` when it awaits the client's approval now, though no
    active portal with contacts and client approval shows it (the ``why`` of its applied
    outcome): nobody was asked, and no client can decide on it."""
    kind = kind_of(item)
    needs = _SHOWN_WITH[kind]
    if not isinstance(item, TimeEntry) and not item.billable:
        needs += " and show_non_billable_amounts"
    return (
        f"nobody was asked to approve the {kind.value}: no active portal with contacts and "
        f"client approval shows it (that takes project {item.project_id!r} selected and "
        f"{needs} on); show it in such a portal, or withdraw the {kind.value}"
    )


def not_found_why(key: ItemKey, portal: Portal | None, data: DataSource) -> str:
    """Why ``key`` was not found: the same words whether it does not exist or the deciding
    ``portal`` does not show it, but naming a DataSource that has no items of its kind."""
    kind, item_id = key
    where = f"in portal {portal.id!r}" if portal is not None else "in the DataSource"
    why = f"there is no {kind.value} {item_id!r} {where}"
    if kind is ItemKind.EXPENSE and not isinstance(data, ExpenseSource):
        why += ": the DataSource has no expenses (it does not offer ExpenseSource)"
    elif kind is ItemKind.TRIP and not isinstance(data, TripSource):
        why += ": the DataSource has no trips (it does not offer TripSource)"
    return why


class ItemReader:
    """Reads the items of a decision from ``data``; for a client's decision, through ``reader``
    (the portal's scope and visible projects), only those the portal shows."""

    def __init__(self, data: DataSource, reader: PortalReader) -> None:
        self._data = data
        self._reader = reader
        # The optional parts the source offers, looked up once (a Protocol's isinstance is slow).
        self._expenses = data if isinstance(data, ExpenseSource) else None
        self._trips = data if isinstance(data, TripSource) else None

    def __repr__(self) -> str:
        return f"ItemReader(expenses={self._expenses is not None}, trips={self._trips is not None})"

    def not_found_why(self, key: ItemKey, portal: Portal | None) -> str:
        """Why ``key`` was not found (:func:`not_found_why`)."""
        return not_found_why(key, portal, self._data)

    def read(self, keys: Sequence[ItemKey], portal: Portal | None) -> dict[ItemKey, DecisionItem]:
        """The items among ``keys`` that exist (and that ``portal`` shows, when given)."""
        wanted: dict[ItemKind, frozenset[str]] = {
            kind: frozenset(i for k, i in keys if k is kind) for kind in ItemKind
        }
        found: dict[ItemKey, DecisionItem] = {}
        if wanted[ItemKind.ENTRY]:
            ids = wanted[ItemKind.ENTRY]
            entries = (e for e in self._data.entries_by_id(ids) if isinstance(e, TimeEntry))
            found.update(((ItemKind.ENTRY, e.id), e) for e in unique_by_id(entries) if e.id in ids)
        if wanted[ItemKind.EXPENSE] and self._expenses is not None:
            ids = wanted[ItemKind.EXPENSE]
            expenses = (x for x in self._expenses.expenses_by_id(ids) if isinstance(x, Expense))
            found.update(
                ((ItemKind.EXPENSE, x.id), x) for x in unique_by_id(expenses) if x.id in ids
            )
        if wanted[ItemKind.TRIP] and self._trips is not None:
            ids = wanted[ItemKind.TRIP]
            trips = (t for t in self._trips.trips_by_id(ids) if isinstance(t, Trip))
            found.update(((ItemKind.TRIP, t.id), t) for t in unique_by_id(trips) if t.id in ids)
        if portal is None or not found:
            return found
        return self._shown(found, portal)

    def _shown(
        self, found: dict[ItemKey, DecisionItem], portal: Portal
    ) -> dict[ItemKey, DecisionItem]:
        """The items of ``found`` the portal shows (V3, V13, V14)."""
        scope = self._reader.scope(portal)
        visible = frozenset(p.id for p in self._reader.projects(portal))
        return {key: item for key, item in found.items() if shown_to_client(item, scope, visible)}
