"""The contract kit against the SQL backends: SQLite always, PostgreSQL when one is configured.

PostgreSQL comes from ``CLIENTPORTAL_TEST_POSTGRES_URL`` (``.ci/run`` sets it); each run works in
its own schema, dropped afterwards. Without the variable those tests skip, except under
``CI=true``, where a missing database is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from clientportal.model import Dataset
from clientportal.ports import ApprovalStore, DataSource, DocumentFile, Store
from clientportal.sql import SqlDataSource, SqlStore, create_engine, load_dataset
from clientportal.sql.testing import clear_tables, ready_for_tests
from clientportal.testing.contract import DataSourceContract, StoreContract


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("sqlite") / "contract.sqlite3"
    engine = ready_for_tests(create_engine(f"sqlite:///{path}"))
    yield engine
    engine.dispose()


class SqlSourceBase(DataSourceContract):
    exact_pushdown = True
    engine: Engine

    def make_store(self) -> ApprovalStore:
        clear_tables(self.engine)
        return SqlStore(self.engine)

    def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
        load_dataset(self.engine, dataset)
        return SqlDataSource(self.engine)

    def make_source_with_files(
        self,
        dataset: Dataset,
        store: ApprovalStore,
        files: Mapping[tuple[str, str], DocumentFile],
    ) -> DataSource:
        load_dataset(self.engine, dataset, documents=files)
        return SqlDataSource(self.engine)


class SqlStoreBase(StoreContract):
    engine: Engine

    def make_store(self) -> Store:
        clear_tables(self.engine, reference=False)
        return SqlStore(self.engine)


class TestSqliteDataSource(SqlSourceBase):
    @pytest.fixture(autouse=True)
    def _engine(self, sqlite_memory: Engine) -> None:
        self.engine = sqlite_memory


class TestSqliteStore(SqlStoreBase):
    @pytest.fixture(autouse=True)
    def _engine(self, sqlite_file: Engine) -> None:
        self.engine = sqlite_file


class TestPostgresDataSource(SqlSourceBase):
    max_examples = 50

    @pytest.fixture(autouse=True)
    def _engine(self, postgres: Engine) -> None:
        self.engine = postgres


class TestPostgresStore(SqlStoreBase):
    @pytest.fixture(autouse=True)
    def _engine(self, postgres: Engine) -> None:
        self.engine = postgres
