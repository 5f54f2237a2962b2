"""The contract kit run against the in-memory backends (and so checked itself): the whole store,
and the stores of one port each, which run only their port's contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from clientportal.access import AccessEvent
from clientportal.memory import MemoryAccessLog, MemoryDataSource, MemoryPortalStore, MemoryStore
from clientportal.model import Dataset
from clientportal.ports import (
    AccessLog,
    ApprovalStore,
    DataSource,
    DocumentFile,
    PortalStore,
    Store,
)
from clientportal.testing.contract import (
    AccessLogContract,
    DataSourceContract,
    PortalStoreContract,
    StoreContract,
)


class TestMemoryDataSource(DataSourceContract):
    exact_pushdown = True

    def make_source(self, dataset: Dataset, store: ApprovalStore) -> DataSource:
        return MemoryDataSource(dataset, store)

    def make_source_with_files(
        self,
        dataset: Dataset,
        store: ApprovalStore,
        files: Mapping[tuple[str, str], DocumentFile],
    ) -> DataSource:
        return MemoryDataSource(dataset, store, documents=files)


class TestMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return MemoryStore()


class TestMemoryPortalStore(PortalStoreContract):
    def make_store(self) -> PortalStore:
        return MemoryPortalStore()


class TestMemoryAccessLog(AccessLogContract):
    def make_store(self) -> AccessLog:
        return MemoryAccessLog()

    def recorded_access_events(self, store: AccessLog) -> Sequence[AccessEvent] | None:
        assert isinstance(store, MemoryAccessLog)
        return store.events
