"""The small HTTP values and the router: headers, query strings, cookies, bodies, matching."""

from __future__ import annotations

import io

import pytest

from clientportal.web.http import (
    BodyTooLarge,
    Headers,
    QueryParams,
    Request,
    Response,
    read_limited,
)
from clientportal.web.routing import Match, Route, Router


def test_headers_are_case_insensitive_and_keep_repeats() -> None:
    h = Headers([("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")])
    assert h.get("content-type") == "text/html"
    assert h["CONTENT-TYPE"] == "text/html"
    assert h.get_all("SET-COOKIE") == ["a=1", "b=2"]
    assert "X-Missing" not in h
    h.set("SET-COOKIE", "c=3")
    assert h.get_all("set-cookie") == ["c=3"]
    h.setdefault("Content-Type", "text/plain")
    assert h.get("content-type") == "text/html"
    h.remove("content-type")
    assert h.get("Content-Type") is None
    assert len(h) == 1
    with pytest.raises(KeyError):
        h["nope"]


def test_query_params_decode_and_keep_order_and_blanks() -> None:
    q = QueryParams.parse("a=1&b=&a=2&c=%C3%A9+x&bad=%ZZ")
    assert q.get_all("a") == ["1", "2"]
    assert q.get("b") == ""
    assert q.get("c") == "é x"
    assert q.get("bad") == "%ZZ"
    assert "b" in q
    assert q.names() == {"a", "b", "c", "bad"}


def test_query_params_refuse_far_too_many_fields() -> None:
    with pytest.raises(ValueError, match="Max number of fields"):
        QueryParams.parse("&".join(f"k{i}=v" for i in range(1000)))


def test_request_cookies_parse_and_survive_malformed_headers() -> None:
    r = Request(method="get", headers={"Cookie": "a=1; b=two"})
    assert r.method == "GET"
    assert r.cookies == {"a": "1", "b": "two"}
    odd = Request(method="GET", headers={"Cookie": 'x=1; bad name="; y=2'})
    assert odd.cookies.get("y") == "2"
    assert Request(method="GET", headers={"Cookie": "a=" + "x" * 10_000}).cookies == {}
    assert Request(method="GET").cookies == {}


def test_request_knows_its_mount_scheme_and_body() -> None:
    r = Request(
        method="POST",
        path="/x",
        script_name="/mount/",
        scheme="HTTPS",
        headers={"Content-Type": "application/json; charset=utf-8"},
        body=b'{"a": 1}',
    )
    assert r.script_name == "/mount"
    assert r.secure
    assert r.content_type == "application/json"
    assert r.json() == {"a": 1}
    assert r.url_for("/y") == "/mount/y"
    form = Request(method="POST", body=b"a=1&a=2").form()
    assert form.get_all("a") == ["1", "2"]


def test_read_limited_stops_at_the_limit() -> None:
    assert read_limited(io.BytesIO(b"abc"), 3, 10) == b"abc"
    assert read_limited(io.BytesIO(b"abc"), None, 10) == b"abc"
    assert read_limited(io.BytesIO(b""), 0, 10) == b""
    with pytest.raises(BodyTooLarge):
        read_limited(io.BytesIO(b"x" * 11), 11, 10)
    with pytest.raises(BodyTooLarge):
        read_limited(io.BytesIO(b"x" * 11), None, 10)


def test_response_cookies_redirects_and_bodies() -> None:
    r = Response.redirect("/next")
    assert r.status == 303
    assert r.status_line == "303 See Other"
    assert r.headers["Location"] == "/next"
    r.set_cookie("s", "v", path="/p", max_age=60, secure=True)
    r.delete_cookie("old", path="/p")
    assert r.headers.get_all("Set-Cookie") == [
        "__Secure-s=v; Path=/p; Max-Age=60; Secure; HttpOnly; SameSite=Lax",
        "old=; Path=/p; Max-Age=0; HttpOnly; SameSite=Lax",
    ]
    assert not r.streaming
    assert list(Response(body="é").iter_body()) == ["é".encode()]
    streamed = Response(body=iter([b"a", b"", b"b"]))
    assert streamed.streaming
    assert list(streamed.iter_body()) == [b"a", b"b"]
    assert Response(status=599).reason == "Unknown"
    assert Response.json({"a": "é"}).body == '{"a":"é"}'.encode()


def test_router_matches_by_method_and_reports_allowed_methods() -> None:
    router: Router[str] = Router(
        [
            Route("GET", "/p/{portal_id}", "overview", "overview"),
            Route("POST", "/p/{portal_id}/x", "post", "post"),
            Route("GET", "/p/{portal_id}/x", "get", "get"),
        ]
    )
    found = router.match("GET", "/p/abc")
    assert isinstance(found, Match)
    assert found.route.view == "overview"
    assert found.params == {"portal_id": "abc"}
    head = router.match("HEAD", "/p/abc/x")
    assert isinstance(head, Match)
    assert head.route.view == "get"
    assert router.match("DELETE", "/p/abc/x") == ["POST", "GET", "HEAD"]
    assert router.match("GET", "/p/abc/y") == []
    assert router.match("GET", "/p/a/b") == []
    # "/" (and "%") escaped once more, so it is still "%2F" after the server decodes the path
    assert router.named("get").build(portal_id="a b/c") == "/p/a%20b%252Fc/x"
    assert router.match("GET", "/p/a b%2Fc/x") == Match(router.named("get"), {"portal_id": "a b/c"})
    assert router.named("overview").params == ("portal_id",)
    with pytest.raises(ValueError, match="starts with"):
        Route("GET", "nope", "v", "n")
