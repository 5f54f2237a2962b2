"""What a period sign-off approves: everything awaiting the client, dated in the period, that
their portal shows (hours, expenses, trips), each at the version it is read at -- and only when
that is what the contact was shown (:class:`PeriodChanged` otherwise)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from ..errors import WorkflowError
from ..model import ApprovalStatus, ItemKind, ItemRef, Portal
from ..ports import MAX_PAGE_SIZE, DataSource, EntryQuery
from .costs_reading import CostReader
from .reading import PortalReader

__all__ = ["PeriodChanged", "awaiting_in_period", "period_digest"]


class PeriodChanged(WorkflowError):
    """What awaits the client in a period is no longer what they were shown (items were added,
    changed or decided since): nothing is approved; show them the period again."""


def awaiting_in_period(
    data: DataSource,
    reader: PortalReader,
    portal: Portal,
    *,
    start: dt.date,
    end: dt.date,
) -> dict[ItemRef, int]:
    """The items ``portal`` shows that await its client's approval and are dated from ``start``
    to ``end``, with their versions, a page at a time (hours first, then expenses, then trips,
    each newest first). Raises :class:`ValueError` when ``end`` is before ``start``."""
    query = EntryQuery(
        date_from=start,
        date_to=end,
        statuses=frozenset({ApprovalStatus.PENDING_EXTERNAL}),
        limit=MAX_PAGE_SIZE,
    )
    projects = reader.projects(portal)
    found = {
        ItemRef(ItemKind.ENTRY, e.id): e.version
        for e in reader.iter_entries(portal, query, projects)
    }
    costs = CostReader(data, reader)
    for kind in (ItemKind.EXPENSE, ItemKind.TRIP):
        for item in costs.iter_items(portal, kind, query, projects):
            found[ItemRef(kind, item.id)] = item.version
    return found


def period_digest(items: Mapping[ItemRef, int]) -> str:
    """The SHA-256 (hex) of ``items`` at their versions, whatever their order: what a sign-off
    page shows is what this digest names, and a sign-off of that page goes through only while
    what awaits still has it."""
    lines = sorted(f"{ref.kind.value}\t{ref.id}\t{version}" for ref, version in items.items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
