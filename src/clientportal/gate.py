"""The access gate: issues, opens and revokes links, and keeps sessions, codes and CSRF honest.

:class:`AccessGate` applies the pure rules of :mod:`clientportal.access` over the ports: the
:class:`~clientportal.ports.PortalStore` (links, generations, codes), the
:class:`~clientportal.ports.AccessLog`, two :class:`~clientportal.ports.RateLimiter` s and a
:class:`~clientportal.ports.Clock`. Every refusal is an :class:`~clientportal.AccessDenied`
subclass whose ``reason`` is recorded in the access log; the web layer shows all of them as the
same 404.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from attrs import field, frozen

from .access import (
    OK,
    AccessAction,
    AccessCodec,
    AccessEvent,
    AccessMode,
    AccessPolicy,
    Link,
    LinkClaim,
    LinkStatus,
    OneTimeCode,
    PendingClaim,
    PortalAccess,
    RandomBytes,
    SecretKeys,
    SessionClaim,
    new_code,
    new_secret,
    random_id,
    secret_digest,
)
from .errors import (
    AccessDenied,
    CodeAttemptsExceeded,
    CodeExpired,
    CodeRequired,
    ConfigError,
    GenerationMismatch,
    InvalidCode,
    InvalidCsrfToken,
    InvalidToken,
    LinkExpired,
    LinkRevoked,
    NotFound,
    PortalInactive,
    RateLimited,
)
from .memory import TokenBucketLimiter
from .model import Portal
from .ports import AccessLog, Clock, PortalStore, RateLimiter, SystemClock

__all__ = [
    "AccessGate",
    "CodeDelivery",
    "IssuedLink",
    "Opening",
    "SessionGrant",
    "Visit",
]

logger = logging.getLogger("clientportal.access")

_SESSION_ID_BYTES = 16


# --------------------------------------------------------------------------------------------------
# What the gate hands out


@frozen(kw_only=True)
class IssuedLink:
    """A new link and its token. The token exists only here: send it, then let it go."""

    link: Link
    token: str = field(repr=False)


@frozen(kw_only=True)
class SessionGrant:
    """A new session: ``value`` goes into an HttpOnly cookie for :attr:`max_age` seconds, and
    ``csrf_token`` into every form that changes something."""

    value: str = field(repr=False)
    csrf_token: str = field(repr=False)
    link: Link
    portal: Portal
    issued_at: dt.datetime
    expires_at: dt.datetime

    @property
    def max_age(self) -> int:
        """The cookie's lifetime in seconds."""
        return int((self.expires_at - self.issued_at).total_seconds())


@frozen(kw_only=True)
class Opening:
    """The result of opening a link.

    With :attr:`AccessMode.LINK` it carries the ``session``. With :attr:`AccessMode.LINK_AND_CODE`
    it carries ``pending`` instead: a signed value for a short-lived cookie that lets the visitor
    ask for (:meth:`AccessGate.request_code`) and enter (:meth:`AccessGate.verify_code`) the
    link's one-time code.
    """

    link: Link
    portal: Portal
    session: SessionGrant | None = None
    pending: str | None = field(default=None, repr=False)

    @property
    def needs_code(self) -> bool:
        """True when the visitor must still enter a one-time code."""
        return self.session is None

    @property
    def contact_id(self) -> str | None:
        """The link's contact (``None`` for a shared link)."""
        return self.link.contact_id


@frozen(kw_only=True)
class Visit:
    """A request with a valid session: who (``link``) is looking at which ``portal``."""

    link: Link
    portal: Portal
    session_id: str = field(repr=False)
    code_verified: bool
    expires_at: dt.datetime

    @property
    def contact_id(self) -> str | None:
        """The link's contact (``None`` for a shared link)."""
        return self.link.contact_id


@frozen(kw_only=True)
class CodeDelivery:
    """A one-time code to e-mail to ``contact_id``; the messages module writes the e-mail."""

    link: Link
    portal: Portal
    contact_id: str
    code: str = field(repr=False)
    expires_at: dt.datetime


# --------------------------------------------------------------------------------------------------
# The gate


class AccessGate:
    """Issues, opens, checks and revokes access to portals.

    ``secret_keys`` is one key or a list ordered oldest → newest (sign with the newest, accept
    all). ``client_limiter`` budgets failed opens per client address (default: 20, then one more
    every 30 seconds); ``code_limiter`` budgets code requests and code attempts per link (default:
    10, then one more every 2 minutes). ``random_bytes`` defaults to :func:`secrets.token_bytes`;
    replace it only in tests.
    """

    def __init__(
        self,
        store: PortalStore,
        secret_keys: SecretKeys,
        *,
        log: AccessLog,
        clock: Clock | None = None,
        policy: AccessPolicy | None = None,
        client_limiter: RateLimiter | None = None,
        code_limiter: RateLimiter | None = None,
        random_bytes: RandomBytes = secrets.token_bytes,
    ) -> None:
        self._store = store
        self._codec = AccessCodec(secret_keys, policy=policy)
        self._log = log
        self._clock: Clock = SystemClock() if clock is None else clock
        self._client_limiter: RateLimiter = (
            TokenBucketLimiter(capacity=20, refill_every=dt.timedelta(seconds=30))
            if client_limiter is None
            else client_limiter
        )
        self._code_limiter: RateLimiter = (
            TokenBucketLimiter(capacity=10, refill_every=dt.timedelta(minutes=2))
            if code_limiter is None
            else code_limiter
        )
        self._random = random_bytes

    def __repr__(self) -> str:
        return f"AccessGate({self._codec!r}, store={self._store!r}, clock={self._clock!r})"

    @property
    def policy(self) -> AccessPolicy:
        """The lifetimes and limits in force."""
        return self._codec.policy

    @property
    def codec(self) -> AccessCodec:
        """The codec that signs and checks this gate's tokens."""
        return self._codec

    # -- administration ------------------------------------------------------------------------

    def issue_link(
        self,
        portal_id: str,
        contact_id: str | None = None,
        *,
        expires_at: dt.datetime | None = None,
    ) -> IssuedLink:
        """A new link to the portal for ``contact_id`` (``None``: a shared link), with its token.

        ``expires_at`` defaults to now + the policy's ``link_lifetime`` (never, by default).
        Raises :class:`~clientportal.NotFound` for an unknown portal and
        :class:`~clientportal.ConfigError` when the contact is not on the portal, the expiry is
        not in the future, or a shared link is asked for on a portal that needs e-mail codes.
        """
        now = self._now()
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
        if expires_at is None and self.policy.link_lifetime is not None:
            expires_at = now + self.policy.link_lifetime
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
        self._store.add_link(link)
        token = self._codec.link_token(
            LinkClaim(link_id=link.id, generation=link.generation, secret=secret, issued_at=now)
        )
        self._record(AccessAction.ISSUE, OK, now, link_id=link.id, portal_id=portal_id)
        return IssuedLink(link=link, token=token)

    def links(self, portal_id: str) -> tuple[Link, ...]:
        """The portal's links, revoked and expired ones included, oldest first."""
        return tuple(self._store.list_links(portal_id))

    def link_status(self, link: Link) -> LinkStatus:
        """Whether ``link`` opens its portal now (REVOKED when the portal no longer exists)."""
        access = self._store.get_access(link.portal_id)
        if access is None:
            return LinkStatus.REVOKED
        return link.status(now=self._now(), generation=access.generation)

    def revoke_link(self, link_id: str) -> Link:
        """Revoke one link (and so end its sessions); revoking twice keeps the first time."""
        now = self._now()
        link = self._store.get_link(link_id)
        if link is None:
            raise NotFound(f"no link with id {link_id!r}: list a portal's links with links()")
        self._store.revoke_link(link_id, now)
        self._record(AccessAction.REVOKE, OK, now, link_id=link_id, portal_id=link.portal_id)
        revoked = self._store.get_link(link_id)
        assert revoked is not None
        return revoked

    def regenerate_link(self, link_id: str, *, expires_at: dt.datetime | None = None) -> IssuedLink:
        """A new link for the same portal and contact; the old link is revoked."""
        old = self._store.get_link(link_id)
        if old is None:
            raise NotFound(f"no link with id {link_id!r}: list a portal's links with links()")
        issued = self.issue_link(old.portal_id, old.contact_id, expires_at=expires_at)
        self.revoke_link(link_id)
        return issued

    def revoke_all(self, portal_id: str) -> int:
        """Revoke every link of the portal at once (its generation moves on); returns the new
        generation. Links issued afterwards work as usual."""
        now = self._now()
        self._portal(portal_id)
        generation = self._store.bump_generation(portal_id)
        self._record(AccessAction.REVOKE_ALL, OK, now, portal_id=portal_id)
        return generation

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Choose whether the portal asks for a one-time e-mail code after the link.

        Switching to :attr:`AccessMode.LINK_AND_CODE` ends the sessions that were opened without
        a code.
        """
        now = self._now()
        self._portal(portal_id)
        self._store.set_access_mode(portal_id, AccessMode(mode))
        self._record(AccessAction.SET_MODE, OK, now, portal_id=portal_id)

    # -- visitors ------------------------------------------------------------------------------

    def check_token(self, token: object) -> LinkClaim:
        """The gate's token check: shape, length and signature of a link token, before any
        lookup. Raises :class:`~clientportal.InvalidToken`."""
        return self._codec.read_link_token(token)

    def open(self, token: object, *, client: str) -> Opening:
        """Open a link token from ``client`` (the client's address).

        Returns an :class:`Opening` with a session, or, on a portal that asks for a code, with a
        pending value. Raises an :class:`~clientportal.AccessDenied` subclass otherwise; every
        failure counts against the client's rate limit.
        """
        now = self._now()
        client_hash = self._codec.client_hash(client)
        link: Link | None = None
        try:
            if not self._client_limiter.allowed(client_hash, now=now):
                raise RateLimited()
            claim = self._codec.read_link_token(token)
            link = self._link(claim.link_id)
            if not link.matches(claim.secret):
                raise InvalidToken(link_id=link.id)
            portal, access = self._admit(link, claim.generation, now)
            if access.mode is AccessMode.LINK_AND_CODE:
                if link.contact_id is None:
                    raise CodeRequired(
                        f"shared link {link.id!r} cannot open portal {portal.id!r}, which asks "
                        "for an e-mail code: issue the contact a link of their own",
                        link_id=link.id,
                    )
                pending = self._codec.pending_value(
                    PendingClaim(link_id=link.id, generation=link.generation, issued_at=now)
                )
                opening = Opening(link=link, portal=portal, pending=pending)
            else:
                session = self._grant(link, portal, code_verified=False, now=now)
                opening = Opening(link=link, portal=portal, session=session)
            self._store.mark_link_used(link.id, now)
        except AccessDenied as denied:
            self._client_limiter.hit(client_hash, now=now)
            self._deny(AccessAction.OPEN, denied, now, link, client_hash)
            raise
        self._record(
            AccessAction.OPEN,
            OK,
            now,
            link_id=link.id,
            portal_id=link.portal_id,
            client=client_hash,
        )
        return opening

    def request_code(self, pending: object, *, client: str) -> CodeDelivery:
        """Make a new one-time code for the link a visitor opened (``pending`` from
        :class:`Opening`); any earlier code of the link stops working.

        Returns what must be e-mailed. Requests are rate-limited per link.
        """
        now = self._now()
        link: Link | None = None
        try:
            claim = self._codec.read_pending(pending, now=now)
            link = self._link(claim.link_id)
            portal, access = self._admit(link, claim.generation, now)
            contact_id = link.contact_id
            if access.mode is not AccessMode.LINK_AND_CODE or contact_id is None:
                raise CodeRequired(
                    f"link {link.id!r} cannot receive a code on portal {portal.id!r} in mode "
                    f"{access.mode.name}: open the link again",
                    link_id=link.id,
                )
            if not self._code_limiter.hit(f"send:{link.id}", now=now):
                raise RateLimited(
                    f"too many codes were asked for link {link.id!r}: wait before asking again",
                    link_id=link.id,
                )
            code = new_code(self._random)
            code_id = random_id(self._random)
            record = OneTimeCode(
                id=code_id,
                link_id=link.id,
                code_hash=self._codec.hash_code(code_id, code),
                created_at=now,
                expires_at=now + self.policy.code_lifetime,
            )
            self._store.put_code(record)
        except AccessDenied as denied:
            self._deny(AccessAction.SEND_CODE, denied, now, link, self._codec.client_hash(client))
            raise
        self._record(
            AccessAction.SEND_CODE,
            OK,
            now,
            link_id=link.id,
            portal_id=portal.id,
            client=self._codec.client_hash(client),
        )
        return CodeDelivery(
            link=link, portal=portal, contact_id=contact_id, code=code, expires_at=record.expires_at
        )

    def verify_code(self, pending: object, code: str, *, client: str) -> SessionGrant:
        """Exchange the link's one-time code for a session.

        A code works once, for the policy's ``code_lifetime``, and allows ``code_attempts``
        attempts; attempts are also rate-limited per link.
        """
        now = self._now()
        link: Link | None = None
        try:
            claim = self._codec.read_pending(pending, now=now)
            link = self._link(claim.link_id)
            portal, _ = self._admit(link, claim.generation, now)
            if not self._code_limiter.hit(f"verify:{link.id}", now=now):
                raise RateLimited(
                    f"too many code attempts for link {link.id!r}: wait before trying again",
                    link_id=link.id,
                )
            record = self._store.get_code(link.id)
            if record is None:
                raise InvalidCode(
                    f"no code was asked for link {link.id!r}: ask for a code first",
                    link_id=link.id,
                )
            if record.used_at is not None:
                raise InvalidCode(
                    f"the code of link {link.id!r} was already used: ask for a new code",
                    link_id=link.id,
                )
            if record.expired(now):
                raise CodeExpired(link_id=link.id)
            attempts = self._store.count_code_attempt(record.id)
            if attempts == 0:
                raise InvalidCode(
                    f"the code of link {link.id!r} was replaced by a newer one: enter the newest",
                    link_id=link.id,
                )
            limit = self.policy.code_attempts
            if attempts > limit:
                raise CodeAttemptsExceeded(link_id=link.id)
            if not self._codec.code_matches(record, code):
                raise InvalidCode(
                    f"wrong code for link {link.id!r} ({attempts} of {limit} attempts used): "
                    "check it, or ask for a new code",
                    link_id=link.id,
                )
            if not self._store.use_code(record.id, now):
                raise InvalidCode(
                    f"the code of link {link.id!r} was already used: ask for a new code",
                    link_id=link.id,
                )
            grant = self._grant(link, portal, code_verified=True, now=now)
            self._store.mark_link_used(link.id, now)
        except AccessDenied as denied:
            self._deny(AccessAction.VERIFY_CODE, denied, now, link, self._codec.client_hash(client))
            raise
        self._record(
            AccessAction.VERIFY_CODE,
            OK,
            now,
            link_id=link.id,
            portal_id=portal.id,
            client=self._codec.client_hash(client),
        )
        return grant

    def check_session(self, value: object, *, client: str) -> Visit:
        """The visit a session value stands for, checked against its link as it is now.

        A session ends with its lifetime, or as soon as its link is revoked or expires, the
        portal's links are all revoked, the portal is switched off, or the portal starts asking
        for a code the session was not opened with. Only refusals are logged.
        """
        now = self._now()
        link: Link | None = None
        try:
            claim = self._codec.read_session(value, now=now)
            link = self._link(claim.link_id)
            portal, access = self._admit(link, claim.generation, now)
            if access.mode is AccessMode.LINK_AND_CODE and not claim.code_verified:
                raise CodeRequired(link_id=link.id)
        except AccessDenied as denied:
            self._deny(AccessAction.SESSION, denied, now, link, self._codec.client_hash(client))
            raise
        return Visit(
            link=link,
            portal=portal,
            session_id=claim.session_id,
            code_verified=claim.code_verified,
            expires_at=self._codec.session_expires_at(claim),
        )

    def csrf_token(self, visit: Visit) -> str:
        """The CSRF token of the visit's session, for the forms on the page."""
        return self._codec.csrf_token(visit.session_id)

    def check_csrf(self, visit: Visit, token: object, *, client: str) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``token`` is the session's."""
        try:
            self._codec.check_csrf(visit.session_id, token)
        except InvalidCsrfToken as denied:
            denied.link_id = visit.link.id
            self._deny(
                AccessAction.CSRF, denied, self._now(), visit.link, self._codec.client_hash(client)
            )
            raise

    # -- helpers -------------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        now = self._clock.now()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ConfigError(
                [f"it returned {now.isoformat()}: return datetime.now(timezone.utc)"],
                subject="the gate's clock",
            )
        return now

    def _portal(self, portal_id: str) -> tuple[Portal, PortalAccess]:
        portal = self._store.get_portal(portal_id)
        access = self._store.get_access(portal_id)
        if portal is None or access is None:
            raise NotFound(f"no portal with id {portal_id!r}: store it with put_portal() first")
        return portal, access

    def _link(self, link_id: str) -> Link:
        link = self._store.get_link(link_id)
        if link is None:
            # Signed by our keys for a link the store does not hold (deleted, or another store).
            raise InvalidToken(f"link {link_id!r} does not exist: issue the contact a new link")
        return link

    def _admit(self, link: Link, generation: int, now: dt.datetime) -> tuple[Portal, PortalAccess]:
        """The link's portal and its access state, or the reason the link may not open it."""
        portal = self._store.get_portal(link.portal_id)
        access = self._store.get_access(link.portal_id)
        if portal is None or access is None:
            raise PortalInactive(
                f"portal {link.portal_id!r} of link {link.id!r} no longer exists",
                link_id=link.id,
            )
        status = link.status(now=now, generation=access.generation)
        if status is LinkStatus.REVOKED:
            raise LinkRevoked(
                f"link {link.id!r} was revoked: issue the contact a new link", link_id=link.id
            )
        if status is LinkStatus.SUPERSEDED or generation != link.generation:
            raise GenerationMismatch(
                f"link {link.id!r} is of generation {link.generation}, portal {portal.id!r} is at "
                f"{access.generation} (all its links were revoked): issue the contact a new link",
                link_id=link.id,
            )
        if status is LinkStatus.EXPIRED:
            raise LinkExpired(
                f"link {link.id!r} expired: issue the contact a new link", link_id=link.id
            )
        if link.contact_id is not None and link.contact_id not in portal.contact_ids:
            raise LinkRevoked(
                f"contact {link.contact_id!r} of link {link.id!r} is no longer on portal "
                f"{portal.id!r}: add the contact back and issue a new link",
                link_id=link.id,
            )
        if not portal.active:
            raise PortalInactive(
                f"portal {portal.id!r} is switched off: set active=True to open its links",
                link_id=link.id,
            )
        return portal, access

    def _grant(
        self, link: Link, portal: Portal, *, code_verified: bool, now: dt.datetime
    ) -> SessionGrant:
        issued_at = now.replace(microsecond=0)  # signed timestamps are whole seconds
        claim = SessionClaim(
            link_id=link.id,
            generation=link.generation,
            session_id=random_id(self._random, size=_SESSION_ID_BYTES),
            code_verified=code_verified,
            issued_at=issued_at,
        )
        return SessionGrant(
            value=self._codec.session_value(claim),
            csrf_token=self._codec.csrf_token(claim.session_id),
            link=link,
            portal=portal,
            issued_at=issued_at,
            expires_at=self._codec.session_expires_at(claim),
        )

    def _deny(
        self,
        action: AccessAction,
        denied: AccessDenied,
        now: dt.datetime,
        link: Link | None,
        client_hash: str,
    ) -> None:
        link_id = link.id if link is not None else denied.link_id
        portal_id = link.portal_id if link is not None else None
        self._record(
            action, denied.reason, now, link_id=link_id, portal_id=portal_id, client=client_hash
        )
        logger.info(
            "access refused: %s %s (link %s, portal %s, client %s)",
            action.value,
            denied.reason,
            link_id,
            portal_id,
            client_hash,
        )

    def _record(
        self,
        action: AccessAction,
        reason: str,
        now: dt.datetime,
        *,
        link_id: str | None = None,
        portal_id: str | None = None,
        client: str | None = None,
    ) -> None:
        self._log.record(
            AccessEvent(
                at=now,
                action=action,
                reason=reason,
                link_id=link_id,
                portal_id=portal_id,
                client_hash=client,
            )
        )
