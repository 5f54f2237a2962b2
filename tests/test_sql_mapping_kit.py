"""The contract kit on a :class:`~clientportal.sql.mapping.MappedDataSource` over a host schema
unlike the reference one that holds every part of the contract (``mapped_hosts.full``), with the
kit's own text ids: SQLite and PostgreSQL, exact pushdown."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from clientportal.model import Dataset
from clientportal.ports import ApprovalStore, DataSource, IdOrder
from clientportal.sql import SqlStore
from clientportal.sql.testing import clear_tables
from clientportal.testing.contract import DataSourceContract
from mapped_hosts import load_full


class MappedSourceBase(DataSourceContract):
    exact_pushdown = True
    engine: Engine

    def make_store(self) -> ApprovalStore:
        clear_tables(self.engine)
        return SqlStore(self.engine)

    def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
        source = load_full(self.engine, dataset)
        assert source.id_order is IdOrder.TEXT
        return source


class TestSqliteMappedSource(MappedSourceBase):
    @pytest.fixture(autouse=True)
    def _engine(self, sqlite_memory: Engine) -> None:
        self.engine = sqlite_memory


class TestPostgresMappedSource(MappedSourceBase):
    max_examples = 50

    @pytest.fixture(autouse=True)
    def _engine(self, postgres: Engine) -> None:
        self.engine = postgres
