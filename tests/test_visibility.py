"""Property tests: one per visibility rule V1–V12 (DESIGN.md §4), over adversarial worlds."""

from __future__ import annotations

import copy
import random

import attrs
from hypothesis import given
from hypothesis import strategies as st

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    BudgetType,
    Dataset,
    DocumentStatus,
    Portal,
    PortalEntry,
    PortalView,
    Scope,
    entry_amount,
    portal_view,
    visible_entries,
)
from clientportal.convert import unstructure
from clientportal.testing.strategies import INTERNAL_MARKER, policies, portals, worlds

SHOW_FLAGS = (
    "show_hours",
    "show_descriptions",
    "show_budget",
    "show_invoices",
    "show_quotes",
    "approval",
    "show_amounts",
    "show_non_billable_amounts",
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Portal, Dataset, ApprovalPolicy | None]:
    world = draw(worlds())
    portal = draw(portals(world))
    policy = draw(st.none() | policies())
    return portal, world, policy


def own_project_ids(portal: Portal, data: Dataset) -> set[str]:
    return {
        p.id
        for p in data.projects
        if p.client_id == portal.client_id and p.id in portal.project_ids
    }


@given(scenarios())
def test_v1_client_boundary_nothing_of_another_client_is_in_the_view(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    client_of_project = {p.id: p.client_id for p in data.projects}
    invoice_client = {i.id: i.client_id for i in data.invoices}
    quote_client = {q.id: q.client_id for q in data.quotes}

    assert all(client_of_project[p.id] == portal.client_id for p in view.projects)
    assert all(client_of_project[e.project_id] == portal.client_id for e in view.entries)
    assert all(client_of_project[b.project_id] == portal.client_id for b in view.budgets)
    assert all(invoice_client[i.id] == portal.client_id for i in view.invoices)
    assert all(quote_client[q.id] == portal.client_id for q in view.quotes)
    linked = {pid for doc in (*view.invoices, *view.quotes) for pid in doc.project_ids}
    assert all(client_of_project[pid] == portal.client_id for pid in linked)


@given(scenarios())
def test_v2_projects_are_the_selected_projects_of_the_client(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    assert {p.id for p in view.projects} == own_project_ids(portal, data)
    names = {p.id: p.name for p in data.projects}
    assert all(p.name == names[p.id] for p in view.projects)


@given(scenarios())
def test_v3_entries_are_those_of_visible_projects_when_hours_are_shown(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    expected = (
        {e.id for e in data.entries if e.project_id in own_project_ids(portal, data)}
        if portal.settings.show_hours
        else set()
    )
    assert {e.id for e in view.entries} == expected
    assert len(view.entries) == len(expected)
    source = {e.id: e for e in data.entries}
    for shown in view.entries:
        entry = source[shown.id]
        assert (shown.project_id, shown.employee_id, shown.date, shown.seconds) == (
            entry.project_id,
            entry.employee_id,
            entry.date,
            entry.seconds,
        )
        assert (shown.task, shown.billable) == (entry.task, entry.billable)
        assert (shown.status, shown.version) == (entry.approval.status, entry.approval.version)


@given(scenarios())
def test_v3_visible_entries_streams_the_same_records_as_portal_view(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    streamed = list(visible_entries(portal, data.projects, iter(data.entries), policy))
    assert sorted(streamed, key=lambda e: e.id) == sorted(view.entries, key=lambda e: e.id)


@given(scenarios())
def test_v4_descriptions_are_none_unless_shown_and_then_equal_the_source(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    source = {e.id: e for e in data.entries}
    for shown in view.entries:
        if portal.settings.show_descriptions:
            assert shown.description == source[shown.id].description
        else:
            assert shown.description is None


@given(scenarios())
def test_v5_budgets_of_visible_projects_only_when_shown_and_never_total_costs(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    visible = own_project_ids(portal, data)
    expected = (
        {
            b.id
            for b in data.budgets
            if b.project_id in visible and b.type is not BudgetType.TOTAL_COSTS
        }
        if portal.settings.show_budget
        else set()
    )
    assert {b.id for b in view.budgets} == expected
    assert all(b.type is not BudgetType.TOTAL_COSTS for b in view.budgets)
    source = {b.id: b for b in data.budgets}
    for shown in view.budgets:
        b = source[shown.id]
        assert (shown.amount, shown.used, shown.currency) == (b.amount, b.used, b.currency)


def expected_documents(portal: Portal, data: Dataset, docs, shown: bool) -> set[str]:
    if not shown:
        return set()
    visible = own_project_ids(portal, data)
    return {
        d.id
        for d in docs
        if d.client_id == portal.client_id
        and d.status is not DocumentStatus.DRAFT
        and (portal.settings.documents_scope == "client" or d.project_ids & visible)
    }


@given(scenarios())
def test_v6_invoices_all_of_the_client_or_of_visible_projects_never_drafts(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    expected = expected_documents(portal, data, data.invoices, portal.settings.show_invoices)
    assert {i.id for i in view.invoices} == expected
    assert all(i.status is not DocumentStatus.DRAFT for i in view.invoices)
    visible = own_project_ids(portal, data)
    assert all(i.project_ids <= visible for i in view.invoices)
    # Whether it can be downloaded is the source's word, carried as it is.
    has_file = {i.id: i.has_file for i in data.invoices}
    assert all(i.has_file == has_file[i.id] for i in view.invoices)


@given(scenarios())
def test_v7_quotes_all_of_the_client_or_of_visible_projects_never_drafts(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    expected = expected_documents(portal, data, data.quotes, portal.settings.show_quotes)
    assert {q.id for q in view.quotes} == expected
    assert all(q.status is not DocumentStatus.DRAFT for q in view.quotes)
    has_file = {q.id: q.has_file for q in data.quotes}
    assert all(q.has_file == has_file[q.id] for q in view.quotes)


@given(scenarios())
def test_v8_employee_filter_is_snapshot_plus_members_plus_loggers(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    if not portal.settings.show_hours:
        assert view.employees == ()
        return
    visible = own_project_ids(portal, data)
    wanted = set(portal.employee_ids)
    wanted |= {m for p in data.projects if p.id in visible for m in p.member_ids}
    wanted |= {e.employee_id for e in view.entries}
    known = {e.id for e in data.employees}
    assert {e.id for e in view.employees} == wanted & known
    # The snapshot survives removal from the project: every snapshot employee is still there.
    assert portal.employee_ids & known <= {e.id for e in view.employees}


@given(scenarios())
def test_v9_internal_data_never_appears_and_rates_only_with_amounts(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    public_fields = {a.name for a in attrs.fields(PortalEntry)}
    assert not public_fields & {"cost_rate", "internal_note"}
    assert all(b.type is not BudgetType.TOTAL_COSTS for b in view.budgets)
    assert INTERNAL_MARKER not in repr(view)
    assert INTERNAL_MARKER not in repr(unstructure(view))
    source = {e.id: e for e in data.entries}
    settings = portal.settings
    for shown in view.entries:
        # A non-billable entry has no rate or amount unless non-billable amounts are shown too.
        if settings.show_amounts and (shown.billable or settings.show_non_billable_amounts):
            assert shown.rate == source[shown.id].rate
            assert (shown.amount is None) == (shown.rate is None)
        else:
            assert shown.rate is None
            assert shown.amount is None
    # Cost rates are distinct Decimal values; none of them is reported as a rate.
    cost_only = {e.cost_rate for e in data.entries if e.cost_rate is not None} - {
        e.rate for e in data.entries
    }
    assert not {e.rate for e in view.entries} & cost_only


@given(scenarios(), st.booleans())
def test_v9_a_non_billable_entry_shows_no_amount_unless_the_portal_shows_them(
    scenario, non_billable: bool
) -> None:
    portal, data, policy = scenario
    settings = attrs.evolve(
        portal.settings,
        show_hours=True,
        show_amounts=True,
        show_non_billable_amounts=non_billable,
    )
    portal = attrs.evolve(portal, settings=settings)
    view = portal_view(portal, data, policy)
    source = {e.id: e for e in data.entries}
    for shown in view.entries:
        rate = source[shown.id].rate
        if shown.billable or non_billable:
            assert shown.rate == rate
            assert shown.amount == (None if rate is None else entry_amount(rate, shown.seconds))
        else:
            assert (shown.rate, shown.amount) == (None, None)
    # The stream of entries a page is built from follows the same one rule.
    streamed = visible_entries(portal, data.projects, data.entries, policy)
    assert sorted(streamed, key=lambda e: e.id) == sorted(view.entries, key=lambda e: e.id)


@given(scenarios())
def test_v10_approval_queue_only_with_a_client_step_and_then_pending_external(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    client_step = (
        portal.settings.approval
        and portal.settings.show_hours
        and policy is not None
        and policy.enabled
        and policy.workflow.includes_client
    )
    assert view.can_approve == client_step
    if client_step:
        expected = [e for e in view.entries if e.status is ApprovalStatus.PENDING_EXTERNAL]
        assert list(view.awaiting_approval) == expected
    else:
        assert view.awaiting_approval == ()


@given(scenarios(), st.sampled_from(SHOW_FLAGS))
def test_v11_switching_a_setting_on_never_hides_anything(scenario, flag: str) -> None:
    portal, data, policy = scenario
    off = attrs.evolve(portal, settings=attrs.evolve(portal.settings, **{flag: False}))
    on = attrs.evolve(portal, settings=attrs.evolve(portal.settings, **{flag: True}))
    before, after = portal_view(off, data, policy), portal_view(on, data, policy)
    for kind in ("projects", "entries", "budgets", "invoices", "quotes", "employees"):
        assert {r.id for r in getattr(before, kind)} <= {r.id for r in getattr(after, kind)}
    assert {e.id for e in before.awaiting_approval} <= {e.id for e in after.awaiting_approval}
    assert not before.can_approve or after.can_approve
    # What a record showed stays shown: a field may only go from None to a value.
    later = {e.id: e for e in after.entries}
    for shown in before.entries:
        for name, value in attrs.asdict(shown, recurse=False).items():
            if value is not None:
                assert getattr(later[shown.id], name) == value


@given(scenarios(), st.randoms(use_true_random=False))
def test_v12_pure_deterministic_and_ordered_whatever_the_input_order(
    scenario, rnd: random.Random
) -> None:
    portal, data, policy = scenario
    snapshot = copy.deepcopy(data)
    view = portal_view(portal, data, policy)
    assert data == snapshot
    assert portal_view(portal, data, policy) == view

    shuffled = Dataset(
        **{
            name: rnd.sample(list(records), len(records))
            for name, records in attrs.asdict(data, recurse=False).items()
        }
    )
    assert portal_view(portal, shuffled, policy) == view

    keys = [(-e.date.toordinal(), e.id) for e in view.entries]
    assert keys == sorted(keys)
    assert [(p.name, p.id) for p in view.projects] == sorted((p.name, p.id) for p in view.projects)
    assert [(e.name, e.id) for e in view.employees] == sorted(
        (e.name, e.id) for e in view.employees
    )
    for docs in (view.invoices, view.quotes):
        doc_keys = [(-d.date.toordinal(), d.id) for d in docs]
        assert doc_keys == sorted(doc_keys)


@given(scenarios())
def test_scope_states_the_same_rules_as_data(scenario) -> None:
    portal, data, policy = scenario
    scope = Scope.of(portal, policy)
    view = portal_view(portal, data, policy)
    assert scope.client_id == portal.client_id
    assert {p.id for p in view.projects} <= scope.project_ids
    assert scope.entries == portal.settings.show_hours
    assert BudgetType.TOTAL_COSTS not in scope.budget_types
    assert {b.type for b in view.budgets} <= scope.budget_types
    assert DocumentStatus.DRAFT not in scope.document_statuses
    assert scope.approval == view.can_approve
    assert scope.non_billable_amounts <= scope.amounts
    for entry in view.entries:
        carried = {a.name for a in attrs.fields(PortalEntry) if getattr(entry, a.name) is not None}
        assert carried <= scope.entry_fields
        if "rate" in carried:
            assert scope.shows_amount(entry.billable)


def test_view_of_an_empty_dataset_is_empty() -> None:
    import datetime as dt

    portal = Portal(
        id="p",
        client_id="c",
        name="Empty",
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert portal_view(portal, Dataset()) == PortalView((), (), (), (), (), (), (), False)
