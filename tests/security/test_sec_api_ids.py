"""Finding 7: ids (and the text beside them) that arrive in a JSON body or a query parameter are
read by the model's one id rule and refused with a problem document that names the field, on
every backend: never a database error (PostgreSQL ``DataError``, SQLite ``UnicodeEncodeError``)
turned into a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sec_api_worlds import BACKENDS, CSRF, PORTAL, ApiWorld, api_world
from webtools import Result

DECIDE = f"/api/portals/{PORTAL}/approvals"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest) -> Iterator[ApiWorld]:
    with api_world(request.param) as opened:
        yield opened


def decide(world: ApiWorld, body: dict[str, Any]) -> Result:
    # json.dumps writes a lone surrogate as the escape "\ud800", as a hostile client would.
    return world.browser.post(
        DECIDE,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", CSRF: world.csrf_token},
    )


def problem_of(result: Result, status: int) -> dict[str, Any]:
    assert (result.status, result.headers.get("Content-Type")) == (status, PROBLEM), result.text
    document: dict[str, Any] = result.json()
    assert document["status"] == status
    assert document["title"]
    assert document["detail"]
    return document


BAD_IDS = [
    ("p1\x00", "control characters"),
    ("\ud800", "control characters"),
    ("p\udfff1", "control characters"),
    ("x" * 201, "at most 200 characters"),
    (" p1", "surrounding spaces"),
    ("", "non-empty"),
    ("p1\ufffd", "U+FFFD"),
]


@pytest.mark.parametrize(("bad", "rule"), BAD_IDS)
def test_a_bad_entry_id_in_the_decision_body_is_a_422_naming_the_field(
    world: ApiWorld, bad: str, rule: str
) -> None:
    """Finding 7: an entry id with NUL or a lone surrogate (or breaking any other part of the id
    rule) answers 422 naming ``entries[1].id``; nothing is decided."""
    before = world.browser.get(DECIDE).json()["entries"]
    body = {"action": "APPROVE", "entries": [{"id": "p1", "version": 1}, {"id": bad, "version": 1}]}
    document = problem_of(decide(world, body), 422)
    (error,) = document["errors"]
    assert error["field"] == "entries[1].id"
    assert rule in error["detail"]
    assert world.browser.get(DECIDE).json()["entries"] == before


@pytest.mark.parametrize(
    ("entries", "field", "words"),
    [
        ([{"id": 7, "version": 1}], "entries[0].id", "string"),
        ([{"id": "p1", "version": -1}], "entries[0].version", ">= 0"),
        ([{"id": "p1", "version": 2**63}], "entries[0].version", "<= "),
        ([{"id": "p1", "version": 1, "extra": 1}], "entries[0].extra", "unknown field"),
        ([], "entries", "at least one"),
        ([{"id": f"e{i}", "version": 0} for i in range(1001)], "entries", "at most 1000"),
    ],
)
def test_a_decision_body_out_of_bounds_is_a_422_naming_the_field(
    world: ApiWorld, entries: list[Any], field: str, words: str
) -> None:
    """Finding 7: the decision body's bounds (the ids' types, versions, how many entries) are the
    server's, each refused with the field it concerns."""
    document = problem_of(decide(world, {"action": "APPROVE", "entries": entries}), 422)
    assert [e["field"] for e in document["errors"]] == [field], document
    assert words in document["errors"][0]["detail"]


@pytest.mark.parametrize("reason", ["\ud800", "no\udc00 way", "a" * 2001])
def test_a_reason_no_database_can_store_is_a_422(world: ApiWorld, reason: str) -> None:
    """Finding 7: the text beside the ids, the reason, with a lone surrogate (or too long) is
    refused as ``reason``: it used to reach the database and answer 500."""
    body = {"action": "REJECT", "entries": [{"id": "p2", "version": 1}], "reason": reason}
    document = problem_of(decide(world, body), 422)
    assert [e["field"] for e in document["errors"]] == ["reason"], document
    assert world.service.approvals.history("p2") == ()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("project=p%00", "project"),
        ("employee=%ED%A0%80", "employee"),
        ("project=web&employee=" + "x" * 201, "employee"),
        ("after=AAAA", "after"),
        ("limit=0", "limit"),
    ],
)
@pytest.mark.parametrize("route", ["hours", "approvals", "hours/totals"])
def test_a_bad_id_in_the_query_is_a_400_naming_the_parameter(
    world: ApiWorld, query: str, field: str, route: str
) -> None:
    """Finding 7: ids in query parameters follow the same rule and answer 400 with the
    parameter as the field."""
    if route == "hours/totals" and field in ("after", "limit"):
        return
    document = problem_of(world.browser.get(f"/api/portals/{PORTAL}/{route}?{query}"), 400)
    assert [e["field"] for e in document["errors"]] == [field], document


def test_good_ids_still_decide(world: ApiWorld) -> None:
    """Finding 7: the rule refuses only what is not an id: a good decision is applied."""
    body = {"action": "APPROVE", "entries": [{"id": "p3", "version": 1}]}
    result = decide(world, body)
    assert result.status == 200, result.text
    assert result.json()["outcomes"][0]["outcome"] == "APPLIED"
