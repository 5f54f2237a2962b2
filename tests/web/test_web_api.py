"""The JSON API: every route in the wire format, CSRF by header, the same 404 for anything not
there, and the OpenAPI 3.1 document kept in sync with the routes (and with real answers)."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schema_check import check, problem_schema, response_schema
from webtools import WsgiClient, open_portal

from clientportal._validators import id_problem
from clientportal.web import PortalApp, make_wsgi_app
from clientportal.web.openapi import ENDPOINTS
from clientportal.web.params import ID_SCHEMA
from worlds import WebWorld, web_world

# --------------------------------------------------------------------------------------------------
# The document


def test_openapi_document_is_in_sync_with_the_routes(world: WebWorld, client: WsgiClient) -> None:
    app = PortalApp(world.service)
    result = client.get("/api/openapi.json")
    assert result.status == 200
    doc = result.json()
    assert doc["openapi"] == "3.1.0"
    routed = {(r.pattern, r.method.lower()) for r in app.routes if r.api}
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routed == described
    assert set(ENDPOINTS) == {r.name for r in app.routes if r.api}
    # Every API route lives under /api, and nothing under /api is left out of the document.
    assert {r.pattern.startswith("/api/") for r in app.routes if r.api} == {True}
    assert not [r for r in app.routes if not r.api and r.pattern.startswith("/api")]
    for route in app.routes:
        if not route.api:
            continue
        operation = doc["paths"][route.pattern][route.method.lower()]
        assert operation["operationId"] == route.name
        path_params = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
        assert path_params == list(route.params)
        assert "200" in operation["responses"]
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', result.text.replace(":", ": "))
    assert refs
    assert set(refs) <= set(doc["components"]["schemas"])


def test_the_document_names_the_mount_as_its_server(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service, prefix="/cp"), script_name="/host")
    assert client.get("/host/cp/api/openapi.json").json()["servers"] == [{"url": "/host/cp"}]


# --------------------------------------------------------------------------------------------------
# The routes


@pytest.fixture
def api(world: WebWorld, client: WsgiClient) -> WsgiClient:
    open_portal(client, world)
    return client


@pytest.fixture
def doc(api: WsgiClient) -> dict[str, Any]:
    document: dict[str, Any] = api.get("/api/openapi.json").json()
    return document


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("/api/portals/acme-en", "/api/portals/{portal_id}"),
        ("/api/portals/acme-en/session", "/api/portals/{portal_id}/session"),
        ("/api/portals/acme-en/hours", "/api/portals/{portal_id}/hours"),
        ("/api/portals/acme-en/hours?employee=eva&limit=2", "/api/portals/{portal_id}/hours"),
        ("/api/portals/acme-en/hours/totals?project=web", "/api/portals/{portal_id}/hours/totals"),
        ("/api/portals/acme-en/invoices", "/api/portals/{portal_id}/invoices"),
        ("/api/portals/acme-en/quotes", "/api/portals/{portal_id}/quotes"),
        ("/api/portals/acme-en/approvals", "/api/portals/{portal_id}/approvals"),
    ],
)
def test_every_json_answer_matches_its_documented_schema(
    api: WsgiClient, doc: dict[str, Any], url: str, pattern: str
) -> None:
    result = api.get(url)
    assert result.status == 200
    assert result.headers["Content-Type"] == "application/json"
    check(result.json(), response_schema(doc, pattern, "get", "200"), doc)


def test_overview_and_session(api: WsgiClient) -> None:
    overview = api.get("/api/portals/acme-en").json()
    assert [p["id"] for p in overview["projects"]] == ["app", "web"]
    assert [b["type"] for b in overview["budgets"]] == ["TOTAL_FEE", "TOTAL_HOURS"]
    assert overview["budgets"][0]["used"] == "1250"
    assert [i["number"] for i in overview["invoices"]] == ["INV-2026-001"]
    assert overview["can_approve"] is True
    assert overview["currency"] == "EUR"
    assert overview["invoices"][0]["has_file"] is True
    session = api.get("/api/portals/acme-en/session").json()
    assert session["portal_id"] == "acme-en"
    assert session["currency"] == "EUR"
    assert session["contact_id"] == "bob"
    assert len(session["csrf_token"]) == 27
    assert session["expires_at"].startswith("2026-04-19T09:00:00")


def test_hours_pages_walk_every_entry_once() -> None:
    world = web_world(extra_entries=37)
    client = WsgiClient(make_wsgi_app(world.service))
    open_portal(client, world)
    seen: list[str] = []
    url = "/api/portals/acme-en/hours?limit=10&project=web"
    while True:
        page = client.get(url).json()
        assert len(page["entries"]) <= 10
        seen += [e["id"] for e in page["entries"]]
        if page["next"] is None:
            break
        url = f"/api/portals/acme-en/hours?limit=10&project=web&after={page['next']}"
    assert len(seen) == len(set(seen)) == 37 + 6
    totals = client.get("/api/portals/acme-en/hours/totals?project=web").json()
    assert totals["count"] == 43


def test_hours_name_the_portals_currency(world: WebWorld, api: WsgiClient) -> None:
    settings = world.service.admin.portal("acme-en").settings
    world.service.admin.update_portal(
        "acme-en", settings=attrs.evolve(settings, show_amounts=True, currency="GBP")
    )
    hours = api.get("/api/portals/acme-en/hours").json()
    assert hours["currency"] == "GBP"
    (w1,) = [e for e in hours["entries"] if e["id"] == "w1"]
    assert (w1["rate"], w1["amount"]) == ("90", "675.00")
    assert api.get("/api/portals/acme-en/approvals").json()["currency"] == "GBP"
    assert api.get("/api/portals/acme-en/session").json()["currency"] == "GBP"


def test_documents_and_files(api: WsgiClient) -> None:
    assert api.get("/api/portals/acme-en/invoices").json()["invoices"][0]["id"] == "i1"
    assert api.get("/api/portals/acme-en/quotes").json()["quotes"][0]["number"] == "Q-7"
    file = api.get("/api/portals/acme-en/invoices/i1/file")
    assert file.body == b"%PDF-1.4 invoice"
    assert api.get("/api/portals/acme-en/quotes/q1/file").headers["Content-Type"] == (
        "application/pdf"
    )
    assert api.get("/api/portals/acme-en/invoices/i3/file").status == 404
    csv = api.get("/api/portals/acme-en/hours.csv?employee=tom")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.text.count("\r\n") == 1 + 5


def test_deciding_through_the_api(world: WebWorld, api: WsgiClient, doc: dict[str, Any]) -> None:
    token = api.get("/api/portals/acme-en/session").json()["csrf_token"]
    url = "/api/portals/acme-en/approvals"
    body = {
        "action": "APPROVE",
        "entries": [{"id": "p1", "version": 1}, {"id": "g1", "version": 0}],
    }
    refused = api.post(url, json=body)
    assert refused.status == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    check(refused.json(), problem_schema(doc, "/api/portals/{portal_id}/approvals", "403"), doc)
    assert refused.json()["code"] == "csrf"
    result = api.post(url, json=body, headers={"X-CSRF-Token": token})
    assert result.status == 200
    answer = result.json()
    check(answer, response_schema(doc, "/api/portals/{portal_id}/approvals", "post", "200"), doc)
    outcomes = {o["entry_id"]: o["outcome"] for o in answer["outcomes"]}
    assert outcomes == {"p1": "APPLIED", "g1": "NOT_FOUND"}
    rejected = api.post(
        url,
        json={"action": "REJECT", "entries": [{"id": "p2", "version": 1}], "reason": "Too long"},
        headers={"X-CSRF-Token": token},
    ).json()
    assert rejected["outcomes"][0]["state"]["status"] == "REJECTED"
    assert rejected["outcomes"][0]["state"]["reason"] == "Too long"
    waiting = api.get(url).json()
    assert sorted(e["id"] for e in waiting["entries"]) == ["p3", "p4"]
    assert world.store.history("p1")[-1].actor.id == "bob"


def test_the_api_answers_one_404_for_anything_not_there(world: WebWorld) -> None:
    client = WsgiClient(make_wsgi_app(world.service))
    expected = {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "not found",
        "code": "not_found",
        "errors": [],
    }
    for url in (
        "/api/portals/acme-en",  # no session
        "/api/portals/nope/hours",
        "/api/nothing",
        "/api",
    ):
        result = client.get(url)
        assert (result.status, result.json()) == (404, expected), url
    browser = WsgiClient(make_wsgi_app(world.service))
    open_portal(browser, world, "acme-en", "bob")
    for url in (
        "/api/portals/acme-en/invoices/nope/file",
        "/api/portals/acme-nl/session",
    ):
        result = browser.get(url)
        assert (result.status, result.json()) == (404, expected), url
    wrong_method = browser.request("PUT", "/api/portals/acme-en")
    assert wrong_method.status == 405
    assert wrong_method.headers["Allow"] == "GET, HEAD"
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert wrong_method.headers["Content-Type"] == "application/problem+json"


# --------------------------------------------------------------------------------------------------
# Finding 15: the document is true: the cookie it names, the bounds it gives, the errors it lists


def _ecma_search(pattern: str, value: str) -> bool:
    """A JSON Schema ``pattern`` (ECMA-262, where ``$`` is only the end of the input) searched in
    ``value`` with Python's ``re`` (whose ``$`` also matches before a final newline)."""
    assert pattern.endswith("$")
    return re.search(pattern[:-1] + r"\Z", value) is not None


@settings(max_examples=300)
@given(
    value=st.one_of(
        st.text(max_size=210), st.sampled_from([" a", "a\u3000", "\x85", "a b", "0\n", "a\r\n"])
    )
)
def test_the_documents_id_schema_is_the_models_id_rule(value: str) -> None:
    """Finding 15: an id in the path, the query or a body is described by the model's one id
    rule: the schema's pattern and lengths accept exactly the ids ``id_problem`` accepts."""
    fits = (
        ID_SCHEMA["minLength"] <= len(value) <= ID_SCHEMA["maxLength"]  # type: ignore[operator]
        and _ecma_search(ID_SCHEMA["pattern"], value)  # type: ignore[arg-type]
    )
    assert fits == (id_problem(value) is None), value


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_security_scheme_describes_the_real_session_cookie(
    world: WebWorld, scheme: str
) -> None:
    """Finding 15: the session cookie a link sets (plain, or with its secure prefix) has a name
    the document's pattern describes, and the scheme's example is a real portal's name."""
    client = WsgiClient(make_wsgi_app(world.service), scheme=scheme)
    open_portal(client, world)
    doc = client.get("/api/openapi.json").json()
    session = doc["components"]["securitySchemes"]["session"]
    assert (session["type"], session["in"]) == ("apiKey", "cookie")
    names = [name for name, _ in client.jar if "cp_session_" in name]
    assert names
    for name in [*names, session["name"]]:
        assert re.fullmatch(session["x-cookie-name-pattern"], name), name
    assert session["x-cookie-name-pattern"] in session["description"]


def test_every_operation_declares_its_bounds_and_its_errors(doc: dict[str, Any]) -> None:
    """Finding 15: limits, ids and decision lists carry the bounds the server enforces, and
    every error an operation can answer is declared as a problem document."""
    hours = doc["paths"]["/api/portals/{portal_id}/hours"]["get"]
    params = {p["name"]: p["schema"] for p in hours["parameters"]}
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 1000)
    assert params["project"]["items"]["maxLength"] == 200
    assert params["portal_id"]["pattern"] == ID_SCHEMA["pattern"]
    assert params["status"]["items"]["enum"]
    request = doc["components"]["schemas"]["DecisionRequest"]
    entries = request["properties"]["entries"]
    assert (entries["minItems"], entries["maxItems"]) == (1, 1000)
    assert request["then"]["required"] == ["reason"]
    decide = doc["paths"]["/api/portals/{portal_id}/approvals"]["post"]["responses"]
    assert set(decide) == {"200", "400", "403", "404", "413", "415", "422", "429", "500"}
    assert set(hours["responses"]) == {"200", "400", "404", "429", "500"}
    for status, response in doc["components"]["responses"].items():
        assert list(response["content"]) == ["application/problem+json"], status
    assert "405" in doc["components"]["responses"]


@pytest.mark.parametrize(
    ("request_kw", "status"),
    [
        ({"body": b"{}", "headers": {"Content-Type": "text/plain"}}, "415"),
        ({"json": {"action": "APPROVE", "entries": []}}, "422"),
        ({"body": b"{" + b" " * 70_000 + b"}", "headers": {"Content-Type": "application/json"}},
         "413"),
        ({"body": b"{nope", "headers": {"Content-Type": "application/json"}}, "400"),
    ],
)  # fmt: skip
def test_each_error_answer_matches_its_declared_problem_document(
    api: WsgiClient, doc: dict[str, Any], request_kw: dict[str, Any], status: str
) -> None:
    """Finding 15: 400, 413, 415 and 422 are answered as the document declares them."""
    token = api.get("/api/portals/acme-en/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": token, **request_kw.pop("headers", {})}
    result = api.post("/api/portals/acme-en/approvals", headers=headers, **request_kw)
    assert str(result.status) == status, result.text
    assert result.headers["Content-Type"] == "application/problem+json"
    check(result.json(), problem_schema(doc, "/api/portals/{portal_id}/approvals", status), doc)
