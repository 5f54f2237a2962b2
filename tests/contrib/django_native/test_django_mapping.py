"""DjangoDataSource beyond the kit: integer ids page in numeric order (the issue's lost entries),
ids that cannot be keys, weeks, declarations checked, and the ORM only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from attrs import evolve
from django.db.models import Value
from django.db.models.functions import Concat
from tracker import Customer, Entry, Person, Project, create_tables

import clientportal.contrib.django.mapping as mapping_package
from clientportal import ConfigError, EntryQuery, Portal, Scope
from clientportal.contrib.django.mapping import (
    Clients,
    DjangoDataSource,
    DjangoDirectory,
    Employees,
    Entries,
    Mapping,
    Projects,
    minutes,
)
from clientportal.errors import DataSourceError
from clientportal.ports import EntryCursor, IdOrder

MAP = Mapping(
    clients=Clients(Customer, name="name"),
    projects=Projects(Project, client="customer", name="name"),
    employees=Employees(Person, name=Concat("name", Value(" (staff)"))),
    entries=Entries(Entry, project="project", employee="person", date="day",
                    duration=minutes("minutes"), description="note"),
)  # fmt: skip
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def source(migrated: str) -> DjangoDataSource:
    create_tables(migrated)
    db = migrated
    acme = Customer.objects.using(db).create(id=1, name="Acme")
    Customer.objects.using(db).create(id=2, name="Other")
    ines = Person.objects.using(db).create(id=1, name="Inès")
    site = Project.objects.using(db).create(id=1, customer=acme, name="Site")
    Project.objects.using(db).create(id=2, customer_id=2, name="Theirs")
    Entry.objects.using(db).bulk_create(
        Entry(id=n, project=site, person=ines, day=MONDAY, minutes=n) for n in range(1, 26)
    )
    Entry.objects.using(db).create(
        id=100, project=site, person=ines, day=MONDAY + dt.timedelta(8), minutes=90
    )
    Entry.objects.using(db).create(id=200, project_id=2, person=ines, day=MONDAY, minutes=5)
    return DjangoDataSource(MAP, using=db)


def scope(projects: set[str]) -> Scope:
    portal = Portal.create(id="p", client_id="1", name="P", projects=[],
                           created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # fmt: skip
    return Scope.of(evolve(portal, project_ids=frozenset(projects)))


def test_integer_ids_page_in_numeric_order_and_none_is_lost(source: DjangoDataSource) -> None:
    assert source.id_order is IdOrder.INTEGER
    seen: list[str] = []
    query = EntryQuery(limit=4)
    while True:
        page = source.entries(scope({"1", "2"}), query)
        seen += [e.id for e in page.entries]
        if page.next is None:
            break
        query = EntryQuery(limit=4, after=page.next)
    assert seen == ["100", *(str(n) for n in range(1, 26))]  # 9 before 10; 200 is Other's


def test_a_cursor_this_source_never_gave_is_refused(source: DjangoDataSource) -> None:
    with pytest.raises(DataSourceError, match="not a canonical decimal integer"):
        source.entries(scope({"1"}), EntryQuery(after=EntryCursor(MONDAY, "e07")))


def test_a_cursor_beyond_every_key_comes_after_its_whole_day(source: DjangoDataSource) -> None:
    after = EntryCursor(MONDAY, str(2**70))  # canonical, but no integer key holds it
    page = source.entries(scope({"1", "2"}), EntryQuery(after=after))
    assert all(e.date < MONDAY for e in page.entries)


def test_ids_that_cannot_be_keys_find_nothing(source: DjangoDataSource) -> None:
    assert source.client("1") is not None
    assert source.client("01") is None
    assert source.client("x") is None
    assert source.client(str(2**70)) is None
    assert source.employees(frozenset({"1", "1.0", "e1"})) == [
        source.employees(frozenset({"1"}))[0]
    ]
    assert source.employees(frozenset({"1"}))[0].name == "Inès (staff)"
    assert [e.id for e in source.entries_by_id(frozenset({"3", "03", "abc"}))] == ["3"]
    assert source.projects(scope({"1", "2", "zz"}))[0].id == "1"
    assert len(source.projects(scope({"1", "2", "zz"}))) == 1


def test_weeks_are_summed_by_monday(source: DjangoDataSource) -> None:
    weeks = source.entry_week_seconds(scope({"1"}), MONDAY, MONDAY + dt.timedelta(7))
    assert weeks == {MONDAY: sum(range(1, 26)) * 60, MONDAY + dt.timedelta(7): 90 * 60}
    assert source.entry_employee_ids(scope({"1"})) == frozenset({"1"})
    assert source.contacts("1") == []  # the map has no contacts
    assert source.budgets(scope({"1"})) == []


def test_a_declaration_that_cannot_work_is_refused_naming_the_field() -> None:
    with pytest.raises(ConfigError, match="model must be a Django model class"):
        Clients("Customer", name="name")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="name must be a field name"):
        Clients(Customer, name=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"duration must be minutes\('field'\)"):
        Entries(Entry, project="project", employee="person", date="day", duration="minutes")  # type: ignore[arg-type]


def test_the_source_is_the_orm_only() -> None:
    folder = Path(mapping_package.__file__).parent
    code = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    assert not re.search(r"\.raw\(|\.extra\(|RawSQL|cursor\(|connection\.execute", code)


def test_the_directory_lists_clients_and_a_clients_projects(source: DjangoDataSource) -> None:
    directory = DjangoDirectory(MAP, using=source.using)
    assert [(c.id, c.name) for c in directory.clients()] == [("1", "Acme"), ("2", "Other")]
    assert [(p.id, p.name) for p in directory.projects("2")] == [("2", "Theirs")]
    assert directory.projects("x") == []
    assert directory.contacts("1") == []
