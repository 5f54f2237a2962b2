"""``MemoryAccessLog``: the access log as a list (on its own, or inside a ``MemoryStore``)."""

from __future__ import annotations

import threading

from ..access import AccessEvent

__all__ = ["MemoryAccessLog"]


class MemoryAccessLog:
    """An :class:`~clientportal.ports.AccessLog` that keeps its events in a list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[AccessEvent] = []

    def __repr__(self) -> str:
        return f"MemoryAccessLog(<{len(self._events)} events>)"

    def record(self, event: AccessEvent) -> None:
        """Append ``event``."""
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> tuple[AccessEvent, ...]:
        """Every event recorded so far, oldest first."""
        with self._lock:
            return tuple(self._events)
