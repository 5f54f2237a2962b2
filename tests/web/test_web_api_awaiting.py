"""``GET /api/portals/{portal_id}/approvals`` of every kind: the hours, expenses and trips
awaiting the client, each exactly the pure view's (``portal_view(...).awaiting_approval``,
``.awaiting_expenses``, ``.awaiting_trips``), each kind paged by its own cursor, the hours'
fields as they always were, empty lists for a kind the portal does not show, and the OpenAPI
document that describes the answer."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from costs_world import costs_world
from hypothesis import given, settings
from hypothesis import strategies as st
from schema_check import check, problem_schema, response_schema
from webtools import WsgiClient, open_portal

from api_cost_world import COSTS, cost_dataset, cost_world
from clientportal import MemoryDataSource, MemoryStore, portal_view
from clientportal.convert import unstructure
from clientportal.memory import ManualClock
from clientportal.ports import CostTotals
from clientportal.service import PortalService
from clientportal.testing.strategies import INTERNAL_MARKER, policies, portals, worlds
from clientportal.web import make_wsgi_app
from worlds import EXTERNAL, MAIL, SECRET, T0, WEB_T0, WebWorld

PATTERN = "/api/portals/{portal_id}/approvals"
#: The fields the answer always had (those of ``/hours``), and those it gained.
HOURS_FIELDS = {"entries", "totals", "next", "currency"}
COST_FIELDS = {
    "expenses",
    "expenses_totals",
    "expenses_next",
    "trips",
    "trips_totals",
    "trips_next",
}
EMPTY = {"count": 0, "distance": "0", "amounts": []}


@pytest.fixture
def world() -> WebWorld:
    return cost_world()


def browser(world: WebWorld, portal_id: str, contact: str | None = "bob") -> WsgiClient:
    """A browser with ``contact``'s link of ``portal_id`` opened."""
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world, portal_id, contact)
    return client


def awaiting(client: WsgiClient, portal_id: str, query: str = "") -> Any:
    """The JSON of the approvals list, checked against the document's schema."""
    doc = client.get("/api/openapi.json").json()
    result = client.get(f"/api/portals/{portal_id}/approvals{query}")
    assert result.status == 200, result.text
    assert result.headers["Content-Type"] == "application/json"
    assert INTERNAL_MARKER not in result.text
    assert "internal_note" not in result.text
    check(result.json(), response_schema(doc, PATTERN, "get", "200"), doc)
    return result.json()


def test_every_kind_awaiting_is_listed_as_the_pure_view_lists_it(world: WebWorld) -> None:
    client = browser(world, "acme-en")
    answer = awaiting(client, "acme-en")
    assert set(answer) == HOURS_FIELDS | COST_FIELDS
    view = portal_view(world.service.admin.portal("acme-en"), cost_dataset(), EXTERNAL)
    assert [e["id"] for e in answer["entries"]] == [e.id for e in view.awaiting_approval]
    assert [x["id"] for x in answer["expenses"]] == ["x2"]  # Acme's app licence
    assert [t["id"] for t in answer["trips"]] == ["t2"]  # Acme's workshop
    assert answer["entries"]  # all three kinds await
    assert answer["entries"] == unstructure(view.awaiting_approval)
    assert answer["expenses"] == unstructure(view.awaiting_expenses)
    assert answer["trips"] == unstructure(view.awaiting_trips)
    assert answer["expenses_totals"] == unstructure(CostTotals.of(view.awaiting_expenses))
    assert answer["trips_totals"] == unstructure(CostTotals.of(view.awaiting_trips))
    assert (answer["next"], answer["expenses_next"], answer["trips_next"]) == (None, None, None)
    # The hours part is what it always was: the same fields with the same values.
    hours = client.get("/api/portals/acme-en/hours?status=PENDING_EXTERNAL").json()
    assert {k: answer[k] for k in HOURS_FIELDS} == {
        **hours,
        "totals": answer["totals"],  # of the awaiting page, counted as /hours counts its page
    }
    assert answer["totals"]["count"] == len(view.awaiting_approval)
    assert answer["currency"] == "EUR"


def test_a_portal_without_expenses_or_trips_lists_them_empty(world: WebWorld) -> None:
    answer = awaiting(browser(world, "acme-hidden"), "acme-hidden")
    assert answer["entries"]  # the hours still await
    assert (answer["expenses"], answer["expenses_totals"], answer["expenses_next"]) == (
        [],
        EMPTY,
        None,
    )
    assert (answer["trips"], answer["trips_totals"], answer["trips_next"]) == ([], EMPTY, None)


def test_a_portal_without_expenses_lists_its_trips(world: WebWorld) -> None:
    settings = world.service.admin.portal("acme-en").settings
    world.service.admin.update_portal(
        "acme-en", settings=attrs.evolve(settings, show_expenses=False)
    )
    answer = awaiting(browser(world, "acme-en"), "acme-en")
    assert (answer["expenses"], answer["expenses_totals"]) == ([], EMPTY)
    assert [t["id"] for t in answer["trips"]] == ["t2"]


def test_a_decided_item_leaves_the_list(world: WebWorld) -> None:
    client = browser(world, "acme-en")
    before = awaiting(client, "acme-en")
    token = client.get("/api/portals/acme-en/session").json()["csrf_token"]
    (expense,) = before["expenses"]
    body = {
        "action": "REJECT",
        "entries": [{"kind": "EXPENSE", "id": expense["id"], "version": expense["version"]}],
        "reason": "Which licence?",
    }
    decided = client.post(
        "/api/portals/acme-en/approvals", json=body, headers={"X-CSRF-Token": token}
    )
    assert decided.json()["outcomes"][0]["outcome"] == "APPLIED"
    after = awaiting(client, "acme-en")
    assert (after["expenses"], after["expenses_totals"]) == ([], EMPTY)
    assert after["trips"] == before["trips"]
    assert after["entries"] == before["entries"]


def test_each_kind_pages_by_its_own_cursor_with_the_filters() -> None:
    world = costs_world()
    client = browser(world, "acme-en")
    first = awaiting(client, "acme-en", "?limit=1")
    assert [x["id"] for x in first["expenses"]] == ["x4"]
    assert first["expenses_totals"]["count"] == 2  # every one awaiting, not this page's
    assert first["expenses_next"] is not None
    assert [t["id"] for t in first["trips"]] == ["t3"]
    assert first["trips_next"] is None
    second = awaiting(client, "acme-en", f"?limit=1&after_expense={first['expenses_next']}")
    assert [x["id"] for x in second["expenses"]] == ["x:5"]
    assert second["expenses_next"] is None
    # The other kinds are not moved on by the expenses' cursor.
    assert (second["entries"], second["trips"]) == (first["entries"], first["trips"])
    web = awaiting(client, "acme-en", "?project=web")
    assert ([x["id"] for x in web["expenses"]], web["trips"]) == (["x:5"], [])
    assert {e["project_id"] for e in web["entries"]} <= {"web"}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("after_expense=not-a-cursor!", ["after_expense"]),
        ("after_trip=%3D%3D", ["after_trip"]),
        ("from=2026-02-30&after_trip=x!&after_expense=y!", ["from", "after_expense", "after_trip"]),
        ("after=z!", ["after"]),
    ],
)
def test_bad_cursors_answer_one_problem_naming_each_field(
    world: WebWorld, query: str, fields: list[str]
) -> None:
    client = browser(world, "acme-en")
    doc = client.get("/api/openapi.json").json()
    result = client.get(f"/api/portals/acme-en/approvals?{query}")
    assert result.status == 400, result.text
    problem = result.json()
    check(problem, problem_schema(doc, PATTERN, "400", "get"), doc)
    assert [e["field"] for e in problem["errors"]] == fields
    hints = {"after_expense": "expenses_next", "after_trip": "trips_next", "after": "next"}
    for error in problem["errors"]:
        if error["field"] in hints:  # what to pass instead
            assert "is not a page cursor" in error["detail"], error
            assert f"'{hints[error['field']]}'" in error["detail"], error


def test_a_portal_whose_client_cannot_approve_has_no_list(world: WebWorld) -> None:
    settings = world.service.admin.portal("acme-en").settings
    world.service.admin.update_portal("acme-en", settings=attrs.evolve(settings, approval=False))
    result = browser(world, "acme-en").get("/api/portals/acme-en/approvals")
    assert (result.status, result.json()["code"]) == (404, "not_found")


def test_the_document_describes_every_kind_and_its_cursor(world: WebWorld) -> None:
    doc = browser(world, "acme-en").get("/api/openapi.json").json()
    operation = doc["paths"][PATTERN]["get"]
    names = [p["name"] for p in operation["parameters"]]
    assert names == ["portal_id", "project", "employee", "from", "to", "after", "limit",
                     "after_expense", "after_trip"]  # fmt: skip
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApprovalList"
    }
    schema = doc["components"]["schemas"]["ApprovalList"]
    assert set(schema["required"]) == HOURS_FIELDS | COST_FIELDS
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert props["expenses"]["items"] == {"$ref": "#/components/schemas/PortalExpense"}
    assert props["trips"]["items"] == {"$ref": "#/components/schemas/PortalTrip"}
    assert props["entries"] == doc["components"]["schemas"]["HoursList"]["properties"]["entries"]


@settings(max_examples=min(settings().max_examples, 100))
@given(data=st.data())
def test_any_portal_lists_the_views_awaiting_items_of_every_kind(data: st.DataObject) -> None:
    """For any world, portal and policy: the approvals list is the view's awaiting hours,
    expenses and trips in the wire format (404 where the client cannot approve), and nothing
    internal."""
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
    answer = client.get(f"/api/portals/{portal.id}/approvals?limit=1000")
    if not view.can_approve:
        assert answer.status == 404, answer.text
        return
    assert answer.status == 200, answer.text
    listed = answer.json()
    assert listed["entries"] == unstructure(view.awaiting_approval)
    assert listed["expenses"] == unstructure(view.awaiting_expenses)
    assert listed["trips"] == unstructure(view.awaiting_trips)
    assert listed["expenses_totals"] == unstructure(CostTotals.of(view.awaiting_expenses))
    assert listed["trips_totals"] == unstructure(CostTotals.of(view.awaiting_trips))
    assert INTERNAL_MARKER not in answer.text


def test_on_sql_every_kind_awaiting_is_listed_as_the_pure_view_lists_it(engine: Any) -> None:
    """The same list from ``SqlDataSource`` and ``SqlStore`` (SQLite, and PostgreSQL when
    configured): the store's approval states and the source's pushdown of every kind."""
    from clientportal.sql import SqlDataSource, SqlStore, load_dataset

    load_dataset(engine, cost_dataset())
    service = PortalService(
        SqlDataSource(engine), SqlStore(engine), mail=MAIL, secret_keys=SECRET,
        clock=ManualClock(WEB_T0), policy=EXTERNAL,
    )  # fmt: skip
    portal = service.admin.create_portal(
        id="acme-en", client_id="acme", name="Acme", project_ids=["web", "app"],
        contact_ids=["bob"], language="en", settings=COSTS,
    )  # fmt: skip
    client = WsgiClient(make_wsgi_app(service))
    token = service.links.issue("acme-en", "bob").token
    assert client.get(f"/l/{token}").status == 303
    answer = awaiting(client, "acme-en")
    view = portal_view(portal, cost_dataset(), EXTERNAL)
    assert ([x["id"] for x in answer["expenses"]], [t["id"] for t in answer["trips"]]) == (
        ["x2"],
        ["t2"],
    )
    assert answer["entries"] == unstructure(view.awaiting_approval)
    assert answer["expenses"] == unstructure(view.awaiting_expenses)
    assert answer["trips"] == unstructure(view.awaiting_trips)
    paged = awaiting(client, "acme-en", "?limit=1")
    assert paged["expenses"] == answer["expenses"]
    assert paged["expenses_next"] is None
