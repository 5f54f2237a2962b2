"""In-memory backends: the whole :class:`~clientportal.ports.Store`, a
:class:`~clientportal.ports.DataSource` over a :class:`~clientportal.model.Dataset`, an access log,
and a hand-moved clock.

For tests, examples and single-process apps. Every object is thread-safe (one lock each) and
holds only the frozen records it is given, so nothing handed out can change behind its back.
"""

from .clock import ManualClock as ManualClock
from .log import MemoryAccessLog as MemoryAccessLog
from .portals import MemoryPortalStore as MemoryPortalStore
from .source import MemoryDataSource as MemoryDataSource
from .store import MemoryStore as MemoryStore
