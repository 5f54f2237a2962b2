"""Test configuration: hypothesis profiles chosen by the CI variable, and the SQL databases the
storage tests share (SQLite in memory, a PostgreSQL schema of their own).

``dev`` is quick, for a developer's edit-test loop; ``ci`` runs at least 1000 examples per property
(the visibility properties rely on it). ``HYPOTHESIS_PROFILE`` overrides the choice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=1000,
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

settings.register_profile("mutants", settings.get_profile("dev"), max_examples=25, derandomize=True, database=None)  # noqa: E501  # fmt: skip
_in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if _in_ci else "dev"))


@pytest.fixture(scope="module")
def sqlite_memory() -> Iterator[Engine]:
    """A fresh in-memory SQLite database with the library's and the reference tables."""
    from clientportal.sql import create_engine
    from clientportal.sql.testing import ready_for_tests

    engine = ready_for_tests(create_engine("sqlite://"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Engine]:
    """The same in a schema of its own on the test PostgreSQL (skipped without one, unless CI)."""
    from clientportal.sql.testing import postgres_url, ready_for_tests, temporary_schema

    with temporary_schema(postgres_url()) as engine:
        yield ready_for_tests(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """Each database in turn, with the library's tables: a SQLite file of this test, then the
    test PostgreSQL's schema (:func:`postgres`) emptied. A module needing others defines its own."""
    from clientportal.sql import create_engine
    from clientportal.sql.testing import clear_tables, ready_for_tests

    if request.param == "sqlite":
        made = ready_for_tests(create_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}"))
        yield made
        made.dispose()
    else:
        shared: Engine = request.getfixturevalue("postgres")
        clear_tables(shared)
        yield shared
