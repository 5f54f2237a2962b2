"""``ManualClock``: a clock that stands still until a test moves it."""

from __future__ import annotations

import datetime as dt
import threading

__all__ = ["ManualClock"]


class ManualClock:
    """A :class:`~clientportal.ports.Clock` that stands still until it is moved (for tests)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start must be timezone-aware, got {start.isoformat()}")
        self._lock = threading.Lock()
        self._now = start

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"

    def now(self) -> dt.datetime:
        """The clock's current time."""
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock on by ``delta`` and return the new time."""
        with self._lock:
            self._now = self._now + delta
            return self._now

    def set(self, at: dt.datetime) -> None:
        """Put the clock at ``at`` (timezone-aware)."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"the clock's time must be timezone-aware, got {at.isoformat()}")
        with self._lock:
            self._now = at
