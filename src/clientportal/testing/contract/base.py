"""What every store contract shares: the store under test, the ports it implements, and threads
racing at it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import pytest

__all__ = ["StorePortContract"]

_S = TypeVar("_S")
_T = TypeVar("_T")


class StorePortContract(Generic[_S]):
    """The base of the store contracts: a subclass says which ports its store implements, the
    host's test class says how to make one."""

    #: How many threads the atomicity tests race (0 skips them).
    threads: ClassVar[int] = 6
    #: The (runtime-checkable) ports the store under test must implement.
    ports: ClassVar[tuple[type[Any], ...]] = ()

    def make_store(self) -> _S:
        """A fresh, empty store."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_store() (return a fresh, empty store)"
        )

    def _race(self, work: Callable[[], _T]) -> list[_T]:
        """Run ``work`` in :attr:`threads` threads at once; their results, in no order."""
        if self.threads < 2:
            pytest.skip("this store is not shared between threads (threads < 2)")
        return _in_threads(work, self.threads)

    def test_contract_store_implements_the_ports(self) -> None:
        store = self.make_store()
        for port in self.ports:
            assert isinstance(store, port), f"the store does not implement {port.__name__}"


def _in_threads(work: Callable[[], _T], threads: int) -> list[_T]:
    """Start ``threads`` threads together, each running ``work``; raise the first error."""
    barrier = threading.Barrier(threads)
    results: list[_T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            result = work()
        except BaseException as error:
            with lock:
                errors.append(error)
        else:
            with lock:
                results.append(result)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    return results
