"""The wire format: round trips for every model class, and errors that carry paths."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientportal import ValidationError, model, portal_view
from clientportal.convert import structure, unstructure
from clientportal.testing.strategies import (
    approval_states,
    ids,
    policies,
    portal_settings,
    portals,
    worlds,
)

RECORD_KINDS = {
    model.Client: "clients",
    model.Contact: "contacts",
    model.Employee: "employees",
    model.Project: "projects",
    model.TimeEntry: "entries",
    model.Budget: "budgets",
    model.Invoice: "invoices",
    model.Quote: "quotes",
    model.Expense: "expenses",
    model.Trip: "trips",
}


def round_trip(value: Any) -> Any:
    wire = json.loads(json.dumps(unstructure(value)))
    return structure(wire, type(value))


#: Round trips need fewer examples than the visibility rules: at most 300, even in CI.
FEWER = settings(max_examples=min(300, settings.default.max_examples))


@FEWER
@given(st.data())
def test_round_trip_of_every_record_class_datasets_and_portals(data: st.DataObject) -> None:
    world = data.draw(worlds())
    for cls, kind in RECORD_KINDS.items():
        for record in getattr(world, kind):
            assert type(record) is cls
            assert round_trip(record) == record
    assert round_trip(world) == world
    portal = data.draw(portals(world))
    assert round_trip(portal) == portal


@FEWER
@given(
    st.builds(
        model.TimeEntry,
        id=ids(max_size=12),
        project_id=st.just("p"),
        employee_id=st.just("u"),
        date=st.dates(),
        seconds=st.integers(0, 10**9),
        description=st.none() | st.text(),
        task=st.none() | st.text(),
        rate=st.none() | st.decimals(min_value=0, allow_nan=False, allow_infinity=False),
        internal_note=st.none() | st.text(),
    )
)
def test_round_trip_of_arbitrary_text_dates_and_decimals(entry: model.TimeEntry) -> None:
    assert round_trip(entry) == entry


@FEWER
@given(approval_states(), policies(), portal_settings())
def test_round_trip_of_approval_and_settings_values(state, policy, settings) -> None:
    assert round_trip(state) == state
    assert round_trip(policy) == policy
    assert round_trip(settings) == settings


@FEWER
@given(st.sampled_from(model.ItemKind), ids(max_size=12))
def test_round_trip_of_item_references(kind: model.ItemKind, id: str) -> None:
    ref = model.ItemRef(kind, id)
    assert unstructure(ref) == {"kind": kind.name, "id": id}
    assert round_trip(ref) == ref


def test_every_contract_class_is_covered_by_a_round_trip() -> None:
    covered = {*RECORD_KINDS, model.Dataset, model.Portal, model.ApprovalState}
    covered |= {model.ApprovalPolicy, model.PortalSettings, model.ItemRef}
    contract = {getattr(model, n) for n in model.__all__ if attrs.has(getattr(model, n, None))}
    assert contract <= covered


def test_wire_format_dates_decimals_sets_and_enums() -> None:
    invoice = model.Invoice(
        "i1", "c", "2026-1", dt.date(2026, 1, 31), Decimal("1200.50"), "EUR",
        model.DocumentStatus.SENT, project_ids={"b", "a"}, due_date=dt.date(2026, 2, 28),
    )  # fmt: skip
    assert unstructure(invoice) == {
        "id": "i1",
        "client_id": "c",
        "number": "2026-1",
        "date": "2026-01-31",
        "amount": "1200.50",
        "currency": "EUR",
        "status": "SENT",
        "project_ids": ["a", "b"],
        "due_date": "2026-02-28",
        "has_file": True,
    }
    portal = model.Portal(
        id="p", client_id="c", name="P", created_at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    )
    assert unstructure(portal)["created_at"] == "2026-01-01T09:00:00+00:00"


@FEWER
@given(st.data())
def test_public_view_records_unstructure_to_json(data: st.DataObject) -> None:
    world = data.draw(worlds())
    view = portal_view(data.draw(portals(world)), world)
    wire = unstructure(view)
    assert json.loads(json.dumps(wire)) == wire
    assert len(wire["entries"]) == len(view.entries)


def test_structure_reports_every_problem_with_its_path() -> None:
    good = unstructure(
        model.TimeEntry("e1", "p1", "u1", dt.date(2026, 1, 2), 3600, rate=Decimal("80"))
    )
    bad = {
        "entries": [
            good,
            {**good, "id": "e2", "seconds": -1, "rate": 1.5, "colour": "red"},
            {**good, "id": "e3", "date": "2026-02-30", "approval": {"status": "MAYBE"}},
            {"id": ""},
        ],
        "clients": "acme",
    }
    with pytest.raises(ValidationError) as caught:
        structure(bad, model.Dataset)
    errors = caught.value.errors
    assert "$.entries[1].seconds: must be >= 0, got -1" in errors
    assert any(
        e.startswith("$.entries[1].rate: must be a decimal number as a string") for e in errors
    )
    assert any(e.startswith("$.entries[1].colour: unknown field") for e in errors)
    assert any(e.startswith("$.entries[2].date: is not a real date") for e in errors)
    assert any(e.startswith("$.entries[2].approval.status: must be one of OPEN") for e in errors)
    assert any(e.startswith("$.entries[3].id: must be a non-empty id") for e in errors)
    assert "$.entries[3].seconds: required field missing" in errors
    assert any(e.startswith("$.clients: must be a list") for e in errors)
    assert len(errors) == 11
    assert str(len(errors)) + " problems" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "cls", "expected"),
    [
        ({"id": 5, "name": "x"}, model.Client, "$.id: must be a string, got int 5"),
        ([], model.Client, "$: must be an object with the fields id, name, got list []"),
        (
            {"id": "c", "name": "n", "member_ids": "abc", "client_id": "c"},
            model.Project,
            "$.member_ids: must be a list, got str 'abc'",
        ),
        (
            {"id": "b", "project_id": "p", "type": "TOTAL_FEE", "amount": "1", "used": "0"},
            model.Budget,
            "$: a TOTAL_FEE budget is money: give its currency (e.g. 'EUR')",
        ),
        (
            {"show_hours": "yes"},
            model.PortalSettings,
            "$.show_hours: must be true or false, got str 'yes'",
        ),
        (
            {"id": "p", "client_id": "c", "name": "P", "created_at": "2026-01-01T09:00:00"},
            model.Portal,
            "$.created_at: must be timezone-aware (e.g. datetime.now(timezone.utc)), "
            "got 2026-01-01T09:00:00",
        ),
        (
            {"status": "APPROVED"},
            model.ApprovalState,
            "$: an entry in status APPROVED must name the workflow it was submitted under "
            "(workflow=...)",
        ),
    ],
)
def test_structure_errors_name_the_place_and_the_fix(value, cls, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        structure(value, cls)
    assert caught.value.errors == (expected,)


def test_structure_accepts_integers_for_decimals_but_never_floats() -> None:
    payload = {"id": "b", "project_id": "p", "type": "TOTAL_HOURS", "amount": 40, "used": "1.5"}
    assert structure(payload, model.Budget).amount == Decimal(40)
    with pytest.raises(ValidationError, match="got a float"):
        structure({**payload, "amount": 40.0}, model.Budget)
