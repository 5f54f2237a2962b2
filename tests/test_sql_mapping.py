"""The mapping guide's worked example runs as written (docs/mapping.md): a tracker with integer
ids, minutes, tasks and no contacts, budgets, invoices or rates, mapped in at most 40 lines, and
the contract kit passing on it with a loader of at most 20 lines, on SQLite and PostgreSQL; and
what the map says about ids, order, conversions and mistakes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clientportal.errors import ConfigError
from clientportal.ports import EntryCursor, EntryQuery, IdOrder
from clientportal.sql import create_engine
from clientportal.sql.testing import ready_for_tests
from clientportal.visibility import Scope

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "mapping.md"
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
SCHEMA, MAPPING, KIT = BLOCKS
GUIDE_CODE: dict[str, Any] = {}
exec(compile("\n".join(BLOCKS), str(GUIDE), "exec"), GUIDE_CODE)


def _lines_of(code: str, start: str, end: str | None = None) -> int:
    """The lines of code (no blank lines) from the line with ``start`` up to ``end``."""
    lines = code[code.index(start) :].splitlines()
    if end is not None:
        lines = lines[: next(i for i, line in enumerate(lines) if end in line)]
    return sum(1 for line in lines if line.strip())


def test_the_mapping_takes_at_most_40_lines() -> None:
    assert _lines_of(MAPPING, "from clientportal") <= 40


def test_the_loader_takes_at_most_20_lines() -> None:
    assert _lines_of(KIT, "def load(", "def source(") <= 20


class TestTrackerOnSqlite(GUIDE_CODE["TrackerContract"]):  # type: ignore[misc]
    @pytest.fixture(autouse=True)
    def _engine(self, sqlite_memory: Engine) -> None:
        self.engine = sqlite_memory


class TestTrackerOnPostgres(GUIDE_CODE["TrackerContract"]):  # type: ignore[misc]
    max_examples = 50

    @pytest.fixture(autouse=True)
    def _engine(self, postgres: Engine) -> None:
        self.engine = postgres


# -- what the map says, on a tracker filled by hand ------------------------------------------------


@pytest.fixture
def tracker(tmp_path: Path) -> Iterator[Engine]:
    """The guide's tracker in a SQLite file: client 1 (projects 1, 2), client 2 (project 3), ten
    entries of client 1 on one day (ids 1..10) and one of client 2."""
    engine = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'tracker.sqlite3'}"))
    t = GUIDE_CODE
    day = dt.date(2026, 3, 2)
    with engine.begin() as conn:
        t["tracker"].create_all(conn)
        conn.execute(t["client"].insert(), [{"id": 1, "name": "Acme"}, {"id": 2, "name": "Bolt"}])
        conn.execute(t["user"].insert(), [{"id": 7, "username": "ann"}])
        conn.execute(
            t["project"].insert(),
            [{"id": i, "client_id": 1 if i < 3 else 2, "name": f"P{i}"} for i in (1, 2, 3)],
        )
        conn.execute(t["task"].insert(), [{"id": 5, "project_id": 1, "name": "Design"}])
        conn.execute(
            t["entry"].insert(),
            [
                {"id": i, "project_id": 1 + i % 2, "user_id": 7, "date": day, "minutes": 90,
                 "task_id": 5 if i == 1 else None, "notes": f"n{i}"}
                for i in range(1, 11)
            ]
            + [{"id": 11, "project_id": 3, "user_id": 7, "date": day, "minutes": 1, "task_id": None,
                 "notes": None}],
        )  # fmt: skip
    yield engine
    engine.dispose()


def _scope(projects: set[str], client: str = "1") -> Scope:
    return Scope(
        client_id=client, project_ids=frozenset(projects), entries=True, descriptions=True,
        amounts=True, non_billable_amounts=False, budget_types=frozenset(), invoices=True,
        quotes=True, documents_scope="client", document_statuses=frozenset(), approval=False,
    )  # fmt: skip


def test_integer_ids_page_in_numeric_order_across_pages(tracker: Engine) -> None:
    source = GUIDE_CODE["tracker_source"](tracker)
    assert source.id_order is IdOrder.INTEGER
    scope, ids, after = _scope({"1", "2"}), [], None
    while True:
        page = source.entries(scope, EntryQuery(limit=3, after=after))
        ids += [e.id for e in page.entries]
        if page.next is None:
            break
        after = page.next
    assert ids == [str(i) for i in range(1, 11)]  # "10" after "9", not after "1"


def test_entries_read_minutes_as_seconds_and_tasks_by_lookup(tracker: Engine) -> None:
    source = GUIDE_CODE["tracker_source"](tracker)
    (first,) = source.entries_by_id(frozenset({"1"}))
    assert (first.seconds, first.task, first.description) == (5400, "Design", "n1")
    assert (first.project_id, first.employee_id, first.rate, first.billable) == (
        "2",
        "7",
        None,
        True,
    )
    totals = source.entry_totals(_scope({"1", "2", "3"}), EntryQuery())
    assert {p: (t.count, t.seconds) for p, t in totals.items()} == {
        "1": (5, 5 * 5400),
        "2": (5, 5 * 5400),
    }
    assert source.entry_week_seconds(_scope({"1"}), dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == {
        dt.date(2026, 3, 2): 5 * 5400
    }


def test_ids_that_cannot_be_integers_match_nothing(tracker: Engine) -> None:
    source = GUIDE_CODE["tracker_source"](tracker)
    assert source.client("1") is not None
    assert source.client("01") is None
    assert source.client("c1") is None
    assert source.entries_by_id(frozenset({"x", "010"})) == []
    assert source.entries(_scope({"p1"}), EntryQuery()).entries == ()
    assert source.entries(_scope({"1"}), EntryQuery(employee_ids=frozenset({"u"}))).entries == ()


def test_ids_beyond_64_bits_match_nothing_and_fail_nothing(tracker: Engine) -> None:
    source = GUIDE_CODE["tracker_source"](tracker)
    huge = "9" * 25  # a canonical integer no integer column holds (SQLite refuses to bind it)
    assert source.client(huge) is None
    assert source.entries_by_id(frozenset({huge, "1"}))[0].id == "1"
    assert source.entries(_scope({huge, "1"}), EntryQuery()).entries[0].project_id == "1"
    query = EntryQuery(after=EntryCursor(dt.date(2026, 3, 2), huge))  # after every id of its day
    assert source.entries(_scope({"1", "2"}), query).entries == ()


def test_another_clients_projects_are_never_read(tracker: Engine) -> None:
    source = GUIDE_CODE["tracker_source"](tracker)
    foreign = _scope({"1", "3"})  # project 3 is client 2's
    assert {e.project_id for e in source.entries(foreign, EntryQuery()).entries} == {"1"}
    assert [p.id for p in source.projects(foreign)] == ["1"]
    assert set(source.entry_totals(foreign, EntryQuery())) == {"1"}
    assert source.entry_employee_ids(_scope({"3"})) == frozenset()


def test_a_cursor_not_given_by_the_source_starts_its_day_from_the_first_id(tracker: Engine) -> None:
    source = GUIDE_CODE["tracker_source"](tracker)
    query = EntryQuery(after=EntryCursor(dt.date(2026, 3, 2), "e7"))
    assert len(source.entries(_scope({"1", "2"}), query).entries) == 10


def test_absent_parts_answer_empty(tracker: Engine) -> None:
    source = GUIDE_CODE["tracker_source"](tracker)
    scope = _scope({"1"})
    assert (source.contacts("1"), source.budgets(scope)) == ([], [])
    assert (source.invoices(scope), source.quotes(scope)) == ([], [])
    assert source.document_file("invoice", "1") is None


def test_a_column_of_another_table_is_a_config_error_naming_it() -> None:
    from clientportal.sql.mapping import (
        ClientTable,
        EmployeeTable,
        EntryTable,
        ProjectTable,
        SchemaMap,
    )

    t = GUIDE_CODE
    with pytest.raises(ConfigError, match=r"projects\.client is tracker_entry\.project_id"):
        SchemaMap(
            clients=ClientTable(t["client"], name=t["client"].c.name),
            employees=EmployeeTable(t["user"], name=t["user"].c.username),
            projects=ProjectTable(
                t["project"], client=t["entry"].c.project_id, name=t["project"].c.name
            ),
            entries=EntryTable(
                t["entry"], project=t["entry"].c.project_id, employee=t["entry"].c.user_id,
                date=t["entry"].c.date, seconds=t["entry"].c.minutes,
            ),
        )  # fmt: skip


def test_a_table_without_a_single_primary_key_must_name_its_id() -> None:
    from clientportal.sql.mapping import (
        ClientTable,
        EmployeeTable,
        EntryTable,
        ProjectTable,
        SchemaMap,
    )

    t = GUIDE_CODE
    keyless = sa.Table(
        "keyless", sa.MetaData(), sa.Column("code", sa.Integer), sa.Column("n", sa.Text)
    )
    with pytest.raises(
        ConfigError, match=r"clients: table 'keyless' has no single-column primary key"
    ):
        SchemaMap(
            clients=ClientTable(keyless, name=keyless.c.n),
            employees=EmployeeTable(t["user"], name=t["user"].c.username),
            projects=ProjectTable(
                t["project"], client=t["project"].c.client_id, name=t["project"].c.name
            ),
            entries=EntryTable(
                t["entry"], project=t["entry"].c.project_id, employee=t["entry"].c.user_id,
                date=t["entry"].c.date, seconds=t["entry"].c.minutes,
            ),
        )  # fmt: skip
