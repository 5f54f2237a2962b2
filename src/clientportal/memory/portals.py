"""``MemoryPortalStore``: portals, their links, sessions and one-time codes in a few dicts."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence

from attrs import evolve

from ..access import AccessMode, Link, OneTimeCode, PortalAccess, SessionRecord
from ..errors import NotFound
from ..model import Portal
from ..ports import NewEvent, RateLimiter, link_problem, session_problem
from ..ports.state import VisitRecords, read_visit
from .events import MemoryEventLog

__all__ = ["MemoryPortalStore"]


class MemoryPortalStore(MemoryEventLog):
    """A :class:`~clientportal.ports.PortalStore` in a few dicts, with the event log its
    changes write to (:class:`~clientportal.memory.events.MemoryEventLog`)."""

    def __init__(self, portals: Iterable[Portal] = ()) -> None:
        self._lock = threading.Lock()
        MemoryEventLog.__init__(self)
        self._portals: dict[str, Portal] = {}
        self._access: dict[str, PortalAccess] = {}
        self._links: dict[str, Link] = {}
        self._codes: dict[str, OneTimeCode] = {}  # by link id: one code per link
        self._code_links: dict[str, str] = {}  # code id -> link id
        self._sessions: dict[str, SessionRecord] = {}  # by id hash
        for portal in portals:
            self.put_portal(portal)

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"MemoryPortalStore(<{len(self._portals)} portals, {len(self._links)} links, "
                f"{len(self._codes)} codes>)"
            )

    # -- portals -------------------------------------------------------------------------------

    def put_portal(self, portal: Portal, events: Sequence[NewEvent] = ()) -> None:
        """Create or replace a portal (and write ``events``); a replaced portal keeps its
        generation and access mode."""
        with self._lock:
            self._append_events(events)
            self._portals[portal.id] = portal
            self._access.setdefault(portal.id, PortalAccess(portal_id=portal.id))

    def get_portal(self, portal_id: str) -> Portal | None:
        """The portal with this id, or ``None``."""
        return self._portals.get(portal_id)

    def list_portals(self) -> Sequence[Portal]:
        """Every portal, ordered by id."""
        with self._lock:
            return sorted(self._portals.values(), key=lambda portal: portal.id)

    def get_access(self, portal_id: str) -> PortalAccess | None:
        """The portal's generation and access mode, or ``None`` for an unknown portal."""
        return self._access.get(portal_id)

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Set how the portal admits visitors; :class:`~clientportal.NotFound` for an unknown
        portal."""
        with self._lock:
            self._access[portal_id] = evolve(self._known(portal_id), mode=mode)

    def bump_generation(self, portal_id: str, events: Sequence[NewEvent] = ()) -> int:
        """Move the portal's generation on by one and return it (and write ``events``);
        :class:`~clientportal.NotFound` when unknown."""
        with self._lock:
            access = self._known(portal_id)
            self._access[portal_id] = access = evolve(access, generation=access.generation + 1)
            self._append_events(events)
            return access.generation

    def _known(self, portal_id: str) -> PortalAccess:
        try:
            return self._access[portal_id]
        except KeyError:
            raise NotFound(f"no portal with id {portal_id!r}: put_portal() it first") from None

    # -- links ---------------------------------------------------------------------------------

    def add_link(self, link: Link, events: Sequence[NewEvent] = ()) -> None:
        """Store a new link (and write ``events``); :class:`~clientportal.ValidationError` when
        its id is taken, :class:`~clientportal.NotFound` when its portal is unknown."""
        with self._lock:
            if link.id in self._links or link.portal_id not in self._portals:
                raise link_problem(link, id_taken=link.id in self._links)
            self._append_events(events)
            self._links[link.id] = link

    def get_link(self, link_id: str) -> Link | None:
        """The link with this id, or ``None``."""
        return self._links.get(link_id)

    def list_links(self, portal_id: str) -> Sequence[Link]:
        """The portal's links, oldest first."""
        with self._lock:
            links = [link for link in self._links.values() if link.portal_id == portal_id]
        return sorted(links, key=lambda link: (link.created_at, link.id))

    def mark_link_used(
        self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()
    ) -> None:
        """Set the link's ``last_used_at`` (and write ``events``)."""
        with self._lock:
            self._append_events(events)
            link = self._links.get(link_id)
            if link is not None:
                self._links[link_id] = evolve(link, last_used_at=at)

    def revoke_link(self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()) -> None:
        """Set the link's ``revoked_at`` unless it is already revoked (and then write
        ``events``)."""
        with self._lock:
            link = self._links.get(link_id)
            if link is not None and link.revoked_at is None:
                self._links[link_id] = evolve(link, revoked_at=at)
                self._append_events(events)

    # -- sessions ------------------------------------------------------------------------------

    def read_visit(
        self,
        link_id: str,
        session_hash: str | None = None,
        *,
        budgets: Sequence[tuple[RateLimiter, str]] = (),
        now: dt.datetime | None = None,
    ) -> VisitRecords:
        """The link, its portal and access state, and the session (when ``session_hash`` is
        given), as the per-record methods return them; ``budgets`` are left to their limiters
        (:class:`~clientportal.ports.state.VisitReader`)."""
        return read_visit(self, link_id, session_hash)

    def add_session(self, session: SessionRecord) -> None:
        """Store a new session; :class:`~clientportal.ValidationError` when its id hash is
        taken, :class:`~clientportal.NotFound` when its link is unknown."""
        with self._lock:
            taken = session.id_hash in self._sessions
            if taken or session.link_id not in self._links:
                raise session_problem(session, id_taken=taken)
            self._sessions[session.id_hash] = session

    def get_session(self, id_hash: str) -> SessionRecord | None:
        """The session whose id hashes to ``id_hash``, or ``None``."""
        return self._sessions.get(id_hash)

    def touch_session(self, id_hash: str, at: dt.datetime) -> None:
        """Move the session's ``last_seen_at`` on to ``at`` (never back; not once it ended)."""
        with self._lock:
            session = self._sessions.get(id_hash)
            if session is not None and session.ended_at is None and session.last_seen_at < at:
                self._sessions[id_hash] = evolve(session, last_seen_at=at)

    def end_session(self, id_hash: str, at: dt.datetime) -> bool:
        """End the session unless it has ended; True only for the call that ended it."""
        with self._lock:
            session = self._sessions.get(id_hash)
            if session is None or session.ended_at is not None:
                return False
            self._sessions[id_hash] = evolve(session, ended_at=at)
            return True

    def prune_sessions(self, before: dt.datetime) -> int:
        """Delete the sessions last seen (or ended) before ``before``: how many were deleted."""
        with self._lock:
            dead = [
                key
                for key, session in self._sessions.items()
                if session.last_seen_at < before
                or (session.ended_at is not None and session.ended_at < before)
            ]
            for key in dead:
                del self._sessions[key]
            return len(dead)

    # -- one-time codes ------------------------------------------------------------------------

    def put_code(self, code: OneTimeCode) -> None:
        """Make ``code`` its link's one code, dropping any previous one."""
        with self._lock:
            previous = self._codes.get(code.link_id)
            if previous is not None:
                del self._code_links[previous.id]
            self._codes[code.link_id] = code
            self._code_links[code.id] = code.link_id

    def get_code(self, link_id: str) -> OneTimeCode | None:
        """The link's current code, or ``None``."""
        return self._codes.get(link_id)

    def count_code_attempt(self, code_id: str) -> int:
        """Add one to the code's attempts and return the count (0 for a replaced code)."""
        with self._lock:
            link_id = self._code_links.get(code_id)
            if link_id is None:
                return 0
            code = self._codes[link_id]
            self._codes[link_id] = code = evolve(code, attempts=code.attempts + 1)
            return code.attempts

    def use_code(self, code_id: str, at: dt.datetime) -> bool:
        """Mark the code used; True only for the call that did it."""
        with self._lock:
            link_id = self._code_links.get(code_id)
            if link_id is None:
                return False
            code = self._codes[link_id]
            if code.used_at is not None:
                return False
            self._codes[link_id] = evolve(code, used_at=at)
            return True
