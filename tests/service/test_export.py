"""CSV export (``service/export.py`` through ``service.pages.export_csv``): the visible entries
only, public fields only, columns named in the portal's language, spreadsheet formulas defused,
and streamed a page at a time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import tracemalloc
from collections.abc import Sequence
from decimal import Decimal

import attrs
import pytest

from clientportal import (
    Budget,
    Client,
    Contact,
    Employee,
    Invoice,
    MemoryStore,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    ValidationError,
    portal_view,
)
from clientportal.memory import ManualClock
from clientportal.ports import DocumentFile, EntryCursor, EntryPage, EntryQuery
from clientportal.service import PortalService
from clientportal.visibility import Scope
from worlds import (
    DAY0,
    EXTERNAL,
    MAIL,
    SECRET,
    T0,
    acme_portal,
    entry,
    service_dataset,
    service_world,
)


def rows(lines: Sequence[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


def test_export_holds_the_visible_entries_with_english_columns() -> None:
    w = service_world()
    lines = list(w.service.pages.export_csv(acme_portal()))
    assert all(line.endswith("\r\n") for line in lines)
    table = rows(lines)
    assert table[0] == ["Date", "Employee", "Project", "Task", "Description", "Hours", "Billable",
                        "Status", "Rate", "Amount", "Currency"]  # fmt: skip
    view = portal_view(acme_portal(), w.dataset, EXTERNAL)
    assert len(table) == 1 + len(view.entries)
    by_date_and_hours = {(r[0], r[1], r[5]): r for r in table[1:]}
    assert by_date_and_hours["2026-02-01", "Eva", "7.50"] == [
        "2026-02-01", "Eva", "Website", "", "Homepage", "7.50", "Yes", "Open", "90", "675.00", "EUR"
    ]  # fmt: skip
    review = by_date_and_hours["2026-02-03", "Ivo", "3.00"]
    assert review[3:7] == ["QA", "Review", "3.00", "No"]
    assert review[8:] == ["", "", ""]  # not billable: no rate, amount or currency
    assert "Approved" in [r[7] for r in table[1:]]
    text = "".join(lines)
    for hidden in ("secret note", "Globex", "App work", "40"):
        assert hidden not in text  # internal notes, other clients, unselected projects, cost rate


def test_export_defuses_spreadsheet_formulas() -> None:
    w = service_world()
    table = rows(list(w.service.pages.export_csv(acme_portal())))
    [formula] = [r for r in table if "HYPERLINK" in r[4]]
    assert formula[4] == '\'=HYPERLINK("x")'


def test_export_columns_follow_what_the_portal_shows_and_its_language() -> None:
    portal = acme_portal(language="nl", settings=PortalSettings(show_descriptions=False))
    w = service_world(portals=(portal,))
    table = list(csv.reader(io.StringIO("".join(w.service.pages.export_csv(portal))),
                            delimiter=";"))  # fmt: skip
    # No status without the client's approval, no rate, amount or currency without amounts.
    assert table[0] == ["Datum", "Medewerker", "Project", "Taak", "Uren", "Declarabel"]
    assert {r[5] for r in table[1:]} == {"Ja", "Nee"}
    assert "7,50" in {r[4] for r in table[1:]}
    assert "Homepage" not in "".join(";".join(r) for r in table)  # no descriptions (V4)


@pytest.mark.parametrize(
    ("language", "currency", "delimiter", "decimal"),
    [("nl", "EUR", ";", ","), ("de", "EUR", ";", ","), ("fr", "EUR", ";", ","),
     ("es", "EUR", ";", ","), ("pl", "PLN", ";", ","), ("en", "GBP", ",", "."),
     ("en", "EUR", ",", ".")],
)  # fmt: skip
def test_export_writes_numbers_as_the_portals_spreadsheets_read_them(
    language: str, currency: str, delimiter: str, decimal: str
) -> None:
    settings = attrs.evolve(acme_portal().settings, currency=currency)
    portal = acme_portal(language=language, settings=settings)
    data = service_dataset()
    big = entry("big", "web", "tom", DAY0, "12.25", description="Sprint", rate=Decimal("1250.5"))
    w = service_world(portals=(portal,), data=attrs.evolve(data, entries=(*data.entries, big)))
    text = "".join(w.service.pages.export_csv(portal))
    table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert len(table[0]) == 11  # the separator splits every line into its cells
    assert all(len(r) == 11 for r in table)
    rows_by_description = {r[4]: r for r in table[1:]}
    homepage, sprint = rows_by_description["Homepage"], rows_by_description["Sprint"]
    assert homepage[5:] == [f"7{decimal}50", homepage[6], homepage[7], "90", f"675{decimal}00",
                            currency]  # fmt: skip
    # Plain numbers, without thousands separators: a spreadsheet reads them as numbers.
    assert sprint[8:] == [f"1250{decimal}5", f"15318{decimal}63", currency]
    amounts = [Decimal(r[9].replace(decimal, ".")) for r in table[1:] if r[9]]
    assert sum(amounts) == Decimal("675.00") + Decimal("15318.63")


def test_export_filters_like_the_hours_page() -> None:
    w = service_world()
    query = EntryQuery(employee_ids={"eva"}, date_to=dt.date(2026, 2, 2))
    table = rows(list(w.service.pages.export_csv(acme_portal(), query)))
    assert [r[4] for r in table[1:]] == ["Bugfix", "Homepage"]


def test_export_refuses_an_odd_delimiter() -> None:
    w = service_world()
    with pytest.raises(ValidationError, match="delimiter"):
        w.service.pages.export_csv(acme_portal(), delimiter="|")


class SyntheticSource:
    """``count`` entries of one project, made up on the fly: nothing is held in memory, and every
    call to :meth:`entries` is counted."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pages = 0
        self.project = Project("web", "acme", "Website", member_ids={"eva"})

    def _entry(self, i: int) -> TimeEntry:
        return TimeEntry(
            id=f"e{i:07d}",
            project_id="web",
            employee_id=("eva", "tom", "ivo")[i % 3],
            date=dt.date(2026, 1, 1) - dt.timedelta(days=i // 40),
            seconds=900 + i % 3600,
            description=f"Work item {i} with a description of moderate length",
        )

    def _index(self, cursor: EntryCursor | None) -> int:
        return 0 if cursor is None else int(cursor.id[1:]) + 1

    def client(self, client_id: str) -> Client | None:
        return Client("acme", "Acme")

    def contacts(self, client_id: str) -> Sequence[Contact]:
        return ()

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        return [Employee(i, i.title()) for i in sorted(employee_ids)]

    def projects(self, scope: Scope) -> Sequence[Project]:
        return [self.project]

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        self.pages += 1
        start = self._index(query.after)
        stop = min(start + query.limit, self.count)
        page = tuple(self._entry(i) for i in range(start, stop))
        last = page[-1] if page else None
        more = stop < self.count and last is not None
        return EntryPage(page, EntryCursor(last.date, last.id) if more and last else None)

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        return ()

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        return ()

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        return ()

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        return ()

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        return None


def synthetic_service(count: int) -> tuple[PortalService, SyntheticSource, Portal]:
    source = SyntheticSource(count)
    portal = acme_portal()
    store = MemoryStore([portal])
    service = PortalService(source, store, mail=MAIL, secret_keys=[SECRET],
                            clock=ManualClock(T0), policy=EXTERNAL)  # fmt: skip
    return service, source, portal


def test_export_streams_a_page_at_a_time() -> None:
    service, source, portal = synthetic_service(5_500)
    lines = service.pages.export_csv(portal)
    assert source.pages == 0  # nothing read before the first line is asked for
    header = next(lines)
    assert header.startswith("Date,")
    first = list(itertools.islice(lines, 10))
    assert len(first) == 10
    assert source.pages == 1
    rest = list(lines)
    assert len(first) + len(rest) == 5_500
    assert source.pages == 6  # 1000 entries a page


def test_export_memory_does_not_grow_with_the_number_of_entries() -> None:
    def peak(count: int) -> int:
        service, _, portal = synthetic_service(count)
        lines = service.pages.export_csv(portal)
        tracemalloc.start()
        try:
            written = sum(len(line) for line in lines)
            _, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert written > count * 50
        return top

    small, large = peak(2_000), peak(20_000)
    # Ten times the entries (about 1.7 MB of CSV more), the same peak give or take a page.
    assert large < small * 1.5
    assert large < 3_000_000
