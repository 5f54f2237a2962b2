"""Sign-off certificates: a contact's own, a portal's, and their PDFs; and the weeks and months
whose items await the client, which a contact can approve at once (the approving itself is
:meth:`Approvals.client_sign_off <clientportal.service.Approvals.client_sign_off>`).

A certificate is found only within its portal, and, for a contact, only among their own: any
other id is :class:`~clientportal.NotFound`, whether it exists elsewhere or not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from attrs import evolve, frozen

from ..errors import ConfigError, NotFound, ValidationError
from ..model import ItemKind, ItemRef
from ..ports import MAX_PAGE_SIZE, EntryQuery, RequestStore, SignOff
from ..public import PortalEntry, PortalExpense, PortalTrip
from ..signoff import SignedRow, pdf_filename, render_pdf, rows_of
from .periods import period_digest
from .visits import Visit

if TYPE_CHECKING:
    from .pages import Pages

__all__ = ["Awaiting", "AwaitingPeriod", "SignOffs", "month_of", "week_of"]

_T = TypeVar("_T")

#: The most items awaiting the client that :meth:`SignOffs.periods` reads.
MAX_AWAITING = 10_000


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The ISO week (Monday to Sunday) ``day`` is in."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar month ``day`` is in, first to last day."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


@frozen
class Awaiting:
    """The items of a portal awaiting its client's decision, as the portal shows them."""

    entries: tuple[PortalEntry, ...] = ()
    expenses: tuple[PortalExpense, ...] = ()
    trips: tuple[PortalTrip, ...] = ()

    def rows(self, *, currency: str | None = None) -> tuple[SignedRow, ...]:
        """The items as rows of a certificate, with ids for names (for counting and sums)."""
        return rows_of(
            self.entries, self.expenses, self.trips, projects={}, employees={}, currency=currency
        )

    def __len__(self) -> int:
        return len(self.entries) + len(self.expenses) + len(self.trips)


@frozen(kw_only=True)
class AwaitingPeriod:
    """A week or month (``unit``: ``"week"`` or ``"month"``) from ``start`` to ``end`` with
    ``count`` items awaiting the client: ``seconds`` of hours, ``distance`` km of trips and the
    ``amounts`` shown, per currency (in the order they first appear). ``seen`` is the digest of
    the items at the versions shown (:func:`~clientportal.service.periods.period_digest`): what
    the page sends back, so a sign-off approves exactly what was shown."""

    unit: str
    start: dt.date
    end: dt.date
    count: int
    seconds: int
    distance: Decimal
    amounts: tuple[tuple[str, Decimal], ...]
    seen: str = ""


def _period(unit: str, span: tuple[dt.date, dt.date], rows: Sequence[SignedRow]) -> AwaitingPeriod:
    amounts: dict[str, Decimal] = {}
    for row in rows:
        if row.amount is not None and row.currency is not None:
            amounts[row.currency] = amounts.get(row.currency, Decimal(0)) + row.amount
    return AwaitingPeriod(
        unit=unit,
        start=span[0],
        end=span[1],
        count=len(rows),
        seconds=sum(r.seconds or 0 for r in rows),
        distance=sum((r.distance or Decimal(0) for r in rows), Decimal(0)),
        amounts=tuple(amounts.items()),
    )


def periods_of(rows: Sequence[SignedRow]) -> tuple[AwaitingPeriod, ...]:
    """The weeks, then the months, that ``rows`` fall in, each oldest first, with their counts
    and sums."""
    found: list[AwaitingPeriod] = []
    for unit, span_of in (("week", week_of), ("month", month_of)):
        spans: dict[tuple[dt.date, dt.date], list[SignedRow]] = {}
        for row in rows:
            spans.setdefault(span_of(row.date), []).append(row)
        found.extend(_period(unit, span, spans[span]) for span in sorted(spans))
    return tuple(found)


class SignOffs:
    """The sign-off certificates in ``store``, and (with ``pages``) the periods a contact can
    sign off."""

    def __init__(self, store: RequestStore, *, pages: Pages | None = None) -> None:
        self._store = store
        self._pages = pages

    def __repr__(self) -> str:
        return f"SignOffs(store={self._store!r})"

    def of(
        self, portal_id: str, contact_id: str | None = None, *, limit: int = 50
    ) -> tuple[SignOff, ...]:
        """Up to ``limit`` (1 to 500) certificates of the portal, newest first: the contact's
        own when ``contact_id`` is given."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 500:
            raise ValidationError([f"limit: must be from 1 to 500, got {limit!r}"])
        return tuple(self._store.signoffs(portal_id, contact_id=contact_id, limit=limit))

    def get(self, portal_id: str, signoff_id: str, *, contact_id: str | None = None) -> SignOff:
        """The certificate ``signoff_id`` of the portal (and of ``contact_id`` when given);
        :class:`~clientportal.NotFound` for any other, wherever it exists."""
        found = self._store.get_signoff(signoff_id) if signoff_id else None
        if (
            found is None
            or found.portal_id != portal_id
            or (contact_id is not None and found.contact_id != contact_id)
        ):
            raise NotFound(f"no sign-off {signoff_id[:80]!r} in portal {portal_id[:80]!r}")
        return found

    def pdf(self, signoff: SignOff) -> tuple[str, bytes]:
        """``signoff`` as a PDF in its portal's language: ``(file name, bytes)``. Raises
        :class:`~clientportal.ConfigError` when the ``pdf`` extra is not installed."""
        return pdf_filename(signoff), render_pdf(signoff)

    # -- what awaits a sign-off ---------------------------------------------------------------

    def awaiting(
        self, visit: Visit, *, start: dt.date | None = None, end: dt.date | None = None
    ) -> Awaiting:
        """Every item of the visit's portal awaiting its client (dated from ``start`` to
        ``end`` when given), as the portal shows them, at most :data:`MAX_AWAITING`."""
        pages = self._need_pages()
        query = EntryQuery(date_from=start, date_to=end, limit=MAX_PAGE_SIZE)
        choices = pages.choices(visit)
        entries: tuple[PortalEntry, ...] = ()
        if choices.shows_hours:
            entries = tuple(_capped(self._entries(pages, visit, query)))
        costs: dict[ItemKind, tuple[PortalExpense | PortalTrip, ...]] = {}
        for kind in (ItemKind.EXPENSE, ItemKind.TRIP):
            if choices.shows(kind):
                costs[kind] = tuple(_capped(self._costs(pages, visit, kind, query)))
        expenses = tuple(x for x in costs.get(ItemKind.EXPENSE, ()) if isinstance(x, PortalExpense))
        trips = tuple(x for x in costs.get(ItemKind.TRIP, ()) if isinstance(x, PortalTrip))
        return Awaiting(entries, expenses, trips)

    def periods(self, visit: Visit) -> tuple[AwaitingPeriod, ...]:
        """The weeks, then the months, with items awaiting the visit's client, oldest first."""
        currency = visit.portal.settings.currency
        awaiting = self.awaiting(visit)
        shown = (
            [(ItemKind.ENTRY, e.id, e.version, e.date) for e in awaiting.entries]
            + [(ItemKind.EXPENSE, x.id, x.version, x.date) for x in awaiting.expenses]
            + [(ItemKind.TRIP, x.id, x.version, x.date) for x in awaiting.trips]
        )
        return tuple(
            evolve(
                period,
                seen=period_digest(
                    {
                        ItemRef(kind, item_id): version
                        for kind, item_id, version, day in shown
                        if period.start <= day <= period.end
                    }
                ),
            )
            for period in periods_of(awaiting.rows(currency=currency))
        )

    def _need_pages(self) -> Pages:
        if self._pages is None:
            raise ConfigError(
                ["SignOffs needs pages=... (the service's Pages) to read what awaits a sign-off"],
                subject="the sign-offs",
            )
        return self._pages

    @staticmethod
    def _entries(pages: Pages, visit: Visit, query: EntryQuery) -> Iterator[PortalEntry]:
        next_query: EntryQuery | None = query
        while next_query is not None:
            page = pages.awaiting_approval(visit, next_query)
            yield from page.entries
            next_query = page.next_query

    @staticmethod
    def _costs(
        pages: Pages, visit: Visit, kind: ItemKind, query: EntryQuery
    ) -> Iterator[PortalExpense | PortalTrip]:
        next_query: EntryQuery | None = query
        while next_query is not None:
            view = pages.awaiting_costs(visit, kind, next_query)
            yield from view.items
            next_query = None if view.next is None else evolve(next_query, after=view.next)


def _capped(items: Iterator[_T]) -> Iterator[_T]:
    for count, item in enumerate(items):
        if count >= MAX_AWAITING:
            return
        yield item
