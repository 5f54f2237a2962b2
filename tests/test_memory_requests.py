"""The request store's contract on the memory store, racing eight threads at its once-only
methods."""

from __future__ import annotations

from typing import ClassVar

from clientportal.memory import MemoryStore
from clientportal.testing.contract import RequestStoreContract


class TestMemoryRequests(RequestStoreContract):
    threads: ClassVar[int] = 8

    def make_store(self) -> MemoryStore:
        return MemoryStore()
