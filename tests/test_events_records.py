"""The event records (clientportal.ports.events): refused when malformed, with what to do, and
their data a read-only JSON copy."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from clientportal.model import ItemKind
from clientportal.ports import NewEvent, WebhookEndpoint, decision_type, event_body
from clientportal.workflow import Action

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("type", ["Entries.Approved", "approved", "entries..x", "entries.", ""])
def test_a_type_must_be_dotted_lower_case_words(type: str) -> None:
    with pytest.raises(ValueError, match="dotted lower case words"):
        NewEvent(type=type, occurred_at=T0)


def test_data_must_be_json_and_is_copied_read_only() -> None:
    with pytest.raises(ValueError, match="data must be JSON-able"):
        NewEvent(type="portal.updated", occurred_at=T0, data={"at": T0})
    with pytest.raises(ValueError, match="data must be JSON-able"):
        NewEvent(type="portal.updated", occurred_at=T0, data={"x": float("nan")})
    given = {"items": [1, 2]}
    event = NewEvent(type="portal.updated", occurred_at=T0, data=given)
    given["items"].append(3)
    assert event.data == {"items": [1, 2]}
    with pytest.raises(TypeError):
        event.data["items"] = []  # type: ignore[index]


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        NewEvent(type="portal.updated", occurred_at=T0.replace(tzinfo=None))


def test_decision_types_name_the_kind_and_the_step() -> None:
    assert decision_type(ItemKind.ENTRY, Action.APPROVE) == "entries.approved"
    assert decision_type(ItemKind.TRIP, Action.SUBMIT_TO_CLIENT) == "trips.submitted_to_client"
    assert decision_type(ItemKind.EXPENSE, Action.REOPEN) == "expenses.reopened"


def test_the_body_is_the_events_json_with_sorted_keys() -> None:
    event = NewEvent(type="link.opened", occurred_at=T0, portal_id="p1", data={"b": 1, "a": 2})
    body = event_body(event.stored("42"))
    assert json.loads(body) == {
        "id": "42",
        "type": "link.opened",
        "occurred_at": "2026-03-02T09:00:00+00:00",
        "portal_id": "p1",
        "client_id": None,
        "data": {"a": 2, "b": 1},
    }
    assert body.index(b'"a"') < body.index(b'"b"')


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/hook", "https://"])
def test_a_webhook_url_must_be_http_with_a_host(url: str) -> None:
    with pytest.raises(ValueError, match="must be an http:// or https:// URL with a host"):
        WebhookEndpoint(id="h1", url=url, secret="s", created_at=T0)
