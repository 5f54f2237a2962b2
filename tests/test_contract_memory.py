"""The contract kit run against the in-memory backends (and so checked itself)."""

from __future__ import annotations

from clientportal.memory import MemoryDataSource, MemoryStore
from clientportal.model import Dataset
from clientportal.ports import ApprovalStore, DataSource, Store
from clientportal.testing.contract import DataSourceContract, StoreContract


class TestMemoryDataSource(DataSourceContract):
    exact_pushdown = True

    def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
        return MemoryDataSource(dataset, store)


class TestMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return MemoryStore()
