"""A host's Alembic autogenerate, run for real against a database holding the host's tables and
the library's (``upgrade``), proposes nothing about ``cp_*`` with the library's hooks, while it
still sees the host's own changes; without them it would drop every library table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("alembic", reason="the SQL backend needs Alembic (the sql extra)")

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from clientportal.sql import metadata, upgrade
from clientportal.sql.alembic_host import include_name, include_object, is_library_table
from clientportal.sql.testing import postgres_url, temporary_schema


def host_metadata(*, with_paid_column: bool = False) -> sa.MetaData:
    """The host's models: invoices and their lines (and, when asked, a column not yet made)."""
    host = sa.MetaData()
    columns = [sa.Column("id", sa.Integer, primary_key=True), sa.Column("total", sa.Numeric)]
    if with_paid_column:
        columns.append(sa.Column("paid", sa.Boolean))
    sa.Table("invoices", host, *columns)
    sa.Table(
        "invoice_lines",
        host,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("invoice_id", sa.ForeignKey("invoices.id"), index=True),
    )
    return host


@pytest.fixture(params=["sqlite", "postgresql"])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with the host's tables and the library's, each made by its own owner."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'host.sqlite3'}")
        host_metadata().create_all(engine)
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    with temporary_schema(postgres_url()) as engine:
        host_metadata().create_all(engine)
        upgrade(engine)
        yield engine


def autogenerate(engine: Engine, target: sa.MetaData, **hooks: Any) -> list[Any]:
    """What ``alembic revision --autogenerate`` would write: the diffs against ``target``."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, **hooks})
        return list(compare_metadata(context, target))


def touches_library(diff: Any) -> bool:
    """Whether an autogenerate diff (a tuple, or a list of them for column changes) names a
    ``cp_*`` table."""
    if isinstance(diff, list):
        return any(touches_library(d) for d in diff)
    for part in diff:
        table = part if isinstance(part, sa.Table) else getattr(part, "table", None)
        if isinstance(table, sa.Table) and is_library_table(table.name):
            return True
        if isinstance(part, str) and is_library_table(part):
            return True
    return False


HOOKS = {"include_name": include_name, "include_object": include_object}


def test_without_the_hooks_autogenerate_would_drop_the_librarys_tables(both: Engine) -> None:
    diffs = autogenerate(both, host_metadata())
    dropped = {d[1].name for d in diffs if isinstance(d, tuple) and d[0] == "remove_table"}
    assert dropped >= {t.name for t in metadata.sorted_tables}
    assert "cp_alembic_version" in dropped


def test_with_the_hooks_autogenerate_proposes_nothing_about_the_library(both: Engine) -> None:
    assert autogenerate(both, host_metadata(), **HOOKS) == []


def test_the_hooks_still_let_the_hosts_own_changes_through(both: Engine) -> None:
    diffs = autogenerate(both, host_metadata(with_paid_column=True), **HOOKS)
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "invoices", "paid")]
    assert not any(touches_library(d) for d in diffs)


def test_include_object_alone_is_enough_for_older_alembic(both: Engine) -> None:
    assert autogenerate(both, host_metadata(), include_object=include_object) == []


def test_a_host_table_with_the_library_prefix_in_its_models_is_left_alone_too(
    both: Engine,
) -> None:
    """The prefix is reserved: a host model named cp_* is never compared (said in the docs)."""
    host = host_metadata()
    sa.Table("cp_host_notes", host, sa.Column("id", sa.Integer, primary_key=True))
    assert autogenerate(both, host, **HOOKS) == []
