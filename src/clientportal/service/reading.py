"""Reading a portal's entries through a host's DataSource, with the pure filter as the last gate.

:class:`PortalReader` asks the :class:`~clientportal.ports.DataSource` for a portal's data with the
portal's :class:`~clientportal.Scope` (so a backend can push the rules into its query) and then
filters whatever came back again with the pure rules of :mod:`clientportal.visibility`: a source
that returns too much (another client's entries, a project the portal does not show) shows nothing
more. Entries come a page at a time with a keyset cursor, so a client with a million entries costs
one page per request; :meth:`PortalReader.iter_entries` walks every page in constant memory for
exports. Totals come from one aggregate query when the source offers
:class:`~clientportal.ports.EntryTotals` (asked only about the projects the pure rules show, each
sum checked); otherwise the reader walks every page and sums it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, TypeVar

from attrs import evolve, frozen

from ..errors import DataSourceError
from ..model import ApprovalPolicy, ApprovalStatus, Portal, Project, TimeEntry
from ..ports import (
    MAX_PAGE_SIZE,
    DataSource,
    EntryCursor,
    EntryQuery,
    EntryTotals,
    EntryWeeks,
    IdOrder,
    Totals,
    id_order_of,
    unique_by_id,
)
from ..visibility import PortalEntry, Scope, visible_entries
from ..workflow import AWAITING_CLIENT
from .page_order import check_cursor, check_page, cursor_key, item_key

__all__ = ["HoursPage", "PortalReader", "remember", "remembered_projects"]

#: What was read in this context (:func:`remembered_projects`), by source, portal and what.
_REMEMBERED: ContextVar[dict[tuple[int, Portal, str], Any] | None] = ContextVar(
    "clientportal_remembered_projects", default=None
)
_T = TypeVar("_T")


@contextlib.contextmanager
def remembered_projects() -> Iterator[None]:
    """Within the block, :meth:`PortalReader.projects` asks the source about a portal's projects
    once: a page that needs them for its overview, its filters and its totals reads them once.

    The web app enters it for each request (the projects of a portal do not change within one).
    A portal changed within the block is another key: its projects are read again.
    """
    if _REMEMBERED.get() is not None:
        yield
        return
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def remember(source: object, portal: Portal, what: str, read: Callable[[], _T]) -> _T:
    """``read()``, once per ``source``, ``portal`` and ``what`` within
    :func:`remembered_projects` (every time outside it): for what a page needs several times and
    does not change within a request (a portal's projects, its employee filter)."""
    remembered = _REMEMBERED.get()
    if remembered is None:
        return read()
    key = (id(source), portal, what)
    if key in remembered:
        found: _T = remembered[key]
        return found
    value = remembered[key] = read()
    return value


@frozen
class HoursPage:
    """One page of a portal's hours, newest first: ``entries``, the ``query`` that asked for
    them, the cursor of the ``next`` page (``None`` on the last one) and the page's ``totals``."""

    entries: tuple[PortalEntry, ...]
    next: EntryCursor | None
    totals: Totals
    query: EntryQuery

    @property
    def next_query(self) -> EntryQuery | None:
        """The query of the next page, or ``None`` on the last page."""
        return None if self.next is None else evolve(self.query, after=self.next)


class PortalReader:
    """Reads one portal's data from ``data`` under the company's approval ``policy``, and filters
    it again with the pure rules."""

    def __init__(self, data: DataSource, policy: ApprovalPolicy | None) -> None:
        self._data = data
        self._policy = policy
        # The optional parts the source offers, looked up once (a Protocol's isinstance is slow).
        self._totals_source = data if isinstance(data, EntryTotals) else None
        self._weeks_source = data if isinstance(data, EntryWeeks) else None
        self._order = id_order_of(data)

    @property
    def id_order(self) -> IdOrder:
        """The order of the ids of one day that the source declares (its ``id_order``)."""
        return self._order

    @property
    def policy(self) -> ApprovalPolicy | None:
        """The company's approval policy the reader applies."""
        return self._policy

    def scope(self, portal: Portal) -> Scope:
        """The portal's scope under the reader's policy."""
        return Scope.of(portal, self._policy)

    def projects(self, portal: Portal) -> tuple[Project, ...]:
        """The portal's visible projects (V2), whatever the source returned, by id (read once
        within :func:`remembered_projects`)."""
        return remember(self._data, portal, "projects", lambda: self._read_projects(portal))

    def _read_projects(self, portal: Portal) -> tuple[Project, ...]:
        scope = self.scope(portal)
        shown = unique_by_id(p for p in self._data.projects(scope) if scope.shows_project(p))
        return tuple(sorted(shown, key=lambda p: p.id))

    # -- hours -----------------------------------------------------------------------------------

    def page(
        self,
        portal: Portal,
        query: EntryQuery,
        projects: Sequence[Project] | None = None,
        *,
        where: Callable[[TimeEntry], bool] | None = None,
    ) -> HoursPage:
        """One page of the portal's visible entries that match ``query`` (and ``where``, a test
        of each entry as the source has it, when given).

        Whatever the source returns is filtered again: only entries of a visible project that
        match the query and come after its cursor, each once, in order, at most ``query.limit``.
        A page out of (date desc, id asc) order in the source's :attr:`id_order`, or with an
        entry that does not come after the query's cursor, is refused with a
        :class:`~clientportal.errors.DataSourceError` naming the two entries (kept quiet, it
        would lose entries between pages).
        """
        order = self._order
        check_cursor(query, order)
        scope = self.scope(portal)
        if not scope.entries:
            return HoursPage(
                entries=(), next=None, totals=Totals.of((), amounts=False), query=query
            )
        if projects is None:
            projects = self.projects(portal)
        visible = frozenset(p.id for p in projects)
        raw = self._data.entries(scope, query)
        check_page("entries", TimeEntry, raw.entries, query.after, order)
        kept: dict[str, TimeEntry] = {}
        for entry in raw.entries:
            if (
                isinstance(entry, TimeEntry)
                and entry.project_id in visible
                and query.matches(entry)
                and (where is None or where(entry))
            ):
                kept.setdefault(entry.id, entry)
        ordered = sorted(kept.values(), key=lambda e: item_key(e, order))
        truncated = len(ordered) > query.limit
        ordered = ordered[: query.limit]
        next_cursor = self._next_cursor(query, raw.next, ordered, truncated, order)
        shown = tuple(visible_entries(portal, projects, ordered, self._policy))
        return HoursPage(
            entries=shown,
            next=next_cursor,
            totals=Totals.of(shown, amounts=scope.amounts),
            query=query,
        )

    @staticmethod
    def _next_cursor(
        query: EntryQuery,
        given: EntryCursor | None,
        kept: Sequence[TimeEntry],
        truncated: bool,
        order: IdOrder,
    ) -> EntryCursor | None:
        """Where the next page starts: never before an entry already shown, never back."""
        last = EntryCursor(kept[-1].date, kept[-1].id) if kept else None
        if truncated:
            return last
        if given is None:
            return None
        if not isinstance(given, EntryCursor):
            raise DataSourceError(
                f"DataSource.entries() returned next={given!r}: it must be an EntryCursor or None"
            )
        try:
            given_key = cursor_key(given, order)
        except DataSourceError as bad:
            raise DataSourceError(f"DataSource.entries() returned a next cursor: {bad}") from None
        if query.after is not None and given_key <= cursor_key(query.after, order):
            raise DataSourceError(
                f"DataSource.entries() returned a next cursor ({given.date}, {given.id!r}) that "
                f"does not come after the query's cursor ({query.after.date}, "
                f"{query.after.id!r}): pages must move on in (date desc, id asc) order"
            )
        if last is not None and given_key < cursor_key(last, order):
            return last
        return given

    def iter_entries(
        self,
        portal: Portal,
        query: EntryQuery,
        projects: Sequence[Project] | None = None,
        *,
        where: Callable[[TimeEntry], bool] | None = None,
    ) -> Iterator[PortalEntry]:
        """Every visible entry that matches ``query`` (and ``where``) from its cursor on, a page
        at a time."""
        if not self.scope(portal).entries:
            return
        if projects is None:
            projects = self.projects(portal)
        while True:
            page = self.page(portal, query, projects, where=where)
            yield from page.entries
            if page.next is None:
                return
            query = evolve(query, after=page.next)

    def totals(
        self, portal: Portal, query: EntryQuery, projects: Sequence[Project] | None = None
    ) -> Totals:
        """The totals of every visible entry that matches ``query`` from its cursor on (all
        pages): one call when the source offers :class:`EntryTotals`, else a walk of every page.
        """
        scope = self.scope(portal)
        total = Totals.of((), amounts=scope.amounts)
        if not scope.entries:
            return total
        projects = self.projects(portal) if projects is None else projects
        if self._totals_source is not None:
            return self._summed(self._totals_source, scope, projects, query)
        page_query = evolve(query, limit=MAX_PAGE_SIZE)
        while True:
            page = self.page(portal, page_query, projects)
            total = total + page.totals
            if page.next is None:
                return total
            page_query = evolve(page_query, after=page.next)

    @staticmethod
    def _summed(
        source: EntryTotals, scope: Scope, projects: Sequence[Project], query: EntryQuery
    ) -> Totals:
        """The totals ``source`` sums, through as much of the last gate as sums allow: it is
        asked only about the projects the pure rules show (V1, V2), only the totals of those
        (and of the query's projects) are kept, each is checked, and amounts stay hidden unless
        the portal shows them (V9)."""
        total = Totals.of((), amounts=scope.amounts)
        visible = frozenset(p.id for p in projects)
        wanted = visible & query.project_ids if query.project_ids else visible
        if not wanted:
            return total
        sums = source.entry_totals(evolve(scope, project_ids=visible), query)
        if not isinstance(sums, Mapping):
            raise DataSourceError(
                f"DataSource.entry_totals() returned a {type(sums).__name__}: it must return a "
                "mapping of project ids to Totals"
            )
        for project_id, project_totals in sums.items():
            if project_id in wanted:
                total = total + _checked_totals(project_id, project_totals, amounts=scope.amounts)
        return total

    def week_seconds(
        self,
        portal: Portal,
        first: dt.date,
        last: dt.date,
        projects: Sequence[Project] | None = None,
    ) -> dict[dt.date, int]:
        """The seconds of the portal's visible entries per ISO week (keyed by Monday), for the
        weeks from Monday ``first`` to Monday ``last``: one call when the source offers
        :class:`EntryWeeks` (asked only about the visible projects, its answer checked), else
        the entries of those weeks, a page at a time."""
        if first.weekday() or last.weekday():
            raise ValueError(f"weeks start on Mondays: got {first} and {last}")
        scope = self.scope(portal)
        if not scope.entries:
            return {}
        projects = self.projects(portal) if projects is None else projects
        visible = frozenset(p.id for p in projects)
        if not visible:
            return {}
        if self._weeks_source is not None:
            found = self._weeks_source.entry_week_seconds(
                evolve(scope, project_ids=visible), first, last
            )
            return _checked_weeks(found, first, last)
        weeks: dict[dt.date, int] = {}
        query = EntryQuery(
            date_from=first, date_to=last + dt.timedelta(days=6), limit=MAX_PAGE_SIZE
        )
        for entry in self.iter_entries(portal, query, projects):
            monday = entry.date - dt.timedelta(days=entry.date.weekday())
            weeks[monday] = weeks.get(monday, 0) + entry.seconds
        return {week: seconds for week, seconds in weeks.items() if seconds}

    def awaiting_statuses(self, portal: Portal) -> frozenset[ApprovalStatus]:
        """The statuses of the approval queue: :data:`~clientportal.workflow.AWAITING_CLIENT` when
        the client approves here."""
        if self.scope(portal).approval:
            return frozenset({AWAITING_CLIENT})
        return frozenset()


def _checked_weeks(found: object, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """The seconds per week a source summed, only of the weeks asked for, refused unless each
    is a Monday with a whole number of seconds >= 0."""
    if not isinstance(found, Mapping):
        raise DataSourceError(
            f"DataSource.entry_week_seconds() returned a {type(found).__name__}: it must return "
            "a mapping of Mondays to seconds"
        )
    weeks: dict[dt.date, int] = {}
    for week, seconds in found.items():
        if (
            not isinstance(week, dt.date)
            or isinstance(week, dt.datetime)
            or week.weekday()
            or not isinstance(seconds, int)
            or isinstance(seconds, bool)
            or seconds < 0
        ):
            raise DataSourceError(
                f"DataSource.entry_week_seconds() returned {week!r}: {seconds!r}: each week must "
                "be a Monday (a date) with a whole number of seconds >= 0"
            )
        if first <= week <= last and seconds:
            weeks[week] = seconds
    return weeks


def _checked_totals(project_id: str, sums: object, *, amounts: bool) -> Totals:
    """The totals a source summed for a project, refused unless they could be sums of entries;
    the amount is dropped unless the portal shows amounts (V9), whatever the source sent."""
    if not isinstance(sums, Totals):
        raise DataSourceError(
            f"DataSource.entry_totals() returned {sums!r} for project {project_id!r}: it must "
            "map each project id to a Totals"
        )
    problems: list[str] = []
    counts = {
        "count": sums.count,
        "seconds": sums.seconds,
        "billable_seconds": sums.billable_seconds,
    }
    for name, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{name} must be a whole number >= 0, got {value!r}")
    if not problems:
        if sums.billable_seconds > sums.seconds:
            problems.append(
                f"billable_seconds ({sums.billable_seconds}) exceed seconds ({sums.seconds})"
            )
        if sums.count == 0 and sums.seconds:
            problems.append(f"count is 0 but seconds is {sums.seconds}")
    amount = sums.amount
    if amounts and not (isinstance(amount, Decimal) and amount.is_finite() and amount >= 0):
        problems.append(
            f"amount must be a Decimal >= 0 when the portal shows amounts, got {amount!r}"
        )
    elif amounts and sums.count == 0 and amount:
        problems.append(f"count is 0 but amount is {amount}")
    if problems:
        raise DataSourceError(
            f"DataSource.entry_totals() returned impossible totals for project {project_id!r}: "
            + "; ".join(problems)
            + ". Fix its sums, or remove entry_totals() and the totals are summed page by page"
        )
    return Totals(sums.count, sums.seconds, sums.billable_seconds, amount if amounts else None)
