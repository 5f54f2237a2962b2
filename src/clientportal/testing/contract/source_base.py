"""What every DataSource check shares: how the host builds its source (``make_source``, or
``load`` and ``source``), what its schema holds (``ids``, ``cannot_hold``), and how the
properties run (hypothesis settings the host's own win over)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any, ClassVar

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ...memory import MemoryStore
from ...model import ApprovalState, BudgetType, Dataset, ItemKind
from ...ports import ApprovalChange, ApprovalStore, DataSource, IdOrder, id_order_of, id_sort_key
from ...workflow import Action, Actor, ApprovalEvent, Party
from ..missing import Missing, representable
from .ids import Renumbering

__all__ = ["SourceContractBase", "kit_settings"]

#: The health checks the kit's properties may trip by their nature (big worlds, slow sources):
#: added to whatever the host suppresses, never instead of it.
_KIT_SUPPRESSED = (HealthCheck.too_slow, HealthCheck.data_too_large)
_SEEDED_AT = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
_SEEDER = Actor(Party.ADMIN, "contract-kit")


def kit_settings(host: settings | None, most: int) -> settings:
    """The settings the kit's properties run with: the host's (``host``, else the active
    profile) with the kit's defaults only where the host left hypothesis's own.

    - ``max_examples``: what ``host`` sets when it differs from the active profile's, else at
      most ``most`` (the contract's ``max_examples``) and never more than the profile's;
    - ``deadline``: ``None`` where it is hypothesis's default (sources touch databases);
    - ``suppress_health_check``: the host's plus ``too_slow`` and ``data_too_large``;
    - everything else (phases, database, derandomize, verbosity...): the host's, untouched.
    """
    profile = settings()  # the active profile
    builtin = settings.get_profile("default")
    base = host if host is not None else profile
    if host is not None and host.max_examples != profile.max_examples:
        examples = host.max_examples
    else:
        examples = max(1, min(most, profile.max_examples))
    deadline = None if base.deadline == builtin.deadline else base.deadline
    suppressed = list(dict.fromkeys([*base.suppress_health_check, *_KIT_SUPPRESSED]))
    return settings(
        base, max_examples=examples, deadline=deadline, suppress_health_check=suppressed
    )


class SourceContractBase:
    """How the host's source under test is built, shared by the entry, totals and cost checks
    of :class:`~clientportal.testing.contract.DataSourceContract`."""

    #: The most hypothesis examples per property (the active profile may ask for fewer).
    max_examples: ClassVar[int] = 100
    #: The hypothesis settings the properties start from (``None`` for the active profile), e.g.
    #: ``settings(phases=[...])`` without shrinking, to fail fast. What they set is kept: the
    #: kit only fills in what they leave at hypothesis's defaults (see :func:`kit_settings`).
    hypothesis_settings: ClassVar[settings | None] = None
    #: True when the source returns exactly what its scope allows. The port lets a source return
    #: more (the service filters again); set this to check that your pushdown is exact.
    exact_pushdown: ClassVar[bool] = False
    #: The host's ids: :attr:`IdOrder.INTEGER` has every id of every world renumbered to a
    #: canonical decimal integer ("1", "20", "300"...) before the source sees it, so that a loader
    #: can ``int(id)``; the source's pages are then checked in its own declared ``id_order``.
    ids: ClassVar[IdOrder] = IdOrder.TEXT
    #: What the host's schema cannot hold: worlds are drawn without it, checks needing it skip.
    cannot_hold: ClassVar[frozenset[Missing]] = frozenset()
    #: The budget types the host's schema holds (``None``: all of them).
    budget_types: ClassVar[frozenset[BudgetType] | None] = None
    #: The one currency of every amount when ``cannot_hold`` has :attr:`Missing.CURRENCIES`.
    currency: ClassVar[str] = "EUR"

    def make_store(self) -> ApprovalStore:
        """A fresh, empty store the source under test takes its approval states from."""
        return MemoryStore()

    def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
        """A source holding exactly ``dataset``, showing ``store``'s approval state of an entry
        when it holds one and the dataset's own otherwise. Implement this, or :meth:`load` and
        :meth:`source`."""
        raise NotImplementedError

    def load(self, dataset: Dataset) -> None:
        """Put ``dataset`` into the host's own tables, replacing what they held. Approval states
        need no loading: the kit writes them into the store before :meth:`source` is called."""
        raise NotImplementedError

    def source(self, store: ApprovalStore) -> DataSource:
        """The host's source over what :meth:`load` loaded, with its approval states from
        ``store``."""
        raise NotImplementedError

    # -- building ------------------------------------------------------------------------------

    def _loads(self) -> bool:
        """True when the host implements :meth:`load` and :meth:`source` (not
        :meth:`make_source`)."""
        cls = type(self)
        if cls.make_source is not SourceContractBase.make_source:
            return False
        if cls.load is SourceContractBase.load or cls.source is SourceContractBase.source:
            raise NotImplementedError(
                f"{cls.__name__} must implement load(dataset) and source(store) (or "
                "make_source(dataset, store)) to say how the source under test is built"
            )
        return True

    def _held(self, dataset: Dataset) -> Dataset:
        """``dataset`` as the host's schema holds it (see :class:`Missing`); for a loading host,
        with every approval state the store must seed at a version it can be stored at."""
        held = representable(
            dataset, self.cannot_hold, budget_types=self.budget_types, currency=self.currency
        )
        if not self._loads():
            return held
        return evolve(
            held,
            entries=[_storable(e) for e in held.entries],
            expenses=[_storable(x) for x in held.expenses],
            trips=[_storable(t) for t in held.trips],
        )

    def _worlds(self, **sizes: int) -> st.SearchStrategy[Dataset]:
        """:func:`~clientportal.testing.strategies.worlds` the host can hold."""
        from ..strategies import worlds

        return worlds(
            **sizes,
            cannot_hold=self.cannot_hold,
            budget_types=self.budget_types,
            currency=self.currency,
        ).map(self._held)

    def _renumbering(self, dataset: Dataset) -> Renumbering:
        """The map of ``dataset``'s ids (and of what is drawn over it) into the host's."""
        return Renumbering(dataset, self.ids)

    def _build(self, dataset: Dataset) -> tuple[DataSource, ApprovalStore]:
        """The source under test over ``dataset`` (already in the host's ids), and its store."""
        store = self.make_store()
        if not self._loads():
            return self.make_source(dataset, store), store
        _seed(store, dataset)
        self.load(dataset)
        return self.source(store), store

    def _run(self, test: Callable[..., None]) -> None:
        kit_settings(self.hypothesis_settings, self.max_examples)(given(st.data())(test))()

    def _needs(self, *parts: Missing) -> None:
        """Skip the test when the host cannot hold one of ``parts``, naming them."""
        missing = [p for p in parts if p in self.cannot_hold]
        if missing:
            named = ", ".join(f"Missing.{p.name} ({p.value})" for p in missing)
            pytest.skip(f"the host's schema cannot hold {named}: this check needs it")

    @staticmethod
    def _order_key(source: DataSource) -> Callable[[Any], tuple[int, tuple[int, str]]]:
        """The key of the order ``source``'s pages come in: date desc, then id asc in the
        order the source declares (its ``id_order``)."""
        order = id_order_of(source)

        def key(item: Any) -> tuple[int, tuple[int, str]]:
            return (-item.date.toordinal(), id_sort_key(item.id, order))

        return key


def _storable(item: Any) -> Any:
    """``item`` with an approval state a store can be given: a state other than a fresh OPEN
    one is stored as a change from the version before it, so it needs a version of 1 or more."""
    state: ApprovalState = item.approval
    if state == ApprovalState() or state.version:
        return item
    return evolve(item, approval=evolve(state, version=1))


def _seed(store: ApprovalStore, dataset: Dataset) -> None:
    """Write into ``store`` the approval state of every entry, expense and trip of ``dataset``
    other than a fresh OPEN one (their state "in the host's table" is the store's)."""
    items: Sequence[tuple[ItemKind, Collection[Any]]] = (
        (ItemKind.ENTRY, dataset.entries),
        (ItemKind.EXPENSE, dataset.expenses),
        (ItemKind.TRIP, dataset.trips),
    )
    changes = [
        ApprovalChange(
            item.id,
            item.approval.version - 1,
            item.approval,
            ApprovalEvent(Action.SUBMIT, _SEEDER, _SEEDED_AT, ApprovalState(), item.approval),
            kind=kind,
        )
        for kind, records in items
        for item in records
        if item.approval != ApprovalState()
    ]
    if changes:
        store.apply_changes(changes)
