"""What the access gate makes of the records a token or session names: the stored link, and the
stored session that makes a signed session value good, or the refusal that says why not; and a
new session, stored and signed."""

from __future__ import annotations

import datetime as dt

from ..access import AccessCodec, Link, SessionClaim, SessionRecord, secret_digest
from ..errors import InvalidToken, SessionEnded, SessionExpired
from ..model import Portal
from ..ports import PortalStore
from .visits import SessionGrant

__all__ = ["new_session", "stored_link", "stored_session"]


def new_session(
    store: PortalStore,
    codec: AccessCodec,
    link: Link,
    portal: Portal,
    *,
    code_verified: bool,
    now: dt.datetime,
    session_id: str,
) -> SessionGrant:
    """A new session of ``link`` (random ``session_id``): its record stored (keyed by the id's
    hash, so the store never holds a usable session) and its value signed by ``codec``."""
    issued_at = now.replace(microsecond=0)  # signed timestamps are whole seconds
    claim = SessionClaim(
        link_id=link.id,
        generation=link.generation,
        session_id=session_id,
        code_verified=code_verified,
        issued_at=issued_at,
    )
    store.add_session(
        SessionRecord(
            id_hash=secret_digest(session_id),
            link_id=link.id,
            code_verified=code_verified,
            created_at=now,
            last_seen_at=now,
        )
    )
    return SessionGrant(
        value=codec.session_value(claim),
        csrf_token=codec.csrf_token(session_id),
        link=link,
        portal=portal,
        issued_at=issued_at,
        expires_at=codec.session_expires_at(claim),
    )


def stored_link(link_id: str, link: Link | None) -> Link:
    """The stored ``link`` a genuine token or session names (``link_id``), or
    :class:`~clientportal.InvalidToken` when the store holds none."""
    if link is None:
        # Signed by our keys for a link the store does not hold (deleted, or another store).
        raise InvalidToken(f"link {link_id!r} does not exist: issue the contact a new link")
    return link


def stored_session(
    claim: SessionClaim, record: SessionRecord | None, *, now: dt.datetime, timeout: dt.timedelta
) -> SessionRecord:
    """The stored session (``record``) a genuine session value (``claim``) names, or the reason
    it is no longer good: not held (or another link's), ended, or idle for ``timeout``."""
    link_id = claim.link_id
    if record is None or record.link_id != link_id:
        raise InvalidToken(
            f"a session of link {link_id!r} that the store does not hold (forged, or given "
            "out before sessions were stored): open the link again",
            link_id=link_id,
        )
    if record.ended_at is not None:
        raise SessionEnded(link_id=link_id)
    if record.idle(now=now, timeout=timeout):
        raise SessionExpired(
            f"the session of link {link_id!r} was not used for {timeout}: open the link again",
            link_id=link_id,
        )
    return record
