"""What the overview reads (``service/pages.py``): with the optional parts of a DataSource
(``EntryWeeks`` above all) its chart of twelve weeks reads one entry, not twelve weeks of
entries page by page; without ``EntryWeeks`` it reads every entry of those weeks."""

from __future__ import annotations

from clientportal import MemoryDataSource
from clientportal.ports import EntryPage, EntryQuery, EntryWeeks
from clientportal.visibility import Scope
from worlds import PagesOnly, acme_portal, service_dataset, service_world


class Counting(MemoryDataSource):
    """The memory source (every optional part), counting the entries its pages return."""

    read = 0
    pages = 0

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        page = super().entries(scope, query)
        self.pages += 1
        self.read += len(page.entries)
        return page


class CountingPagesOnly(PagesOnly):
    """The same without any optional part."""

    source: Counting


def test_with_entry_weeks_the_overview_and_its_chart_read_one_entry() -> None:
    source = Counting(service_dataset(3000))  # 3,012 entries over 45 days
    assert isinstance(source, EntryWeeks)
    w = service_world(source=source)
    portal = acme_portal()
    overview = w.service.pages.overview(portal)
    chart = w.service.pages.hours_per_week(portal, weeks=12)
    assert overview.projects
    assert sum(chart.weeks.values()) > 0
    assert (source.pages, source.read) == (1, 1)  # the newest entry: where the chart ends


def test_without_entry_weeks_the_chart_reads_every_entry_of_its_weeks() -> None:
    inner = Counting(service_dataset(3000))
    w = service_world(source=PagesOnly(inner))
    chart = w.service.pages.hours_per_week(acme_portal(), weeks=12)
    with_weeks = service_world(source=MemoryDataSource(service_dataset(3000)))
    assert chart == with_weeks.service.pages.hours_per_week(acme_portal(), weeks=12)
    assert inner.read > 2000  # every visible entry of the twelve weeks, a page at a time
