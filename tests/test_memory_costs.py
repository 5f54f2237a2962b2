"""What the contract kit leaves to the memory source's expenses and trips: a fixed example of
each rule, and totals or employees asked of something other than expenses or trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from attrs import evolve

from clientportal.memory import MemoryDataSource, MemoryStore
from clientportal.model import ApprovalStatus, ItemKind
from clientportal.ports import CostTotals, EntryQuery
from clientportal.ports.costs import PORTAL_CURRENCY
from clientportal.testing.contract.cost_draws import cost_sample
from clientportal.testing.contract.samples import _CLIENT, _sample_portal, _step
from clientportal.visibility import Scope
from clientportal.workflow import Action


def test_cost_totals_are_of_expenses_or_trips_and_say_what_to_ask_for_hours() -> None:
    source = MemoryDataSource(cost_sample())
    scope = Scope.of(_sample_portal(show_expenses=True, show_trips=True))
    with pytest.raises(ValueError, match=r"not of <ItemKind.ENTRY.*ask entry_totals"):
        source.cost_totals(scope, EntryQuery(), ItemKind.ENTRY)


def test_v14_trip_money_is_summed_only_with_amounts_and_in_the_portals_currency_when_unset() -> (
    None
):
    source = MemoryDataSource(cost_sample())
    with_amounts = Scope.of(_sample_portal(show_trips=True, show_amounts=True))
    without = Scope.of(_sample_portal(show_trips=True))
    priced = source.cost_totals(with_amounts, EntryQuery(project_ids={"p1"}), ItemKind.TRIP)
    unpriced = source.cost_totals(without, EntryQuery(project_ids={"p1"}), ItemKind.TRIP)
    # p1's billable trips: t03 (CHF), t06 (no rate), t09 (no currency: the portal's).
    assert priced == {
        "p1": CostTotals(
            3,
            Decimal("55.5"),
            ((PORTAL_CURRENCY, Decimal("4.95")), ("CHF", Decimal("3.57"))),
        )
    }
    assert unpriced == {"p1": CostTotals(3, Decimal("55.5"))}
    assert priced["p1"].in_portal_currency("CHF") == CostTotals(
        3, Decimal("55.5"), (("CHF", Decimal("8.52")),)
    )


def test_expenses_carry_the_state_the_store_holds_under_their_kind_only() -> None:
    dataset = cost_sample()
    store = MemoryStore()
    source = MemoryDataSource(dataset, store)
    waiting = next(
        x for x in dataset.expenses if x.approval.status is ApprovalStatus.PENDING_EXTERNAL
    )
    decided = _step(waiting.id, waiting.approval, Action.APPROVE, _CLIENT)
    store.apply_changes([decided])  # an entry's change: the expense of the same id stays
    (same,) = source.expenses_by_id(frozenset({waiting.id}))
    assert same.approval == waiting.approval
    store.apply_changes([evolve(decided, kind=ItemKind.EXPENSE)])
    (moved,) = source.expenses_by_id(frozenset({waiting.id}))
    assert moved.approval.status is ApprovalStatus.APPROVED


def test_cost_employees_are_exactly_those_of_the_items_the_rules_show() -> None:
    # u3 spent and travelled on p3 (another client's, though selected) and, non-billable, on p1.
    dataset = cost_sample()
    dataset = evolve(
        dataset,
        expenses=[evolve(x, employee_id="u3") if x.id == "x00" else x for x in dataset.expenses],
        trips=[evolve(t, employee_id="u3") if t.id == "t00" else t for t in dataset.trips],
    )
    source = MemoryDataSource(dataset)
    billable_only = _sample_portal(show_expenses=True, show_trips=True)
    everything = _sample_portal(show_expenses=True, show_trips=True, show_non_billable_amounts=True)
    for kind in (ItemKind.EXPENSE, ItemKind.TRIP):
        assert source.cost_employee_ids(Scope.of(billable_only), kind) == {"u1", "u2"}
        assert source.cost_employee_ids(Scope.of(everything), kind) == {"u1", "u2", "u3"}
        only_p2 = Scope.of(evolve(everything, project_ids=frozenset({"p2"})))
        assert source.cost_employee_ids(only_p2, kind) == {"u1", "u2"}
        assert source.cost_employee_ids(Scope.of(_sample_portal()), kind) == frozenset()
    with pytest.raises(ValueError, match=r"not of <ItemKind.ENTRY.*entry_employee_ids"):
        source.cost_employee_ids(Scope.of(everything), ItemKind.ENTRY)
