"""``ResponseHeaders.replace``: several ``set`` calls in one pass, with the same result and the same
checks (the security headers of every response are put on with it)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientportal.web.http import Response, ResponseHeaders
from clientportal.web.security import secure_headers

NAMES = st.sampled_from(["Cache-Control", "cache-control", "Pragma", "X-A", "Set-Cookie", "CSP"])
PAIRS = st.lists(st.tuples(NAMES, st.sampled_from(["1", "2", "no-store", "a=b"])), max_size=8)


@given(before=PAIRS, pairs=PAIRS)
def test_replace_drops_the_names_then_appends_the_pairs(
    before: list[tuple[str, str]], pairs: list[tuple[str, str]]
) -> None:
    names = {name.lower() for name, _ in pairs}
    replaced = ResponseHeaders(before)
    replaced.replace(pairs)
    assert replaced.items() == [p for p in before if p[0].lower() not in names] + pairs


@given(before=PAIRS, pairs=PAIRS)
def test_replace_is_set_of_each_pair_in_turn_when_the_names_differ(
    before: list[tuple[str, str]], pairs: list[tuple[str, str]]
) -> None:
    unique = list({name.lower(): (name, value) for name, value in pairs}.values())
    one_by_one = ResponseHeaders(before)
    for name, value in unique:
        one_by_one.set(name, value)
    replaced = ResponseHeaders(before)
    replaced.replace(unique)
    assert replaced.items() == one_by_one.items()


def test_replace_checks_every_pair_before_changing_anything() -> None:
    headers = ResponseHeaders([("X-A", "1")])
    with pytest.raises(ValueError, match="CR, LF"):
        headers.replace([("X-A", "2"), ("X-B", "evil\r\nSet-Cookie: a=b")])
    assert headers.items() == [("X-A", "1")]


@pytest.mark.parametrize("cacheable", [False, True])
def test_the_security_headers_replace_what_a_view_set(cacheable: bool) -> None:
    response = Response(
        headers=[
            ("Content-Type", "text/html"),
            ("X-Frame-Options", "SAMEORIGIN"),
            ("Cache-Control", "public, max-age=60"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ]
    )
    secure_headers(response, "default-src 'none'", cacheable=cacheable)
    headers = response.headers
    assert headers.get_all("X-Frame-Options") == ["DENY"]
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers.get_all("Content-Security-Policy") == ["default-src 'none'"]
    if cacheable:  # a view's own Cache-Control stays on a cacheable answer
        assert headers.get_all("Cache-Control") == ["public, max-age=60"]
        assert "Pragma" not in headers
    else:
        assert headers.get_all("Cache-Control") == ["no-store"]
        assert headers.get_all("Pragma") == ["no-cache"]
    assert headers.items()[0] == ("Content-Type", "text/html")
