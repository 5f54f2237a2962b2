"""The link register: the agency issues, lists and revokes the links that open its portals.

A link is a capability: whoever holds its token may open the portal (and, on a portal that asks
for one, enter the one-time code e-mailed to the link's contact). :class:`LinkRegister` issues
links with their tokens (the token exists only in the returned :class:`IssuedLink`: the store keeps
a hash of its secret), revokes one link or every link of a portal at once (its generation moves
on), and chooses whether a portal asks for an e-mail code. Every change is written to the access
log; issuing and revoking a link also write ``link.issued`` and ``link.revoked`` events.
"""

from __future__ import annotations

import datetime as dt
import secrets

from attrs import field, frozen

from ..access import (
    OK,
    AccessAction,
    AccessCodec,
    AccessEvent,
    AccessMode,
    Link,
    LinkClaim,
    LinkStatus,
    PortalAccess,
    RandomBytes,
    new_secret,
    random_id,
    secret_digest,
)
from ..errors import ConfigError, NotFound
from ..model import Portal
from ..ports import AccessLog, Clock, PortalStore, SystemClock, aware_now
from ..ports.events import LINK_ISSUED, LINK_REVOKED
from .events import link_event

__all__ = ["IssuedLink", "LinkRegister"]


@frozen(kw_only=True)
class IssuedLink:
    """A new link and its token. The token exists only here: send it, then let it go."""

    link: Link
    token: str = field(repr=False)


class LinkRegister:
    """Issues, lists and revokes a store's links; tokens are signed with ``codec``'s keys.

    Build it through :class:`~clientportal.service.access.AccessGate` (its ``links``), which shares
    the codec, store, log and clock with the visitors' side.
    """

    def __init__(
        self,
        store: PortalStore,
        codec: AccessCodec,
        *,
        log: AccessLog,
        clock: Clock | None = None,
        random_bytes: RandomBytes = secrets.token_bytes,
    ) -> None:
        self._store = store
        self._codec = codec
        self._log = log
        self._clock: Clock = SystemClock() if clock is None else clock
        self._random = random_bytes

    def __repr__(self) -> str:
        return f"LinkRegister(store={self._store!r})"

    def issue(
        self,
        portal_id: str,
        contact_id: str | None = None,
        *,
        expires_at: dt.datetime | None = None,
    ) -> IssuedLink:
        """A new link to the portal for ``contact_id`` (``None``: a shared link), with its token.

        ``expires_at`` defaults to now + the policy's ``link_lifetime`` (180 days by default;
        never, with ``link_lifetime=None``).
        Raises :class:`~clientportal.NotFound` for an unknown portal and
        :class:`~clientportal.ConfigError` when the contact is not on the portal, the expiry is
        not in the future, or a shared link is asked for on a portal that needs e-mail codes.
        """
        now = aware_now(self._clock)
        portal, access = self._portal(portal_id)
        problems: list[str] = []
        if contact_id is not None and contact_id not in portal.contact_ids:
            problems.append(
                f"contact {contact_id!r} is not on portal {portal_id!r}: add it to the portal's "
                "contact_ids before issuing it a link"
            )
        if contact_id is None and access.mode is AccessMode.LINK_AND_CODE:
            problems.append(
                f"portal {portal_id!r} asks for an e-mail code, which a shared link cannot "
                "receive: issue each contact a link of their own"
            )
        lifetime = self._codec.policy.link_lifetime
        if expires_at is None and lifetime is not None:
            expires_at = now + lifetime
        if expires_at is not None:
            if expires_at.tzinfo is None or expires_at.utcoffset() is None:
                problems.append(f"expires_at must be timezone-aware, got {expires_at.isoformat()}")
            elif expires_at <= now:
                problems.append(
                    f"expires_at {expires_at.isoformat()} is not in the future "
                    f"(now is {now.isoformat()})"
                )
        if problems:
            raise ConfigError(problems, subject="the new link")
        secret = new_secret(self._random)
        link = Link(
            id=random_id(self._random),
            portal_id=portal_id,
            contact_id=contact_id,
            generation=access.generation,
            secret_hash=secret_digest(secret),
            created_at=now,
            expires_at=expires_at,
        )
        self._store.add_link(
            link, events=[link_event(LINK_ISSUED, link, client_id=portal.client_id, at=now)]
        )
        token = self._codec.link_token(
            LinkClaim(link_id=link.id, generation=link.generation, secret=secret, issued_at=now)
        )
        self._log_ok(AccessAction.ISSUE, now, link_id=link.id, portal_id=portal_id)
        return IssuedLink(link=link, token=token)

    def for_portal(self, portal_id: str) -> tuple[Link, ...]:
        """The portal's links, revoked and expired ones included, oldest first; raises
        :class:`~clientportal.NotFound` for an unknown portal."""
        self._portal(portal_id)
        return tuple(self._store.list_links(portal_id))

    def status(self, link: Link) -> LinkStatus:
        """Whether ``link`` opens its portal now (REVOKED when the portal no longer exists)."""
        access = self._store.get_access(link.portal_id)
        if access is None:
            return LinkStatus.REVOKED
        return link.status(now=aware_now(self._clock), generation=access.generation)

    def revoke(self, link_id: str) -> Link:
        """Revoke one link (and so end its sessions); revoking twice keeps the first time."""
        now = aware_now(self._clock)
        link = self._store.get_link(link_id)
        if link is None:
            raise NotFound(f"no link with id {link_id!r}: list a portal's links with for_portal()")
        portal = self._store.get_portal(link.portal_id)
        client_id = None if portal is None else portal.client_id
        event = link_event(LINK_REVOKED, link, client_id=client_id, at=now)
        self._store.revoke_link(link_id, now, events=[event])
        self._log_ok(AccessAction.REVOKE, now, link_id=link_id, portal_id=link.portal_id)
        revoked = self._store.get_link(link_id)
        assert revoked is not None
        return revoked

    def regenerate(self, link_id: str, *, expires_at: dt.datetime | None = None) -> IssuedLink:
        """A new link for the same portal and contact; the old link is revoked.

        Two writes, not one transaction: the new link is issued (``link.issued``) before the
        old one is revoked (``link.revoked``). If the second fails, the old link still works
        beside the new one: revoke it again with :meth:`revoke`."""
        old = self._store.get_link(link_id)
        if old is None:
            raise NotFound(f"no link with id {link_id!r}: list a portal's links with for_portal()")
        issued = self.issue(old.portal_id, old.contact_id, expires_at=expires_at)
        self.revoke(link_id)
        return issued

    def revoke_all(self, portal_id: str) -> int:
        """Revoke every link of the portal at once (its generation moves on); returns the new
        generation. Links issued afterwards work as usual. Writes a ``link.revoked`` event for
        each link that was active (with the new generation, in one transaction)."""
        now = aware_now(self._clock)
        portal, access = self._portal(portal_id)
        events = [
            link_event(LINK_REVOKED, link, client_id=portal.client_id, at=now)
            for link in self._store.list_links(portal_id)
            if link.status(now=now, generation=access.generation) is LinkStatus.ACTIVE
        ]
        generation = self._store.bump_generation(portal_id, events)
        self._log_ok(AccessAction.REVOKE_ALL, now, portal_id=portal_id)
        return generation

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Choose whether the portal asks for a one-time e-mail code after the link.

        Switching to :attr:`AccessMode.LINK_AND_CODE` ends the sessions that were opened without
        a code.
        """
        now = aware_now(self._clock)
        self._portal(portal_id)
        self._store.set_access_mode(portal_id, mode)
        self._log_ok(AccessAction.SET_MODE, now, portal_id=portal_id)

    def _portal(self, portal_id: str) -> tuple[Portal, PortalAccess]:
        portal = self._store.get_portal(portal_id)
        access = self._store.get_access(portal_id)
        if portal is None or access is None:
            raise NotFound(f"no portal with id {portal_id!r}: store it with put_portal() first")
        return portal, access

    def _log_ok(
        self,
        action: AccessAction,
        now: dt.datetime,
        *,
        link_id: str | None = None,
        portal_id: str,
    ) -> None:
        self._log.record(
            AccessEvent(at=now, action=action, reason=OK, link_id=link_id, portal_id=portal_id)
        )
