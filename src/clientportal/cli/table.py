"""The commands' lists: a header row and columns aligned for people (the last one as it is)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

#: What stands between two columns.
GAP = "  "


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The lines of a table: ``header`` and ``rows``, each column as wide as its widest cell,
    the last column not padded (so a long error or subject does not widen the others)."""
    lines = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        yield GAP.join([*cells, line[-1]]).rstrip()


def minutes(moment: dt.datetime) -> str:
    """A moment to the minute, in UTC: ``2026-03-01 09:30 UTC``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
