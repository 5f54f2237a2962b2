"""Property tests: one per visibility rule V1–V12 (DESIGN.md §4), over adversarial worlds.

V13 and V14 (expenses and trips) are in ``test_visibility_costs.py``."""

from __future__ import annotations

import copy
import datetime as dt
import random
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientportal import (
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    BudgetType,
    Client,
    ConfigError,
    Contact,
    Dataset,
    DocumentStatus,
    Invoice,
    Portal,
    PortalEntry,
    PortalSettings,
    PortalView,
    Project,
    Scope,
    TimeEntry,
    ValidationError,
    Workflow,
    check_portal,
    entry_amount,
    portal_view,
    visible_entries,
)
from clientportal.convert import unstructure
from clientportal.model import SUPPORTED_LANGUAGES
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
    "show_expenses",
    "show_trips",
)


@st.composite
def scenarios(draw: st.DrawFn, max_costs: int = 6) -> tuple[Portal, Dataset, ApprovalPolicy | None]:
    """A portal, its world and a policy; ``max_costs=0`` for the rules of hours, budgets and
    documents alone (expenses and trips have theirs, V13 and V14): a quarter cheaper to draw."""
    world = draw(worlds(max_costs=max_costs))
    portal = draw(portals(world))
    policy = draw(st.none() | policies())
    return portal, world, policy


def own_project_ids(portal: Portal, data: Dataset) -> set[str]:
    return {
        p.id
        for p in data.projects
        if p.client_id == portal.client_id and p.id in portal.project_ids
    }


# --------------------------------------------------------------------------------------------------
# Worked examples of the edges the properties seldom draw (they run first: quick to fail)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ENTRY_FIELDS = {"id", "project_id", "employee_id", "date", "seconds", "task", "billable"}
ENTRY_FIELDS |= {"status", "version"}


def example_portal(**settings: object) -> Portal:
    return Portal(
        id="p",
        client_id="c1",
        name="Acme",
        project_ids={"web"},
        settings=PortalSettings(**settings),  # type: ignore[arg-type]
        created_at=T0,
    )


def example_entry(project_id: str = "web") -> TimeEntry:
    return TimeEntry(
        id="e1",
        project_id=project_id,
        employee_id="eva",
        date=T0.date(),
        seconds=5400,
        description="Homepage",
        task="Build",
        rate=Decimal("90"),
    )


def test_v1_a_project_id_of_this_client_and_of_another_is_refused_not_guessed() -> None:
    """Entries carry no client id: when the projects given say "web" belongs to this client and
    to another one, the filter cannot tell whose an entry is, and refuses."""
    portal = example_portal()
    ours, theirs = Project("web", "c1", "Website"), Project("web", "c2", "Globex web")
    for projects in ([ours, theirs], [theirs, ours]):
        with pytest.raises(ValidationError) as caught:
            visible_entries(portal, projects, [example_entry()])
        assert caught.value.errors == (
            "project id 'web' appears for client 'c1' and for another client",
        )
        assert str(caught.value).startswith("ambiguous projects: ids must be unique")
    # Another client's "web" alone is simply not visible; a clash outside the selection is moot.
    assert list(visible_entries(portal, [theirs], [example_entry()])) == []
    elsewhere = [ours, Project("app", "c1", "App"), Project("app", "c2", "Globex app")]
    assert [e.id for e in visible_entries(portal, elsewhere, [example_entry()])] == ["e1"]
    assert list(visible_entries(portal, elsewhere, [example_entry("app")])) == []


def test_entry_fields_name_exactly_the_fields_that_carry_data() -> None:
    assert Scope.of(example_portal(show_hours=False)).entry_fields == frozenset()
    assert (
        Scope.of(
            example_portal(show_hours=False, show_descriptions=True, show_amounts=True)
        ).entry_fields
        == frozenset()
    )
    assert Scope.of(example_portal(show_descriptions=False)).entry_fields == ENTRY_FIELDS
    assert Scope.of(example_portal()).entry_fields == ENTRY_FIELDS | {"description"}
    assert Scope.of(example_portal(show_descriptions=False, show_amounts=True)).entry_fields == (
        ENTRY_FIELDS | {"rate", "amount"}
    )
    shown = Scope.of(example_portal(show_amounts=True))
    assert shown.entry_fields == {a.name for a in attrs.fields(PortalEntry)}
    (entry,) = visible_entries(example_portal(show_amounts=True), [Project("web", "c1", "W")],
                               [example_entry()])  # fmt: skip
    assert {a.name for a in attrs.fields(PortalEntry) if getattr(entry, a.name) is not None} == (
        shown.entry_fields
    )
    assert entry.amount == Decimal("135.00")


@pytest.mark.parametrize(
    ("policy", "described"),
    [
        (None, "none given"),
        (ApprovalPolicy(enabled=False, workflow=Workflow.EXTERNAL), "approval disabled"),
        (ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL), "workflow INTERNAL"),
    ],
)
def test_check_portal_refuses_client_approval_without_a_client_step_in_the_policy(
    policy: ApprovalPolicy | None, described: str
) -> None:
    """Also with no policy at all (``None``): a ConfigError that says so, never a crash."""
    portal = example_portal(approval=True)
    data = Dataset(clients=(Client("c1", "Acme"),), projects=(Project("web", "c1", "Website"),))
    with pytest.raises(ConfigError) as caught:
        check_portal(portal, policy, data)
    (problem,) = caught.value.problems
    assert f"the company's approval policy ({described}) has no client step" in problem
    assert not Scope.of(portal, policy).approval
    check_portal(portal, ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL), data)
    check_portal(example_portal(), policy, data)


def test_entry_amount_is_rate_times_hours_rounded_half_up_to_cents() -> None:
    assert entry_amount(Decimal("90"), 5400) == Decimal("135.00")
    assert entry_amount(Decimal("100"), 1) == Decimal("0.03")  # 0.0277…
    assert entry_amount(Decimal("18"), 1) == Decimal("0.01")  # 0.005: half-up, not half-even
    assert entry_amount(Decimal("0"), 3600) == Decimal("0.00")


def test_without_hours_a_scope_shows_no_description_amount_or_approval() -> None:
    everything = {"show_descriptions": True, "show_amounts": True, "approval": True}
    external = ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL)
    off = Scope.of(example_portal(show_hours=False, show_non_billable_amounts=True, **everything),
                   external)  # fmt: skip
    assert (off.entries, off.descriptions, off.amounts, off.non_billable_amounts, off.approval) == (
        False, False, False, False, False,
    )  # fmt: skip
    assert not off.shows_amount(True)
    on = Scope.of(example_portal(**everything), external)
    assert (on.entries, on.descriptions, on.amounts, on.non_billable_amounts, on.approval) == (
        True, True, True, False, True,
    )  # fmt: skip
    assert (on.shows_amount(True), on.shows_amount(False)) == (True, False)
    hidden = Scope.of(example_portal(show_non_billable_amounts=True))
    assert (hidden.shows_amount(True), hidden.shows_amount(False)) == (False, False)


def test_a_view_is_ordered_newest_first_then_by_id_and_queues_only_pending_external() -> None:
    """V10/V12 on a worked example: entries and documents newest first, ties by id; the approval
    queue holds the visible entries awaiting the client, and only with a client step."""
    day = T0.date()
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.EXTERNAL, 1)
    entries = tuple(
        attrs.evolve(example_entry(), id=i, date=day + dt.timedelta(days=d), approval=state)
        for i, d, state in [
            ("e2", 0, waiting),
            ("e3", 1, ApprovalState()),
            ("e1", 0, ApprovalState()),
            ("e4", 1, waiting),
        ]
    )
    invoices = tuple(
        Invoice(
            i, "c1", f"N-{i}", day + dt.timedelta(days=d), Decimal(1), "EUR", DocumentStatus.SENT
        )
        for i, d in [("i2", 0), ("i1", 0), ("i3", 3)]
    )
    data = Dataset(clients=(Client("c1", "Acme"),), projects=(Project("web", "c1", "Website"),),
                   entries=entries, invoices=invoices)  # fmt: skip
    external = ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL)
    view = portal_view(example_portal(approval=True, show_invoices=True), data, external)
    assert [e.id for e in view.entries] == ["e3", "e4", "e1", "e2"]
    assert [i.id for i in view.invoices] == ["i3", "i1", "i2"]
    assert [e.id for e in view.awaiting_approval] == ["e4", "e2"]
    assert view.can_approve
    internal = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL)
    assert portal_view(example_portal(approval=True), data, internal).awaiting_approval == ()
    assert portal_view(example_portal(), data, external).awaiting_approval == ()


def test_check_portal_lists_every_problem_at_once() -> None:
    portal = Portal(id="p", client_id="c9", name="Acme", language="it",
                    project_ids={"gone", "web"}, contact_ids={"kim", "lou", "nobody"},
                    created_at=T0)  # fmt: skip
    data = Dataset(
        clients=(Client("c1", "Acme"),),
        projects=(Project("web", "c1", "Website"),),
        contacts=(Contact("kim", "c1", "Kim", "kim@acme.example"),
                  Contact("lou", "c9", "Lou", "lou@c9.example")),
    )  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        check_portal(portal, None, data)
    assert caught.value.problems == (
        "client 'c9' does not exist",
        "project 'gone' does not exist",
        "project 'web' belongs to client 'c1', not 'c9': create a separate portal for that client",
        "contact 'kim' works for client 'c1', not 'c9': they must not receive this portal's link",
        "contact 'nobody' does not exist",
        "language 'it' has no translation: choose one of " + ", ".join(SUPPORTED_LANGUAGES),
    )
    fine = attrs.evolve(portal, client_id="c1", language="nl-BE", project_ids={"web"},
                        contact_ids={"kim"})  # fmt: skip
    check_portal(fine, None, data)


@given(scenarios(max_costs=0))
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


@given(scenarios(max_costs=0))
def test_v2_projects_are_the_selected_projects_of_the_client(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    assert {p.id for p in view.projects} == own_project_ids(portal, data)
    names = {p.id: p.name for p in data.projects}
    assert all(p.name == names[p.id] for p in view.projects)


@given(scenarios(max_costs=0))
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


@given(scenarios(max_costs=0))
def test_v3_visible_entries_streams_the_same_records_as_portal_view(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    streamed = list(visible_entries(portal, data.projects, iter(data.entries), policy))
    assert sorted(streamed, key=lambda e: e.id) == sorted(view.entries, key=lambda e: e.id)


@given(scenarios(max_costs=0))
def test_v4_descriptions_are_none_unless_shown_and_then_equal_the_source(scenario) -> None:
    portal, data, policy = scenario
    view = portal_view(portal, data, policy)
    source = {e.id: e for e in data.entries}
    for shown in view.entries:
        if portal.settings.show_descriptions:
            assert shown.description == source[shown.id].description
        else:
            assert shown.description is None


@given(scenarios(max_costs=0))
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


@given(scenarios(max_costs=0))
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


@given(scenarios(max_costs=0))
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
    s = portal.settings
    if not (s.show_hours or s.show_expenses or s.show_trips):
        assert view.employees == ()
        return
    visible = own_project_ids(portal, data)
    wanted = set(portal.employee_ids)
    wanted |= {m for p in data.projects if p.id in visible for m in p.member_ids}
    wanted |= {e.employee_id for e in (*view.entries, *view.expenses, *view.trips)}
    known = {e.id for e in data.employees}
    assert {e.id for e in view.employees} == wanted & known
    # The snapshot survives removal from the project: every snapshot employee is still there.
    assert portal.employee_ids & known <= {e.id for e in view.employees}


@given(scenarios(max_costs=0))
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


@given(scenarios(max_costs=0), st.booleans())
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
    s = portal.settings
    client_step = (
        s.approval
        and (s.show_hours or s.show_expenses or s.show_trips)
        and policy is not None
        and policy.enabled
        and policy.workflow.includes_client
    )
    assert view.can_approve == client_step
    if client_step:
        for shown, queued in (
            (view.entries, view.awaiting_approval),
            (view.expenses, view.awaiting_expenses),
            (view.trips, view.awaiting_trips),
        ):
            assert list(queued) == [i for i in shown if i.status is ApprovalStatus.PENDING_EXTERNAL]
    else:
        assert view.awaiting_approval == view.awaiting_expenses == view.awaiting_trips == ()


@given(scenarios(), st.sampled_from(SHOW_FLAGS))
def test_v11_switching_a_setting_on_never_hides_anything(scenario, flag: str) -> None:
    portal, data, policy = scenario
    off = attrs.evolve(portal, settings=attrs.evolve(portal.settings, **{flag: False}))
    on = attrs.evolve(portal, settings=attrs.evolve(portal.settings, **{flag: True}))
    before, after = portal_view(off, data, policy), portal_view(on, data, policy)
    kinds = ("projects", "entries", "budgets", "invoices", "quotes", "employees")
    for kind in (*kinds, "expenses", "trips", "awaiting_expenses", "awaiting_trips"):
        assert {r.id for r in getattr(before, kind)} <= {r.id for r in getattr(after, kind)}
    assert {e.id for e in before.awaiting_approval} <= {e.id for e in after.awaiting_approval}
    assert not before.can_approve or after.can_approve
    # What a record showed stays shown: a field may only go from None to a value.
    for kind in ("entries", "expenses", "trips"):
        later = {r.id: r for r in getattr(after, kind)}
        for shown in getattr(before, kind):
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

    for items in (view.entries, view.expenses, view.trips):
        keys = [(-i.date.toordinal(), i.id) for i in items]
        assert keys == sorted(keys)
    assert [(p.name, p.id) for p in view.projects] == sorted((p.name, p.id) for p in view.projects)
    assert [(e.name, e.id) for e in view.employees] == sorted(
        (e.name, e.id) for e in view.employees
    )
    for docs in (view.invoices, view.quotes):
        doc_keys = [(-d.date.toordinal(), d.id) for d in docs]
        assert doc_keys == sorted(doc_keys)


@given(scenarios(max_costs=0))
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
