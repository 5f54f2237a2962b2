"""The parts of a date range (:func:`clientportal.sql.ranges.plan`) add up to its entries."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import example, given
from hypothesis import strategies as st

from clientportal.sql.ranges import Part, plan

BASE = dt.date(2026, 1, 1)
days = st.integers(0, 60).map(lambda n: BASE + dt.timedelta(days=n))
entries = st.lists(st.tuples(days, st.sampled_from("abcdef")), unique=True, max_size=40)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def in_part(part: Part, day: dt.date, entry_id: str, cursor: tuple[dt.date, str] | None) -> bool:
    if part.kind == "all":
        return True
    if part.kind == "weeks":
        week = monday(day)
        assert part.first is not None
        assert part.first.weekday() == 0
        return week >= part.first and (part.last is None or week <= part.last)
    assert part.first is not None
    assert part.last is not None
    if not part.first <= day <= part.last:
        return False
    if part.after:
        assert cursor is not None
        return day < cursor[0] or (day == cursor[0] and entry_id > cursor[1])
    return True


def matches(
    day: dt.date,
    entry_id: str,
    lo: dt.date | None,
    hi: dt.date | None,
    cursor: tuple[dt.date, str] | None,
) -> bool:
    return (
        (lo is None or day >= lo)
        and (hi is None or day <= hi)
        and (cursor is None or day < cursor[0] or (day == cursor[0] and entry_id > cursor[1]))
    )


@given(
    entries,
    st.none() | days,
    st.none() | days,
    st.none() | st.tuples(days, st.sampled_from("abcdef")),
)
@example([(BASE, "a")], None, None, None)
def test_the_parts_add_up_to_the_entries_of_the_range(
    found: list[tuple[dt.date, str]],
    lo: dt.date | None,
    hi: dt.date | None,
    cursor: tuple[dt.date, str] | None,
) -> None:
    parts = plan(lo, hi, None if cursor is None else cursor[0])
    counted: Counter[tuple[dt.date, str]] = Counter()
    for part in parts:
        for day, entry_id in found:
            if in_part(part, day, entry_id, cursor):
                counted[(day, entry_id)] += part.sign
    expected = Counter(e for e in found if matches(*e, lo, hi, cursor))
    assert +counted == expected
    assert -counted == Counter()


@given(st.none() | days, st.none() | days, st.none() | days)
def test_entry_parts_span_less_than_two_weeks(
    lo: dt.date | None, hi: dt.date | None, cursor: dt.date | None
) -> None:
    for part in plan(lo, hi, cursor):
        if part.kind == "entries":
            assert part.first is not None
            assert part.last is not None
            assert (part.last - part.first).days < 14


def test_the_ends_of_the_calendar_are_read_from_the_entries() -> None:
    near_the_end = dt.date.max - dt.timedelta(days=2)  # its next Monday is past the calendar
    assert plan(near_the_end, None, None) == [Part(1, "entries", near_the_end, None)]
    assert plan(None, dt.date.max, None) == [Part(1, "all")]
    assert plan(dt.date.min, dt.date.min, None) == [Part(1, "entries", dt.date.min, dt.date.min)]
