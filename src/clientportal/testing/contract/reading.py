"""Reading a source back, and what the pure filter says it should have returned.

:func:`all_entries` and :func:`effective_dataset` are for a host's own tests too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from operator import attrgetter
from typing import Any, TypeVar

from attrs import evolve

from ...model import ApprovalPolicy, ApprovalState, Dataset, Portal, TimeEntry
from ...ports import DataSource, EntryCursor, EntryPage, EntryQuery
from ...visibility import Scope, portal_view

__all__ = ["all_entries", "effective_dataset", "filed_dataset"]

_R = TypeVar("_R")


def all_entries(
    source: DataSource, scope: Scope, query: EntryQuery | None = None
) -> list[TimeEntry]:
    """Every entry ``source`` returns for ``scope`` and ``query``, walking page after page.

    Fails the test when a page is longer than the limit, a cursor is not the page's last entry,
    or the pages never end.
    """
    query = query or EntryQuery()
    found: list[TimeEntry] = []
    for _ in range(100_000):
        page = source.entries(scope, query)
        assert isinstance(page, EntryPage), f"entries() must return an EntryPage, got {page!r}"
        assert len(page.entries) <= query.limit, (
            f"a page holds {len(page.entries)} entries, more than the limit {query.limit}"
        )
        found.extend(page.entries)
        if page.next is None:
            return found
        assert page.entries, "a page with a next cursor must not be empty"
        assert page.next != query.after, (
            f"the next cursor {page.next!r} is the one the page was asked from: it never moves on"
        )
        last = page.entries[-1]
        assert page.next == EntryCursor(last.date, last.id), (
            f"the next cursor {page.next!r} is not the page's last entry ({last.date}, {last.id})"
        )
        query = evolve(query, after=page.next)
    raise AssertionError("the pages never ended (a cursor that does not move on?)")


def effective_dataset(dataset: Dataset, states: dict[str, ApprovalState]) -> Dataset:
    """``dataset`` with each entry's approval state replaced by ``states`` where it has one."""
    return evolve(
        dataset,
        entries=tuple(
            evolve(e, approval=states[e.id]) if e.id in states else e for e in dataset.entries
        ),
    )


def filed_dataset(dataset: Dataset, files: Collection[tuple[str, str]] = ()) -> Dataset:
    """``dataset`` with each invoice and quote saying whether it has a file as a source that
    holds ``files`` (``(kind, document id)``, kind "invoice" or "quote") says it: what the pure
    filter must be given to show what such a source shows."""
    return evolve(
        dataset,
        invoices=tuple(evolve(d, has_file=("invoice", d.id) in files) for d in dataset.invoices),
        quotes=tuple(evolve(d, has_file=("quote", d.id) in files) for d in dataset.quotes),
    )


def _order_key(entry: TimeEntry) -> tuple[int, str]:
    """Where an entry stands in the order pages come in: date desc, id asc."""
    return (-entry.date.toordinal(), entry.id)


def _shown(entry: TimeEntry) -> tuple[Any, ...]:
    """What of an entry can reach a client (internal fields aside)."""
    return (
        entry.id,
        entry.project_id,
        entry.employee_id,
        entry.date,
        entry.seconds,
        entry.description,
        entry.task,
        entry.billable,
        entry.rate,
        entry.approval,
    )


def _by_id(records: Iterable[_R]) -> list[_R]:
    """``records`` (each with an ``id``) ordered by id, to compare what comes in any order."""
    return sorted(records, key=attrgetter("id"))


def _visible_projects(dataset: Dataset, scope: Scope) -> frozenset[str]:
    """The ids of ``dataset``'s projects that ``scope`` shows."""
    return frozenset(p.id for p in dataset.projects if scope.shows_project(p))


def _expected_ids(
    portal: Portal, dataset: Dataset, policy: ApprovalPolicy | None, query: EntryQuery
) -> list[str]:
    """The ids of the entries the pure filter shows on ``portal`` that match ``query``'s filters
    (its cursor and limit aside), in page order."""
    by_id = {e.id: e for e in dataset.entries}
    return [
        e.id for e in portal_view(portal, dataset, policy).entries if query.matches(by_id[e.id])
    ]
