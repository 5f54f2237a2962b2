"""The map's conversions, in Python and in SQL on SQLite and PostgreSQL: durations in hours,
days of datetimes in a stated time zone (naive ones read as wall-clock times there, aware ones
converted), and a time zone name that does not exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clientportal.ports import EntryQuery
from clientportal.sql.mapping import (
    ClientTable,
    EmployeeTable,
    EntryTable,
    Hours,
    LocalDate,
    MappedDataSource,
    ProjectTable,
    SchemaMap,
)
from clientportal.visibility import Scope

AMSTERDAM = "Europe/Amsterdam"


def _source(engine: Engine, aware: bool) -> MappedDataSource:
    md = sa.MetaData()
    people = sa.Table("cv_people", md, sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("name", sa.Text))  # fmt: skip
    jobs = sa.Table("cv_jobs", md, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("client", sa.Integer), sa.Column("name", sa.Text))  # fmt: skip
    work = sa.Table("cv_work", md, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("job", sa.Integer), sa.Column("who", sa.Integer),
                    sa.Column("at", sa.DateTime(timezone=aware)),
                    sa.Column("hours", sa.Numeric(6, 2)))  # fmt: skip
    at = [dt.datetime(2026, 3, 1, 23, 30), dt.datetime(2026, 3, 2, 0, 30)]
    if aware:  # 22:30 and 23:30 UTC: in Amsterdam (UTC+1) 23:30 on the 1st, 00:30 on the 2nd
        at = [a.replace(tzinfo=ZoneInfo(AMSTERDAM)) for a in at]
    with engine.begin() as conn:
        md.drop_all(conn)
        md.create_all(conn)
        conn.execute(people.insert(), [{"id": 1, "name": "Ann"}])
        conn.execute(jobs.insert(), [{"id": 1, "client": 1, "name": "J"}])
        conn.execute(
            work.insert(),
            [{"id": i + 1, "job": 1, "who": 1, "at": a, "hours": Decimal("1.25")}
             for i, a in enumerate(at)],
        )  # fmt: skip
    return MappedDataSource(engine, SchemaMap(
        clients=ClientTable(people, name=people.c.name),
        employees=EmployeeTable(people, name=people.c.name),
        projects=ProjectTable(jobs, client=jobs.c.client, name=jobs.c.name),
        entries=EntryTable(work, project=work.c.job, employee=work.c.who,
                           date=LocalDate(work.c.at, AMSTERDAM), seconds=Hours(work.c.hours)),
    ))  # fmt: skip


SCOPE = Scope(
    client_id="1", project_ids=frozenset({"1"}), entries=True, descriptions=True, amounts=False,
    non_billable_amounts=False, budget_types=frozenset(), invoices=False, quotes=False,
    documents_scope="client", document_statuses=frozenset(), approval=False,
)  # fmt: skip


@pytest.mark.parametrize("aware", [False, True], ids=["naive", "aware"])
def test_local_dates_are_the_days_in_the_stated_zone(engine: Engine, aware: bool) -> None:
    if aware and engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no time zone type: its datetimes are naive")
    source = _source(engine, aware)
    page = source.entries(SCOPE, EntryQuery())
    days = {e.id: e.date for e in page.entries}
    assert days == {"1": dt.date(2026, 3, 1), "2": dt.date(2026, 3, 2)}
    on_the_2nd = EntryQuery(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2))
    assert [e.id for e in source.entries(SCOPE, on_the_2nd).entries] == ["2"]
    weeks = source.entry_week_seconds(SCOPE, dt.date(2026, 2, 23), dt.date(2026, 3, 2))
    assert weeks == {dt.date(2026, 2, 23): 4500, dt.date(2026, 3, 2): 4500}


def test_hours_are_seconds_in_pages_and_sums(engine: Engine) -> None:
    source = _source(engine, aware=False)
    assert [e.seconds for e in source.entries(SCOPE, EntryQuery()).entries] == [4500, 4500]
    assert source.entry_totals(SCOPE, EntryQuery())["1"].seconds == 9000


def test_an_unknown_time_zone_is_refused_naming_it() -> None:
    column = sa.Column("at", sa.DateTime)
    with pytest.raises(ValueError, match="'Mars/Olympus' is not a time zone name"):
        LocalDate(column, "Mars/Olympus")
