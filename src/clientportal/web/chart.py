"""The geometry of the overview's "hours per week" bar chart, drawn as inline SVG by a template.

Everything is computed here as plain numbers (SVG attributes, no inline style), so the chart
needs no script and passes a Content-Security-Policy without ``'unsafe-inline'``. The drawing
scales with the page, so the stylesheet sizes its labels per width of the chart's box and shows
every second week's label on a desktop, every third on a phone (:attr:`Bar.weeks_back` says
which); the bars' titles and a hidden table name every week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from attrs import frozen

__all__ = ["Bar", "Gridline", "WeekChart", "monday", "week_chart"]

_WIDTH = 720
_HEIGHT = 220
_LEFT = 50
#: Room right of the newest bar, so its (centred) label is not cut off.
_RIGHT = 28
_BOTTOM = 34
_TOP = 12


def monday(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


@frozen
class Bar:
    """One week's bar: its Monday, its seconds, where it is drawn, and how many weeks it lies
    before the newest (0 for the newest, whose label is always shown)."""

    week: dt.date
    seconds: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    weeks_back: int


@frozen
class Gridline:
    """A horizontal line of the chart at ``y``, labelled ``hours``."""

    y: float
    hours: int


@frozen
class WeekChart:
    """Bars for consecutive weeks (oldest first), the gridlines, and the drawing's size."""

    bars: tuple[Bar, ...]
    gridlines: tuple[Gridline, ...]
    width: int
    height: int
    baseline: float
    left: int
    total_seconds: int


def _step(max_hours: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if max_hours / step <= 4:
            return step
    return 10_000


def week_chart(weeks: Mapping[dt.date, int], *, last_week: dt.date, count: int = 12) -> WeekChart:
    """The chart of ``count`` weeks ending with the week of ``last_week`` (missing weeks are 0)."""
    end = monday(last_week)
    mondays = [end - dt.timedelta(weeks=count - 1 - i) for i in range(count)]
    values = [max(0, weeks.get(m, 0)) for m in mondays]
    max_hours = max(values, default=0) / 3600
    step = _step(max_hours) if max_hours > 0 else 1
    top_hours = max(step, -(-max_hours // step) * step)
    plot_height = _HEIGHT - _BOTTOM - _TOP
    baseline = float(_HEIGHT - _BOTTOM)
    slot = (_WIDTH - _LEFT - _RIGHT) / count
    bar_width = round(slot * 0.7, 2)
    bars = []
    for index, (week, seconds) in enumerate(zip(mondays, values, strict=True)):
        height = round(plot_height * (seconds / 3600) / top_hours, 2)
        x = round(_LEFT + index * slot + (slot - bar_width) / 2, 2)
        bars.append(
            Bar(
                week=week,
                seconds=seconds,
                x=x,
                y=round(baseline - height, 2),
                width=bar_width,
                height=height,
                label_x=round(x + bar_width / 2, 2),
                weeks_back=count - 1 - index,
            )
        )
    gridlines = tuple(
        Gridline(y=round(baseline - plot_height * hours / top_hours, 2), hours=int(hours))
        for hours in range(0, int(top_hours) + 1, step)
    )
    return WeekChart(
        bars=tuple(bars),
        gridlines=gridlines,
        width=_WIDTH,
        height=_HEIGHT,
        baseline=baseline,
        left=_LEFT,
        total_seconds=sum(values),
    )
