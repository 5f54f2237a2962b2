"""The web layer's small pure parts: page cursors, the chart's geometry, budget bars."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientportal import BudgetType
from clientportal.ports import EntryCursor
from clientportal.testing.strategies import ids
from clientportal.visibility import PortalBudget
from clientportal.web.chart import monday, week_chart
from clientportal.web.paging import page_count, page_number, paging
from clientportal.web.params import (
    MAX_TRAIL,
    decode_cursor,
    decode_trail,
    encode_cursor,
    encode_trail,
)
from clientportal.web.problems import BadRequest
from clientportal.web.views import budget_bar


@given(date=st.dates(), entry_id=ids())
def test_page_cursors_round_trip_for_every_id_the_model_accepts(
    date: dt.date, entry_id: str
) -> None:
    cursor = EntryCursor(date, entry_id)
    text = encode_cursor(cursor)
    assert text.isascii()
    assert "=" not in text
    assert decode_cursor(text) == cursor


@given(
    st.text(max_size=60).filter(
        lambda t: not t.isascii() or not t.replace("-", "").replace("_", "").isalnum()
    )
)
def test_anything_that_is_not_url_safe_is_a_clear_400(text: str) -> None:
    with pytest.raises(BadRequest, match="is not a page cursor"):
        decode_cursor(text)


@given(st.binary(max_size=60))
def test_decoded_garbage_is_a_clear_400_or_a_cursor(raw: bytes) -> None:
    text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    if not text:
        return
    try:
        cursor = decode_cursor(text)
    except BadRequest as problem:
        message = problem.message
    else:
        message = ""
        assert encode_cursor(cursor) == text
    assert message == "" or "is not a page cursor" in message


@given(st.lists(st.tuples(st.dates(), ids()), max_size=30))
def test_page_trails_round_trip_for_every_id_keeping_the_latest_pages(
    pairs: list[tuple[dt.date, str]],
) -> None:
    cursors = [EntryCursor(date, entry_id) for date, entry_id in pairs]
    if not cursors:
        return
    text = encode_trail(cursors)
    assert text.isascii()
    assert "=" not in text
    assert decode_trail(text) == tuple(cursors[-MAX_TRAIL:])


def test_a_trail_of_twenty_pages_is_short_enough_for_any_url() -> None:
    cursors = [
        EntryCursor(dt.date(2026, 3, 1) - dt.timedelta(days=n), f"e{n:07d}") for n in range(25)
    ]
    assert len(encode_trail(cursors)) < 300


@given(st.binary(max_size=200))
def test_a_spoiled_trail_is_a_clear_400_or_a_trail(raw: bytes) -> None:
    text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode() or "x"
    try:
        trail = decode_trail(text)
    except BadRequest as problem:
        message, keys = problem.message, [p.key for p in problem.problems]
    else:
        message, keys = "", ["page_link_invalid"]
        assert decode_trail(encode_trail(trail)) == trail
    assert message == "" or "is not a page cursor" in message
    assert keys == ["page_link_invalid"]


@pytest.mark.parametrize(
    ("total", "remaining", "size", "page"),
    [(0, 0, 5, 1), (29, 29, 5, 1), (29, 24, 5, 2), (29, 4, 5, 6), (29, 1, 5, 6), (10, 0, 5, 2)],
)
def test_the_page_number_is_counted_from_the_entries_before_it(
    total: int, remaining: int, size: int, page: int
) -> None:
    assert page_number(total, remaining, size) == page
    assert page_number(total, remaining, size) <= page_count(total, size)


def test_paging_links_first_previous_and_next() -> None:
    def url(items: object) -> str:
        return repr(list(items))  # type: ignore[call-overload]

    day = dt.date(2026, 3, 1)
    c2, c3, c4 = (EntryCursor(day, f"e{n}") for n in (2, 3, 4))
    first = paging(
        url, [("employee", "eva")], after=None, trail=(), next_cursor=c2, page=1, pages=4
    )
    assert (first.first_url, first.previous_url) == (None, None)
    assert first.next_url == url([("employee", "eva"), ("after", encode_cursor(c2))])
    second = paging(url, [], after=c2, trail=(), next_cursor=c3, page=2, pages=4)
    assert second.previous_url == second.first_url == url([])
    assert second.next_url == url([("after", encode_cursor(c3)), ("back", encode_trail([c2]))])
    third = paging(url, [], after=c3, trail=(c2,), next_cursor=c4, page=3, pages=4)
    assert third.previous_url == url([("after", encode_cursor(c2))])
    assert third.next_url == url([("after", encode_cursor(c4)), ("back", encode_trail([c2, c3]))])
    # Beyond the trail (its oldest cursors dropped), only "First" leads back.
    far = paging(url, [], after=c4, trail=(), next_cursor=None, page=30, pages=30)
    assert far.previous_url is None
    assert far.first_url == url([])
    assert far.next_url is None


def test_week_chart_draws_every_week_with_the_tallest_bar_at_the_top() -> None:
    weeks = {dt.date(2026, 3, 16): 43200, dt.date(2026, 3, 2): 1800}
    chart = week_chart(weeks, last_week=dt.date(2026, 3, 20), count=4)
    assert [b.week for b in chart.bars] == [
        dt.date(2026, 2, 23),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 16),
    ]
    assert [b.seconds for b in chart.bars] == [0, 1800, 0, 43200]
    tallest = chart.bars[-1]
    # 12 hours on a scale of 0, 5, 10, 15: the bar is 12/15 of the plot's height.
    assert [g.hours for g in chart.gridlines] == [0, 5, 10, 15]
    plot = chart.baseline - chart.gridlines[-1].y
    assert tallest.height == pytest.approx(plot * 12 / 15)
    assert tallest.y + tallest.height == chart.baseline
    assert chart.bars[0].height == 0
    assert all(b.x + b.width <= chart.width for b in chart.bars)
    assert chart.total_seconds == 45000
    # The labels thin out from the newest week, which is always labelled.
    assert [b.weeks_back for b in chart.bars] == [3, 2, 1, 0]


def test_an_empty_chart_has_a_scale_and_flat_bars() -> None:
    chart = week_chart({}, last_week=dt.date(2026, 1, 1))
    assert len(chart.bars) == 12
    assert {b.height for b in chart.bars} == {0}
    assert [g.hours for g in chart.gridlines] == [0, 1]
    assert monday(dt.date(2026, 1, 4)) == dt.date(2025, 12, 29)


def _budget(amount: str, used: str) -> PortalBudget:
    return PortalBudget(
        "b", "p", BudgetType.TOTAL_HOURS, Decimal(amount), Decimal(used), None, None, None
    )


@pytest.mark.parametrize(
    ("amount", "used", "percent", "bar", "over"),
    [
        ("100", "25", 25, 25, False),
        ("100", "100", 100, 100, False),
        ("100", "250", 250, 100, True),
        ("0", "0", 0, 0, False),
        ("0", "1", 100, 100, True),
    ],
)
def test_budget_bars(amount: str, used: str, percent: int, bar: int, over: bool) -> None:
    drawn = budget_bar(_budget(amount, used))
    assert (drawn.percent, drawn.bar_percent, drawn.over) == (percent, bar, over)
