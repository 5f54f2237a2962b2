"""The reader (``service/reading.py``): the hours a page at a time, newest first, filtered, on
keyset cursors; sources whose cursors stand still or run backwards; the totals of a page and of
every page.

The totals a source sums (``EntryTotals``) against the walk of every page, and the reader's gate
on those sums, are tested in ``test_reading_totals.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest

from clientportal import ApprovalStatus, MemoryDataSource, PortalSettings, Project, portal_view
from clientportal.errors import DataSourceError
from clientportal.memory import MemoryStore
from clientportal.ports import EntryCursor, EntryPage, EntryQuery, Totals
from clientportal.service import Outcome
from clientportal.visibility import Scope
from worlds import (
    DAY0,
    EXTERNAL,
    MAX,
    OPEN_ON_WEB,
    PagesOnly,
    acme_portal,
    all_pages,
    service_dataset,
    service_world,
    visit_as,
)

# --------------------------------------------------------------------------------------------------
# Hours: filters, keyset pages, totals


def test_hours_pages_walk_every_visible_entry_once_newest_first() -> None:
    w = service_world(extra_entries=250)
    entries = all_pages(w.service, acme_portal(), EntryQuery(limit=37))
    expected = portal_view(acme_portal(), w.dataset, EXTERNAL).entries
    assert entries == list(expected)
    assert len(entries) > 150
    keys = [(-e.date.toordinal(), e.id) for e in entries]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (EntryQuery(employee_ids={"eva"}), ["w7", "w6", "w3", "w1"]),
        (EntryQuery(employee_ids={"tom", "ivo"}), ["w5", "w4", "w2"]),
        (EntryQuery(project_ids={"app"}), []),  # not selected in the portal
        (EntryQuery(project_ids={"erp"}), []),  # another client's project
        (
            EntryQuery(date_from=DAY0 + dt.timedelta(days=1), date_to=DAY0 + dt.timedelta(days=2)),
            ["w4", "w2", "w3"],
        ),
        (EntryQuery(statuses={ApprovalStatus.APPROVED}), ["w7"]),
        (EntryQuery(statuses={ApprovalStatus.OPEN}, employee_ids={"eva"}), ["w6", "w3", "w1"]),
        (
            EntryQuery(after=EntryCursor(DAY0 + dt.timedelta(days=3), "w5")),
            ["w6", "w4", "w2", "w3", "w1"],
        ),
    ],
)
def test_hours_filters(query: EntryQuery, expected: list[str]) -> None:
    w = service_world()
    assert [e.id for e in w.service.pages.hours(acme_portal(), query).entries] == expected


def test_page_totals_and_totals_over_all_pages() -> None:
    w = service_world(extra_entries=40)
    portal = acme_portal()
    view = portal_view(portal, w.dataset, EXTERNAL)
    expected = Totals.of(view.entries, amounts=True)
    assert w.service.pages.hours_totals(portal, EntryQuery(limit=5)) == expected
    page = w.service.pages.hours(portal, EntryQuery(limit=5))
    assert page.totals == Totals.of(page.entries, amounts=True)
    assert page.totals.count == 5
    assert expected.billable_seconds == expected.seconds - 3 * 3600  # w4 is not billable
    assert expected.amount == Decimal("675.00")  # only w1 has a rate


def test_totals_have_no_amount_unless_the_portal_shows_amounts() -> None:
    portal = acme_portal(settings=PortalSettings())
    w = service_world(portals=(portal,))
    totals = w.service.pages.hours_totals(portal)
    assert totals.amount is None
    assert totals.count == 7


# --------------------------------------------------------------------------------------------------
# Sources whose cursors misbehave


class StuckSource(MemoryDataSource):
    """Returns a next cursor that does not move on."""

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        return EntryPage(entries=(), next=query.after or EntryCursor(DAY0, "zzz"))


def test_a_source_whose_pages_do_not_move_on_is_refused() -> None:
    data = service_dataset()
    w = service_world(source=StuckSource(data))
    with pytest.raises(DataSourceError, match="does not come after"):
        list(w.service.pages.export_csv(acme_portal()))  # walks every page (totals need not)


def test_without_the_capability_totals_walk_the_pages_and_refuse_a_stuck_source() -> None:
    w = service_world(source=PagesOnly(StuckSource(service_dataset())))
    with pytest.raises(DataSourceError, match="does not come after"):
        w.service.pages.hours_totals(acme_portal())


class BackwardsSource(MemoryDataSource):
    """Returns a whole page but a next cursor in the middle of it."""

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        page = super().entries(scope, query)
        if page.next is None or len(page.entries) < 2:
            return page
        middle = page.entries[0]
        return EntryPage(entries=page.entries, next=EntryCursor(middle.date, middle.id))


def test_a_cursor_behind_the_page_never_repeats_entries() -> None:
    w = service_world(source=BackwardsSource(service_dataset(60)), extra_entries=60)
    entries = all_pages(w.service, acme_portal(), EntryQuery(limit=7))
    assert [e.id for e in entries] == [
        e.id for e in portal_view(acme_portal(), w.dataset, EXTERNAL).entries
    ]


# --------------------------------------------------------------------------------------------------
# A request's projects, read once


class CountingProjects(PagesOnly):
    """The source of the service world, counting its ``projects()`` calls."""

    calls = 0

    def projects(self, scope: Scope) -> Sequence[Project]:
        self.calls += 1
        return self.source.projects(scope)


def test_within_a_request_scope_a_portals_projects_are_read_once() -> None:
    ds = service_dataset()
    source = CountingProjects(MemoryDataSource(ds))
    w = service_world(source=source)
    portal = acme_portal()
    pages = w.service.pages
    outside = (pages.overview(portal), pages.hours(portal), pages.hours_totals(portal))
    assert source.calls == 3
    source.calls = 0
    with w.service.request_scope():
        inside = (pages.overview(portal), pages.hours(portal), pages.hours_totals(portal))
        assert source.calls == 1
        renamed = w.service.admin.update_portal(portal.id, project_ids=["web"])
        assert {p.id for p in pages.overview(renamed).projects} == {"web"}
        assert source.calls == 2  # another portal (its projects changed): read again
    assert inside == outside
    with w.service.request_scope():
        pages.overview(renamed)
    assert source.calls == 3  # a new scope reads again


def test_a_decision_reads_the_portals_projects_once() -> None:
    store = MemoryStore()
    source = CountingProjects(MemoryDataSource(service_dataset(), store))
    w = service_world(source=source, store=store)
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    anna = visit_as(w.service, "anna")
    source.calls = 0
    result = w.service.approvals.client_approve(anna, ["w1", "w2", "w3"])
    assert {o.outcome for o in result.outcomes} == {Outcome.APPLIED}
    assert source.calls == 1  # the entries' check and the company's notice share one read
