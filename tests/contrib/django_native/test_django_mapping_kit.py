"""The contract kit on a Django tracker (integer ids, minutes, tasks; no contacts, invoices,
budgets or rates) read by a DjangoDataSource mapped in a few lines, its approval states in the
tables the app's migrations made, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Model
from sqlalchemy.engine import Engine
from tracker import (
    MODELS,
    Customer,
    Entry,
    Person,
    Project,
    RatedEntry,
    RatedProject,
    Task,
    create_tables,
)

from clientportal import model as records
from clientportal.contrib.django.engine import engine_from_settings
from clientportal.contrib.django.mapping import (
    Clients,
    DjangoDataSource,
    Employees,
    Entries,
    Mapping,
    Projects,
    minutes,
    seconds,
)
from clientportal.model import Dataset
from clientportal.ports import ApprovalStore, DataSource, IdOrder
from clientportal.sql import SqlStore
from clientportal.sql.testing import clear_tables
from clientportal.testing.contract import DataSourceContract, Missing
from conftest import database

# -- the mapping: the whole integration's DataSource ----------------------------------------------
TRACKER = Mapping(
    clients=Clients(Customer, name="name"),
    projects=Projects(Project, client="customer", name="name"),
    employees=Employees(Person, name="name"),
    entries=Entries(
        Entry,
        project="project",
        employee="person",
        date="day",
        duration=minutes("minutes"),
        description="note",
        task="task__name",
    ),
)
# -- end of the mapping ---------------------------------------------------------------------------


@pytest.fixture(scope="class", params=["sqlite", "postgresql"])
def tracker_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Engine]]:
    """A database with the library's tables (``migrate``) and the tracker's, and the engine
    the store works through: one for each contract class, so the two maps' worlds never meet
    in one database whatever order (or xdist worker) their tests run in."""
    with database(request.param, tmp_path_factory.mktemp("tracker")) as alias:
        call_command("migrate", "clientportal", database=alias, verbosity=0)
        create_tables(alias)
        engine = engine_from_settings(alias)
        yield alias, engine
        engine.dispose()


class TrackerContract(DataSourceContract):
    ids = IdOrder.INTEGER
    cannot_hold = frozenset(
        {
            *(Missing.CONTACTS, Missing.MEMBERS, Missing.SECONDS, Missing.NON_BILLABLE),
            *(Missing.ENTRY_RATES, Missing.COST_RATES, Missing.INTERNAL_NOTES, Missing.BUDGETS),
            *(Missing.INVOICES, Missing.QUOTES, Missing.DOCUMENT_FILES, Missing.EXPENSES),
            Missing.TRIPS,
        }
    )
    exact_pushdown = True
    alias: str
    engine: Engine

    @pytest.fixture(autouse=True)
    def _database(self, tracker_db: tuple[str, Engine]) -> None:
        self.alias, self.engine = tracker_db

    def make_store(self) -> ApprovalStore:
        clear_tables(self.engine, reference=False)
        return SqlStore(self.engine)

    # fmt: off
    # -- the loader -------------------------------------------------------------------------------
    def load(self, dataset: Dataset) -> None:
        def put(model: type[Model], rows: Iterable[Model]) -> None:
            model._default_manager.using(self.alias).bulk_create(rows)

        for model in reversed(MODELS):  # the tracker's tables, entries first
            model._default_manager.using(self.alias).all().delete()
        put(Customer, (Customer(id=int(c.id), name=c.name) for c in dataset.clients))
        put(Person, (Person(id=int(e.id), name=e.name) for e in dataset.employees))
        put(Project, (Project(id=int(p.id), customer_id=int(p.client_id), name=p.name)
                      for p in dataset.projects))
        named = {(e.project_id, e.task) for e in dataset.entries if e.task is not None}
        tasks = {key: n for n, key in enumerate(sorted(named), 1)}
        put(Task, (Task(id=n, project_id=int(p), name=t) for (p, t), n in tasks.items()))
        put(Entry, (Entry(id=int(e.id), project_id=int(e.project_id), person_id=int(e.employee_id),
                          day=e.date, minutes=e.seconds // 60, note=e.description,
                          task_id=tasks.get((e.project_id, e.task))) for e in dataset.entries))

    # -- end of the loader ------------------------------------------------------------------------
    # fmt: on

    def source(self, store: ApprovalStore) -> DataSource:
        return DjangoDataSource(TRACKER, using=self.alias)


class TestTrackerMapping(TrackerContract):
    """The kit, on SQLite and PostgreSQL."""


def _lines_between(start: str, end: str) -> list[str]:
    text = Path(__file__).read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(text) if start in line)
    last = next(i for i, line in enumerate(text) if end in line and i > first)
    return [line for line in text[first + 1 : last] if line.strip()]


def test_the_mapping_takes_at_most_40_lines_and_the_loader_at_most_20() -> None:
    assert len(_lines_between("-- the mapping:", "-- end of the mapping")) <= 40
    assert len(_lines_between("-- the loader", "-- end of the loader")) <= 20


RATED = Mapping(
    clients=Clients(Customer, name="name"),
    projects=Projects(RatedProject, client="customer", name="name"),
    employees=Employees(Person, name="name"),
    entries=Entries(
        RatedEntry,
        project="project",
        employee="person",
        date="day",
        duration=seconds("seconds"),
        billable="billable",
        rate="project__rate",
    ),
)


class TestRatedTrackerMapping(DataSourceContract):
    """Another tracker: durations in seconds, billable flags, a rate per project (amounts and
    their totals under every filter), no tasks or descriptions."""

    ids = IdOrder.INTEGER
    cannot_hold = frozenset(
        {
            *(Missing.CONTACTS, Missing.MEMBERS, Missing.TASKS, Missing.DESCRIPTIONS),
            *(Missing.RATES_PER_PROJECT, Missing.COST_RATES, Missing.INTERNAL_NOTES),
            *(Missing.BUDGETS, Missing.INVOICES, Missing.QUOTES, Missing.DOCUMENT_FILES),
            *(Missing.EXPENSES, Missing.TRIPS),
        }
    )
    exact_pushdown = True
    alias: str
    engine: Engine

    @pytest.fixture(autouse=True)
    def _database(self, tracker_db: tuple[str, Engine]) -> None:
        self.alias, self.engine = tracker_db

    def make_store(self) -> ApprovalStore:
        clear_tables(self.engine, reference=False)
        return SqlStore(self.engine)

    def load(self, dataset: Dataset) -> None:
        db = self.alias
        for model in reversed(MODELS):
            model._default_manager.using(db).all().delete()
        Customer.objects.using(db).bulk_create(
            Customer(id=int(c.id), name=c.name) for c in dataset.clients
        )
        Person.objects.using(db).bulk_create(
            Person(id=int(e.id), name=e.name) for e in dataset.employees
        )
        rates = {e.project_id: e.rate for e in dataset.entries}
        RatedProject.objects.using(db).bulk_create(
            RatedProject(
                id=int(p.id), customer_id=int(p.client_id), name=p.name, rate=rates.get(p.id)
            )
            for p in dataset.projects
        )
        RatedEntry.objects.using(db).bulk_create(
            RatedEntry(
                id=int(e.id),
                project_id=int(e.project_id),
                person_id=int(e.employee_id),
                day=e.date,
                seconds=e.seconds,
                billable=e.billable,
            )
            for e in dataset.entries
        )

    def source(self, store: ApprovalStore) -> DataSource:
        return DjangoDataSource(RATED, using=self.alias)


def test_each_loader_empties_every_table_the_other_filled(
    tracker_db: tuple[str, Engine],
) -> None:
    """A loader that emptied only its own tables failed on the other map's rows (a foreign key
    of its entries to the shared people) when tests of both ran on one database."""
    alias, _ = tracker_db
    world = Dataset(
        clients=[records.Client("1", "Acme")],
        employees=[records.Employee("2", "Eva")],
        projects=[records.Project("3", "1", "Site")],
        entries=[
            records.TimeEntry("4", "3", "2", dt.date(2026, 3, 2), 3600, "Design", task="Logo")
        ],
    )
    tracker, rated = TestTrackerMapping(), TestRatedTrackerMapping()
    tracker.alias = rated.alias = alias
    for contract in (tracker, rated, tracker):
        contract.load(world)
    counts = {m.__name__: m._default_manager.using(alias).count() for m in MODELS}
    assert counts == {
        "Customer": 1, "Person": 1, "Project": 1, "Task": 1, "Entry": 1,
        "Contact": 0, "RatedProject": 0, "RatedEntry": 0,
    }  # fmt: skip
