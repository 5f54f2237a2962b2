"""Bad input answers 400 with a clear message, never 500: malformed ids, dates, statuses,
cursors, forms, JSON and oversized bodies, and (by hypothesis) anything at all."""

from __future__ import annotations

import base64
from html import unescape
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webtools import Result, WsgiClient, csrf_of, open_portal

from clientportal.web import PortalApp, make_wsgi_app
from worlds import WebWorld, web_world

#: The page's words when the address or a form cannot be read (no field to point at).
UNREADABLE = "Something in the address or the form could not be read. Go back and try again."


@pytest.mark.parametrize(
    ("url", "message", "visitor"),
    [
        ("/portal/acme-en/hours?from=2026-02-30", "is not a real date", "Enter a valid date."),
        ("/portal/acme-en/hours?from=yesterday", "is not a date: use YYYY-MM-DD",
         "Enter a valid date."),
        ("/portal/acme-en/hours?to=20260101", "is not a date", "Enter a valid date."),
        ("/portal/acme-en/hours?from=2026-03-02&to=2026-03-01", "swap them",
         "The start date is after the end date."),
        ("/portal/acme-en/hours?status=FOO", "is not a status; use one of OPEN",
         "Choose a status from the list."),
        ("/portal/acme-en/hours?after=!!!", "is not a page cursor",
         "This page link no longer works. Start again from the first page."),
        ("/portal/acme-en/hours?after=" + "A" * 500, "is not a page cursor",
         "This page link no longer works."),
        ("/portal/acme-en/hours?after=" + base64.urlsafe_b64encode(b"garbage").decode(),
         "is not a page cursor", "This page link no longer works."),
        ("/portal/acme-en/hours?after=" + base64.urlsafe_b64encode(b"2026-01-01\n ").decode(),
         "is not a page cursor", "This page link no longer works."),
        ("/portal/acme-en/hours?employee=%20eva", "is not an id",
         "Choose an employee from the list."),
        ("/portal/acme-en/hours?project=" + "p" * 300, "is not an id",
         "Choose a project from the list."),
        ("/portal/acme-en/hours?project=a%00b", "is not an id", "Choose a project from the list."),
        ("/portal/%20acme-en/hours", "portal id", UNREADABLE),
        ("/portal/acme%01en", "portal id", UNREADABLE),
        ("/portal/acme-en/invoices/%20i1", "document id", UNREADABLE),
        ("/portal/acme-en/hours?" + "&".join(f"k{i}=v" for i in range(500)), "too many",
         UNREADABLE),
    ],
)  # fmt: skip
def test_malformed_query_and_path_values_answer_400_in_words_for_people(
    world: WebWorld, client: WsgiClient, url: str, message: str, visitor: str
) -> None:
    """The page says what to do in the portal's language; the developer's text (which names the
    parameter) is for the JSON API, never on the page."""
    open_portal(client, world)
    result = client.get(url)
    assert result.status == 400, result.text
    page = unescape(result.text)
    assert visitor in page
    assert message not in page
    api_url = url.replace("/portal/", "/api/portals/", 1)
    if "/invoices/" in api_url:
        api_url += "/file"
    api = client.get(api_url)
    assert api.status == 400, api_url
    assert message in api.json()["detail"]
    assert api.json()["code"] == "bad_request"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/portals/acme-en/hours?limit=0", "limit: must be from 1 to 1000"),
        ("/api/portals/acme-en/hours?limit=5000", "limit: must be from 1 to 1000"),
        ("/api/portals/acme-en/hours?limit=ten", "is not a whole number"),
        ("/api/portals/acme-en/approvals?from=1.1.2026", "is not a date"),
    ],
)
def test_malformed_api_values_answer_400_naming_the_parameter(
    world: WebWorld, client: WsgiClient, url: str, message: str
) -> None:
    open_portal(client, world)
    result = client.get(url)
    assert result.status == 400
    assert message in result.json()["detail"]
    assert result.json()["code"] == "bad_request"


def test_several_bad_filters_are_each_named_in_the_api(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    body = client.get("/api/portals/acme-en/hours?from=x&status=FOO").json()
    assert [error["field"] for error in body["errors"]] == ["from", "status"]


def _approvals_post(client: WsgiClient, **kw: object) -> object:
    page = client.get("/portal/acme-en/approvals")
    data = [("csrf_token", csrf_of(page)), *kw.pop("data", [])]  # type: ignore[misc]
    return client.post("/portal/acme-en/approvals", data=data, **kw)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([("action", "approve"), ("entry", "p1")], "is not '<version>:<entry id>'"),
        ([("action", "approve"), ("entry", "1:")], "is not '<version>:<entry id>'"),
        ([("action", "approve"), ("entry", "1: p1")], "is not an id"),
        ([("action", "delete"), ("entry", "1:p1")], "action: must be 'approve' or 'reject'"),
        ([("one", "maybe:1:p1")], "action: must be 'approve' or 'reject'"),
    ],
)  # fmt: skip
def test_malformed_decision_forms_answer_400(
    world: WebWorld, client: WsgiClient, data: list[tuple[str, str]], message: str
) -> None:
    open_portal(client, world)
    result = _approvals_post(client, data=data)
    page = unescape(result.text)  # type: ignore[attr-defined]
    if message.startswith("The reason"):  # a text for people, on the approvals page it leads to
        if result.status == 303:  # type: ignore[attr-defined]
            page = unescape(client.get(result.location).text)  # type: ignore[attr-defined]
        assert message in page
    else:  # a form no page sends: the page says so in words, the developer's text stays out
        assert result.status == 400  # type: ignore[attr-defined]
        assert UNREADABLE in page
        assert message not in page
    assert not world.store.history("p1")


def test_forms_that_are_not_forms_answer_400(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    bad_utf8 = client.post(
        "/portal/acme-en/approvals",
        body=b"csrf_token=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad_utf8.status == 400
    multipart = client.post(
        "/portal/acme-en/approvals",
        body=b"--x--",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert multipart.status == 400
    assert UNREADABLE in multipart.text


def test_oversized_bodies_answer_413_without_being_read(world: WebWorld) -> None:
    app = PortalApp(world.service, max_body=4096)
    client = WsgiClient(make_wsgi_app(app))
    page = open_portal(client, world)
    huge = [("csrf_token", csrf_of(page)), ("action", "approve")] + [
        ("entry", f"1:p{i}") for i in range(1000)
    ]
    result = client.post("/portal/acme-en/approvals", data=huge)
    assert result.status == 413
    assert UNREADABLE in result.text
    api = client.post(
        "/api/portals/acme-en/approvals",
        body=b"{" + b" " * 5000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert api.status == 413
    assert api.json()["detail"] == "the request body is larger than 4096 bytes"
    lying = client.post("/portal/acme-en/approvals", body=b"x", content_length="999999999")
    assert lying.status == 413
    assert not world.store.history("p1")


def _api_decide(
    client: WsgiClient,
    payload: dict[str, object],
    content_type: str | None = None,
) -> Result:
    token = client.get("/api/portals/acme-en/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    if content_type is not None:
        headers["Content-Type"] = content_type
    url = "/api/portals/acme-en/approvals"
    if "json" in payload:
        return client.post(url, json=payload["json"], headers=headers)
    return client.post(url, body=payload["body"], headers=headers)


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"json": {"action": "APPROVE", "entries": [{"id": "p1", "version": "1"}]}},
         ["entries[0].version: must be an integer, got str '1'"]),
        ({"json": {"action": "MAYBE", "entries": []}},
         ["action: must be one of APPROVE, REJECT"]),
        ({"json": {"action": "APPROVE", "entries": [], "extra": 1}}, ["extra: unknown field"]),
        ({"json": ["APPROVE"]}, [": must be an object"]),
        ({"json": {"action": "APPROVE", "entries": []}}, ["entries: must name at least one"]),
        ({"json": {"action": "REJECT", "entries": [{"id": "p1", "version": 1}]}},
         ["reason: REJECT needs a reason"]),
        ({"json": {"action": "APPROVE", "entries": [{"id": " p1", "version": 1}]}},
         ["entries[0].id: must be a non-empty id without surrounding spaces"]),
        # the same limit as the page's form: one rule (workflow.check_reason) for both
        ({"json": {"action": "REJECT", "entries": [{"id": "p1", "version": 1}],
                   "reason": "x" * 60_000}},
         ["reason: at most 2000 characters, got 60000"]),
    ],
)  # fmt: skip
def test_bad_api_bodies_answer_422_with_every_problem(
    world: WebWorld, client: WsgiClient, payload: dict[str, object], errors: list[str]
) -> None:
    open_portal(client, world)
    result = _api_decide(client, payload)
    assert result.status == 422
    body = result.json()
    assert body["code"] == "invalid_body"
    lines = [f"{error['field']}: {error['detail']}" for error in body["errors"]]
    for expected in errors:
        assert any(expected in line for line in lines), body


def test_api_bodies_must_be_json(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    for body, content_type in (
        (b"{not json", "application/json"),
        (b"\xff", "application/json"),
        (b"[" * 100_00 + b"]" * 100_00, "application/json"),
        (b'{"action": "APPROVE"}', "text/plain"),
    ):
        result = _api_decide(client, {"body": body}, content_type)
        assert result.status == (415 if content_type == "text/plain" else 400), body[:20]
        assert "JSON" in result.json()["detail"]


# --------------------------------------------------------------------------------------------------
# Anything at all: never a 500


_WORLD = web_world()
_APP = make_wsgi_app(_WORLD.service, max_body=2048)
_SESSION = WsgiClient(_APP)
_PAGE = open_portal(_SESSION, _WORLD)
_CSRF = csrf_of(_PAGE)

_segments = st.one_of(
    st.sampled_from(
        ["portal", "acme-en", "acme-nl", "api", "portals", "hours", "hours.csv", "invoices",
         "quotes", "i1", "q1", "file", "approvals", "code", "send", "sign-out", "session",
         "totals", "static", "portal.css", "theme.css", "openapi.json", "l", "open", ""]
    ),
    st.text(min_size=1, max_size=12),
)  # fmt: skip
_values = st.one_of(
    st.sampled_from(["", "eva", "p1", "1:p1", "approve", "reject", "2026-03-01", "OPEN", "1"]),
    st.text(max_size=20),
)
_names = st.sampled_from(
    ["project", "employee", "from", "to", "status", "after", "limit", "action", "entry", "all",
     "shown", "one", "reason", "code", "csrf_token", "v", "sent"]
)  # fmt: skip


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]),
    segments=st.lists(_segments, max_size=6),
    query=st.lists(st.tuples(_names, _values), max_size=6),
    form=st.lists(st.tuples(_names, _values), max_size=6),
    raw=st.one_of(st.none(), st.binary(max_size=3000)),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]
    ),
    with_csrf=st.booleans(),
)
def test_no_input_ever_answers_500(
    method: str,
    segments: list[str],
    query: list[tuple[str, str]],
    form: list[tuple[str, str]],
    raw: bytes | None,
    content_type: str,
    with_csrf: bool,
) -> None:
    path = "/" + "/".join(quote(s, safe="") for s in segments)

    url = path + ("?" + urlencode(query) if query else "")
    if with_csrf:
        form = [("csrf_token", _CSRF), *form]
    body = raw if raw is not None else urlencode(form).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    if with_csrf:
        headers["X-CSRF-Token"] = _CSRF
    result = _SESSION.request(method, url, body=body, headers=headers)
    assert result.status < 500, (method, url, result.status)
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["Referrer-Policy"] == "no-referrer"
