"""The JSON API of expenses and trips: their lists with the hours' filters, cursors and problems,
their totals, their CSV exports (JSON API and HTML portal), decisions on items of every kind,
and the OpenAPI document that describes them, checked against real answers. Nothing internal
(``internal_note``, other clients' items) is in any answer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schema_check import check, problem_schema, response_schema
from webtools import Result, WsgiClient, open_portal

from api_cost_world import COSTS, cost_world
from clientportal import MemoryDataSource, MemoryStore, Portal, portal_view
from clientportal.convert import unstructure
from clientportal.memory import ManualClock
from clientportal.ports import CostTotals
from clientportal.service import PortalService
from clientportal.testing.strategies import INTERNAL_MARKER, policies, portals, worlds
from clientportal.web import make_wsgi_app
from worlds import MAIL, SECRET, T0, WebWorld

API = "/api/portals/acme-en"
PATTERN = "/api/portals/{portal_id}"


@pytest.fixture
def world() -> WebWorld:
    return cost_world()


@pytest.fixture
def api(world: WebWorld) -> WsgiClient:
    """Bob's browser, his link of ``acme-en`` opened."""
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-en", "bob")
    return client


@pytest.fixture
def doc(api: WsgiClient) -> dict[str, Any]:
    document: dict[str, Any] = api.get("/api/openapi.json").json()
    return document


def ok(result: Result, doc: dict[str, Any], pattern: str) -> Any:
    """The JSON of a 200 answer, checked against the document's schema of ``pattern``."""
    assert result.status == 200, result.text
    assert result.headers["Content-Type"] == "application/json"
    assert INTERNAL_MARKER not in result.text
    assert "internal_note" not in result.text
    check(result.json(), response_schema(doc, pattern, "get", "200"), doc)
    return result.json()


def rows(result: Result, delimiter: str = ",") -> list[list[str]]:
    assert result.status == 200, result.text
    assert result.body.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(result.text.removeprefix("\ufeff")), delimiter=delimiter))


# --------------------------------------------------------------------------------------------------
# Lists


def test_v13_expenses_answer_every_public_field_and_the_totals(
    api: WsgiClient, doc: dict[str, Any]
) -> None:
    answer = ok(api.get(f"{API}/expenses"), doc, PATTERN + "/expenses")
    assert [x["id"] for x in answer["expenses"]] == ["x1", "x2", "x3"]  # not Globex's x4
    assert answer["expenses"][0] == {
        "id": "x1",
        "project_id": "web",
        "employee_id": "eva",
        "date": "2026-03-16",
        "amount": "12.50",
        "currency": "EUR",
        "description": "Train ticket",
        "category": "Travel",
        "billable": True,
        "receipt": True,
        "status": "OPEN",
        "version": 0,
    }
    assert answer["totals"] == {
        "count": 3,
        "distance": "0",
        "amounts": [["EUR", "42.50"], ["USD", "99.00"]],
    }
    assert answer["next"] is None


def test_v14_trips_answer_their_distance_always_and_their_money_where_shown(
    world: WebWorld, api: WsgiClient, doc: dict[str, Any]
) -> None:
    answer = ok(api.get(f"{API}/trips"), doc, PATTERN + "/trips")
    assert [t["id"] for t in answer["trips"]] == ["t1", "t2", "t3"]
    t1, t2, t3 = answer["trips"]
    assert t1 == {
        "id": "t1",
        "project_id": "web",
        "employee_id": "eva",
        "date": "2026-03-16",
        "distance": "42.5",
        "description": "Client visit",
        "origin": "Utrecht",
        "destination": "Amsterdam",
        "billable": True,
        "status": "OPEN",
        "version": 0,
        "rate": "0.23",
        "amount": "9.78",
        "currency": "EUR",  # the portal's: the trip has none of its own
    }
    assert (t2["rate"], t2["amount"], t2["currency"]) == (None, None, None)  # no rate
    assert (t3["amount"], t3["currency"]) == ("0.95", "GBP")
    assert answer["totals"] == {
        "count": 3,
        "distance": "57.5",
        "amounts": [["EUR", "9.78"], ["GBP", "0.95"]],
    }
    settings = world.service.admin.portal("acme-en").settings
    world.service.admin.update_portal(
        "acme-en", settings=attrs.evolve(settings, show_amounts=False)
    )
    hidden = ok(api.get(f"{API}/trips"), doc, PATTERN + "/trips")
    assert [(t["rate"], t["amount"], t["currency"]) for t in hidden["trips"]] == [
        (None, None, None)
    ] * 3
    assert hidden["totals"] == {"count": 3, "distance": "57.5", "amounts": []}


def walk(api: WsgiClient, url: str, key: str) -> Iterator[list[str]]:
    """The ids of each page of ``url``, following ``next``."""
    after = ""
    while True:
        page = api.get(url + after).json()
        yield [item["id"] for item in page[key]]
        if page["next"] is None:
            return
        after = f"&after={page['next']}"


def test_pages_walk_every_item_once_with_the_hours_filters(api: WsgiClient) -> None:
    assert list(walk(api, f"{API}/expenses?limit=1", "expenses")) == [["x1"], ["x2"], ["x3"]]
    assert list(walk(api, f"{API}/trips?limit=2", "trips")) == [["t1", "t2"], ["t3"]]
    for query, expected in [
        ("project=web", ["x1", "x3"]),
        ("project=web&project=app", ["x1", "x2", "x3"]),
        ("employee=tom", ["x2", "x3"]),
        ("from=2026-03-14&to=2026-03-15", ["x2"]),
        ("status=PENDING_EXTERNAL", ["x2"]),
        ("status=OPEN&employee=eva", ["x1"]),
    ]:
        page = api.get(f"{API}/expenses?{query}").json()
        assert [x["id"] for x in page["expenses"]] == expected, query
        assert page["totals"]["count"] == len(expected), query
    # The totals are those of every page, not of this one.
    assert api.get(f"{API}/trips?limit=1").json()["totals"]["count"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=many", "limit"),
        ("after=not-a-cursor!", "after"),
        ("from=2026-02-30", "from"),
        ("from=2026-03-16&to=2026-03-01", "from"),
        ("status=LOST", "status"),
        ("project=%20web", "project"),
    ],
)
def test_bad_filters_answer_a_problem_naming_the_field(
    api: WsgiClient, doc: dict[str, Any], query: str, field: str
) -> None:
    for kind in ("expenses", "trips"):
        result = api.get(f"{API}/{kind}?{query}")
        assert result.status == 400, (kind, query)
        assert result.headers["Content-Type"] == "application/problem+json"
        problem = result.json()
        check(problem, problem_schema(doc, PATTERN + f"/{kind}", "400", "get"), doc)
        assert problem["code"] == "bad_request"
        assert [e["field"] for e in problem["errors"]] == [field], problem
        assert problem["errors"][0]["detail"], problem


def test_a_portal_without_expenses_or_trips_answers_empty_lists_and_no_csv(
    world: WebWorld, doc: dict[str, Any]
) -> None:
    """As the hours where hours are hidden: an empty list, and 404 for the CSV."""
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-hidden", "bob")
    api = "/api/portals/acme-hidden"
    empty = {"count": 0, "distance": "0", "amounts": []}
    expenses = ok(client.get(f"{api}/expenses"), doc, PATTERN + "/expenses")
    assert expenses == {"expenses": [], "totals": empty, "next": None}
    trips = ok(client.get(f"{api}/trips"), doc, PATTERN + "/trips")
    assert trips == {"trips": [], "totals": empty, "next": None}
    for url in (f"{api}/expenses.csv", f"{api}/trips.csv"):
        result = client.get(url)
        assert (result.status, result.json()["code"]) == (404, "not_found"), url
    for url in ("/portal/acme-hidden/expenses.csv", "/portal/acme-hidden/trips.csv"):
        assert client.get(url).status == 404, url


def test_without_a_session_nothing_is_there(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    for url in (f"{API}/expenses", f"{API}/trips", f"{API}/expenses.csv", f"{API}/trips.csv"):
        result = client.get(url)
        assert (result.status, result.json()["detail"]) == (404, "not found"), url


# --------------------------------------------------------------------------------------------------
# CSV


def test_expenses_csv_cell_by_cell_from_the_api_and_the_portal(api: WsgiClient) -> None:
    expected = [
        ["Date", "Employee", "Project", "Category", "Description", "Amount", "Currency",
         "Billable", "Receipt", "Status"],
        ["2026-03-16", "Eva Jansen", "Website", "Travel", "Train ticket", "12.50", "EUR",
         "Yes", "Yes", "Open"],
        ["2026-03-14", "Tom Bakker", "App", "Licence", "'=SUM(A1:A9)", "99.00", "USD",
         "Yes", "No", "Awaiting your approval"],
        ["2026-03-13", "Tom Bakker", "Website", "Meals", "Team lunch", "30", "EUR",
         "No", "No", "Open"],
    ]  # fmt: skip
    for url in (f"{API}/expenses.csv", "/portal/acme-en/expenses.csv"):
        result = api.get(url)
        assert result.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert result.headers["Content-Disposition"].startswith(
            'attachment; filename="expenses-acme-en.csv"'
        )
        assert INTERNAL_MARKER not in result.text
        assert rows(result) == expected, url
    filtered = rows(api.get(f"{API}/expenses.csv?employee=tom&status=OPEN"))
    assert filtered == [expected[0], expected[3]]


def test_trips_csv_cell_by_cell_in_the_portals_language(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-nl", "anna")
    result = client.get("/portal/acme-nl/trips.csv")
    assert result.headers["Content-Disposition"].startswith(
        'attachment; filename="trips-acme-nl.csv"'
    )
    table = rows(result, delimiter=";")
    assert table[0][:3] == ["Datum", "Medewerker", "Project"]
    assert table[1:] == [
        ["2026-03-16", "Eva Jansen", "Website", "Client visit", "Utrecht", "Amsterdam", "42,5",
         "Ja", "Open", "0,23", "9,78", "EUR"],
        ["2026-03-12", "Tom Bakker", "Website", "", "'+31 Office", "", "5",
         "Nee", "Open", "0,19", "0,95", "GBP"],
    ]  # fmt: skip
    assert INTERNAL_MARKER not in result.text
    assert client.get("/api/portals/acme-nl/trips.csv?from=2026-03-13").text.count("\r\n") == 2


def test_the_csv_filters_are_checked_like_the_lists(api: WsgiClient) -> None:
    result = api.get(f"{API}/trips.csv?from=yesterday")
    assert result.status == 400
    assert [e["field"] for e in result.json()["errors"]] == ["from"]


# --------------------------------------------------------------------------------------------------
# Decisions on every kind


def decide(api: WsgiClient, body: Any, *, token: str | None = None) -> Result:
    if token is None:
        token = api.get(f"{API}/session").json()["csrf_token"]
    return api.post(f"{API}/approvals", json=body, headers={"X-CSRF-Token": token})


def test_one_decision_takes_entries_expenses_and_trips_and_names_each_kind(
    world: WebWorld, api: WsgiClient, doc: dict[str, Any]
) -> None:
    result = decide(
        api,
        {
            "action": "APPROVE",
            "entries": [
                {"id": "p1", "version": 1},  # an entry, as before expenses and trips
                {"kind": "ENTRY", "id": "p2", "version": 1},
                {"kind": "EXPENSE", "id": "x2", "version": 1},
                {"kind": "TRIP", "id": "t2", "version": 1},
                {"kind": "EXPENSE", "id": "x4", "version": 0},  # Globex's
                {"kind": "TRIP", "id": "x2", "version": 1},  # no such trip
            ],
        },
    )
    assert result.status == 200, result.text
    answer = result.json()
    check(answer, response_schema(doc, PATTERN + "/approvals", "post", "200"), doc)
    assert [(o["kind"], o["entry_id"], o["outcome"]) for o in answer["outcomes"]] == [
        ("ENTRY", "p1", "APPLIED"),
        ("ENTRY", "p2", "APPLIED"),
        ("EXPENSE", "x2", "APPLIED"),
        ("TRIP", "t2", "APPLIED"),
        ("EXPENSE", "x4", "NOT_FOUND"),
        ("TRIP", "x2", "NOT_FOUND"),
    ]
    assert {o["state"]["status"] for o in answer["outcomes"][:4]} == {"APPROVED"}
    expenses = api.get(f"{API}/expenses?status=APPROVED").json()["expenses"]
    assert [(x["id"], x["version"]) for x in expenses] == [("x2", 2)]
    assert [t["id"] for t in api.get(f"{API}/trips?status=APPROVED").json()["trips"]] == ["t2"]
    assert "Globex" not in result.text


def test_a_rejection_of_a_trip_keeps_its_reason_and_a_stale_version_changes_nothing(
    api: WsgiClient,
) -> None:
    stale = decide(
        api,
        {"action": "APPROVE", "entries": [{"kind": "EXPENSE", "id": "x2", "version": 0}]},
    ).json()
    assert [(o["kind"], o["outcome"]) for o in stale["outcomes"]] == [
        ("EXPENSE", "CHANGED_MEANWHILE")
    ]
    rejected = decide(
        api,
        {
            "action": "REJECT",
            "entries": [{"kind": "TRIP", "id": "t2", "version": 1}],
            "reason": "Was this not by train?",
        },
    ).json()
    (outcome,) = rejected["outcomes"]
    assert (outcome["kind"], outcome["outcome"]) == ("TRIP", "APPLIED")
    assert outcome["state"]["reason"] == "Was this not by train?"
    trips = api.get(f"{API}/trips?status=REJECTED").json()["trips"]
    assert [(t["id"], t["status"]) for t in trips] == [("t2", "REJECTED")]
    assert api.get(f"{API}/expenses?status=PENDING_EXTERNAL").json()["expenses"][0]["id"] == "x2"


@pytest.mark.parametrize(
    ("item", "field", "words"),
    [
        ({"kind": "INVOICE", "id": "x1", "version": 0}, "entries[0].kind", "ENTRY, EXPENSE, TRIP"),
        ({"kind": "expense", "id": "x1", "version": 0}, "entries[0].kind", "ENTRY, EXPENSE, TRIP"),
        ({"kind": 2, "id": "x1", "version": 0}, "entries[0].kind", "ENTRY, EXPENSE, TRIP"),
        ({"kind": "TRIP", "id": "", "version": 0}, "entries[0].id", "id"),
        ({"kind": "TRIP", "id": "t1"}, "entries[0].version", "required"),
        ({"kind": "TRIP", "id": "t1", "version": -1}, "entries[0].version", ">= 0"),
        ({"kind": "TRIP", "id": "t1", "version": 0, "type": "x"}, "entries[0].type", "unknown"),
    ],
)
def test_a_bad_item_answers_422_naming_its_field_and_what_to_send(
    api: WsgiClient, doc: dict[str, Any], item: dict[str, Any], field: str, words: str
) -> None:
    result = decide(api, {"action": "APPROVE", "entries": [item]})
    assert result.status == 422, result.text
    problem = result.json()
    check(problem, problem_schema(doc, PATTERN + "/approvals", "422"), doc)
    assert problem["code"] == "invalid_body"
    ((error_field, detail),) = [(e["field"], e["detail"]) for e in problem["errors"]]
    assert error_field == field
    assert words in detail, detail


def test_a_shared_link_cannot_decide_on_expenses(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-en", None)
    body = {"action": "APPROVE", "entries": [{"kind": "EXPENSE", "id": "x2", "version": 1}]}
    result = decide(client, body)
    assert result.status == 403
    assert "expenses" in result.json()["detail"]
    assert client.get(f"{API}/expenses?status=PENDING_EXTERNAL").json()["totals"]["count"] == 1


# --------------------------------------------------------------------------------------------------
# The document


def test_the_document_describes_expenses_trips_and_items_of_every_kind(
    doc: dict[str, Any],
) -> None:
    schemas = doc["components"]["schemas"]
    for name in ("PortalExpense", "PortalTrip", "CostTotals", "ExpenseList", "TripList"):
        assert schemas[name]["additionalProperties"] is False, name
    assert "internal_note" not in str(schemas)
    assert set(schemas["PortalExpense"]["required"]) >= {"amount", "currency", "receipt"}
    pair = schemas["CostTotals"]["properties"]["amounts"]["items"]
    assert (pair["minItems"], pair["maxItems"], pair["items"]) == (2, 2, False)
    ref = schemas["EntryRef"]
    assert ref["required"] == ["id", "version"]  # kind may be left out: an entry
    assert ref["properties"]["kind"]["default"] == "ENTRY"
    assert schemas["ItemKind"]["enum"] == ["ENTRY", "EXPENSE", "TRIP"]
    assert "kind" in schemas["EntryOutcome"]["required"]
    for kind in ("expenses", "trips"):
        listing = doc["paths"][f"{PATTERN}/{kind}"]["get"]
        names = [p["name"] for p in listing["parameters"]]
        assert names == ["portal_id", "project", "employee", "from", "to", "status", "after",
                         "limit"]  # fmt: skip
        assert set(listing["responses"]) == {"200", "400", "404", "429", "500"}
        export = doc["paths"][f"{PATTERN}/{kind}.csv"]["get"]
        assert list(export["responses"]["200"]["content"]) == ["text/csv"]


def test_the_hidden_settings_hide_descriptions_in_every_answer(world: WebWorld) -> None:
    """V13/V14: without descriptions, neither the lists nor the CSV carry them (nor a trip's
    origin and destination)."""
    settings = attrs.evolve(COSTS, show_descriptions=False)
    world.service.admin.update_portal("acme-en", settings=settings)
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, "acme-en", "bob")
    texts = [
        client.get(f"{API}/{path}").text
        for path in ("expenses", "trips", "expenses.csv", "trips.csv")
    ]
    for word in ("Train ticket", "Team lunch", "Client visit", "Utrecht", "Office", "SUM"):
        assert all(word not in text for text in texts), word
    trips = client.get(f"{API}/trips").json()["trips"]
    assert {(t["description"], t["origin"], t["destination"]) for t in trips} == {
        (None, None, None)
    }


# --------------------------------------------------------------------------------------------------
# Any world


@settings(max_examples=min(settings().max_examples, 100))
@given(data=st.data())
def test_v13_v14_the_api_answers_the_views_items_and_nothing_internal(data: st.DataObject) -> None:
    """V13/V14 through HTTP: for any world and portal, the lists are the view's expenses and
    trips in the wire format, their totals those of the view, and no answer (lists or CSV)
    carries an internal note."""
    world = data.draw(worlds())
    portal = attrs.evolve(data.draw(portals(world)), active=True)  # a link opens it
    policy = data.draw(policies())
    store = MemoryStore([portal])
    service = PortalService(
        MemoryDataSource(world, store), store, mail=MAIL, secret_keys=[SECRET],
        clock=ManualClock(T0), policy=policy,
    )  # fmt: skip
    client = WsgiClient(make_wsgi_app(service))
    token = service.links.issue(portal.id, None).token
    assert client.get(f"/l/{token}").status == 303  # the session cookie is set
    view = portal_view(portal, world, policy)
    base = f"/api/portals/{portal.id}"
    for kind, items in (("expenses", view.expenses), ("trips", view.trips)):
        answer = client.get(f"{base}/{kind}?limit=1000")
        assert answer.status == 200, answer.text
        assert answer.json() == {
            kind: unstructure(items),
            "totals": unstructure(CostTotals.of(items)),
            "next": None,
        }
        exported = client.get(f"{base}/{kind}.csv")
        assert exported.status == (200 if _shows(portal, kind) else 404)
        for text in (answer.text, exported.text):
            assert INTERNAL_MARKER not in text
            assert "internal_note" not in text


def _shows(portal: Portal, kind: str) -> bool:
    settings = portal.settings
    return settings.show_expenses if kind == "expenses" else settings.show_trips
