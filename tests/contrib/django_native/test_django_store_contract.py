"""The SqlStore's whole contract on the tables the app's Django migrations make (SQLite and
PostgreSQL), through the engine built from Django's settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from clientportal.contrib.django.engine import engine_from_settings
from clientportal.ports import Store
from clientportal.sql import SqlStore
from clientportal.sql.testing import clear_tables
from clientportal.testing.contract import StoreContract


class TestStoreOnMigratedTables(StoreContract):
    """The SqlStore's contract, on the tables ``migrate`` made, through the engine the helper
    builds from Django's settings."""

    engine: Engine

    @pytest.fixture(autouse=True)
    def _engine(self, migrated: str) -> Iterator[None]:
        self.engine = engine_from_settings(migrated)
        yield
        self.engine.dispose()

    def make_store(self) -> Store:
        clear_tables(self.engine, reference=False)
        return SqlStore(self.engine)
