"""The visitors' door: opening links, sessions, the one-time code step and CSRF.

:class:`AccessGate` applies the pure rules of :mod:`clientportal.access` over the ports: the
:class:`~clientportal.ports.PortalStore` (links, generations, sessions, codes), the
:class:`~clientportal.ports.AccessLog`, four :class:`~clientportal.ports.RateLimiter` s and a
:class:`~clientportal.ports.Clock`. Every refusal is an :class:`~clientportal.AccessDenied`
subclass whose ``reason`` is recorded in the access log; the web layer shows all of them as the
same 404. The agency's side of links (issue, revoke) is the gate's :attr:`AccessGate.links`.

A session is a signed value *and* a row of the store (:class:`~clientportal.access.SessionRecord`,
keyed by the hash of the session's random id): the signature is a quick integrity check, the row
is what makes it good, so the signing keys alone forge nothing and signing out ends a session
everywhere.

Opening a link does the same work for every failure: a token that is malformed, forged or names a
link that was never issued is looked up like a revoked one (against a decoy id), then logged and
counted the same way, so the time a refusal takes tells nothing about which links exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from ..access import (
    AccessAction,
    AccessCodec,
    AccessMode,
    AccessPolicy,
    Link,
    LinkClaim,
    OneTimeCode,
    PendingClaim,
    PortalAccess,
    RandomBytes,
    SecretKeys,
    SessionClaim,
    admit,
    new_code,
    random_id,
    secret_digest,
)
from ..errors import (
    AccessDenied,
    CodeAttemptsExceeded,
    CodeExpired,
    CodeRequired,
    ConfigError,
    InvalidCode,
    InvalidToken,
    RateLimited,
)
from ..model import Contact, Portal
from ..ports import (
    AccessLog,
    Clock,
    PortalStore,
    RateLimiter,
    RateLimits,
    SystemClock,
    aware_now,
)
from ..ports.state import VisitRecords, visit_reader
from .attempts import Budgets, Step, Steps, limiter
from .events import link_opened
from .links import LinkRegister
from .sessions import new_session, stored_link, stored_session
from .visits import CodeDelivery, Opening, SessionGrant, Visit

if TYPE_CHECKING:
    from .notify import Notifier

__all__ = ["AccessGate"]

_SESSION_ID_BYTES = 16
# What a failed open looks up when its token names no link: no stored link has this id (it is not
# a valid id), so the lookup finds nothing, as slowly as for a link that exists.
_DECOY_LINK_ID = " no link"
_DECOY_SECRET_HASH = secret_digest(" no secret")
# A session's last visit is written at most this often (and at least twice per idle timeout).
_TOUCH_EVERY = dt.timedelta(minutes=1)


# --------------------------------------------------------------------------------------------------
# The gate


class AccessGate:
    """Lets visitors in: opens links, checks sessions, runs the one-time code step and CSRF.

    ``secret_keys`` is one key or a list ordered oldest → newest (sign with the newest, accept
    all). Failed opens and failed session checks are budgeted per client address by
    ``client_limiter`` (default: 20, then one more every 30 seconds) and per address prefix — the
    /24 of an IPv4 address, the /64 of an IPv6 one, the whole string of a client that is no
    address — by ``prefix_limiter`` (default: 100, then one more every 6 seconds); failed opens
    of a link are also budgeted per link by ``link_limiter`` (default: 10, then one more every
    minute). A ``client_limiter`` given without the other two budgets their keys too (each key
    its own bucket). Once a budget is spent, even a
    good token or session from that address, prefix or (for opens) link is refused until it
    refills. ``code_limiter`` budgets code requests and code attempts per link (default: 10,
    then one more every 2 minutes). Every key a limiter sees is a keyed hash, never an address
    or a link id. The default limiters come from ``limits`` when it is given (the store's,
    shared by every process on it), else they live in this process. ``notifier`` e-mails
    one-time codes (the service gives its own). ``random_bytes`` defaults to
    :func:`secrets.token_bytes`; replace it only in tests.
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
        prefix_limiter: RateLimiter | None = None,
        link_limiter: RateLimiter | None = None,
        limits: RateLimits | None = None,
        notifier: Notifier | None = None,
        random_bytes: RandomBytes = secrets.token_bytes,
    ) -> None:
        self._store = store
        # What a step reads of the store: in one go when the store can (one statement in SQL).
        self._visits = visit_reader(store)
        self._codec = AccessCodec(secret_keys, policy=policy)
        self._log = log
        self._clock: Clock = SystemClock() if clock is None else clock
        self._budgets = Budgets(
            client_limiter=client_limiter,
            prefix_limiter=prefix_limiter,
            link_limiter=link_limiter,
            limits=limits,
        )
        self._steps = Steps(codec=self._codec, log=log, clock=self._clock, budgets=self._budgets)
        self._code_limiter: RateLimiter = (
            limiter(limits, "code", capacity=10, refill_every=dt.timedelta(minutes=2))
            if code_limiter is None
            else code_limiter
        )
        self._notifier = notifier
        self._random = random_bytes
        self._touch_every = min(_TOUCH_EVERY, self._codec.policy.session_idle_timeout / 2)
        #: The agency's side: issue, list and revoke links (sharing this gate's keys and store).
        self.links = LinkRegister(
            store, self._codec, log=log, clock=self._clock, random_bytes=random_bytes
        )

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

    # -- visitors ------------------------------------------------------------------------------

    def check_token(self, token: object) -> LinkClaim:
        """The gate's token check: shape, length and signature of a link token, before any
        lookup. Raises :class:`~clientportal.InvalidToken`."""
        return self._codec.read_link_token(token)

    def open(self, token: object, *, client: str) -> Opening:
        """Open a link token from ``client`` (the client's address).

        Returns an :class:`Opening` with a session, or, on a portal that asks for a code, with a
        pending value. Raises an :class:`~clientportal.AccessDenied` subclass otherwise; every
        failure counts against the client's address, its prefix and the link, and every failure
        does the same lookups (see the module's docstring).
        """
        with self._steps.step(AccessAction.OPEN, client, budget=True) as attempt:
            now = attempt.now
            self._budgets.check(attempt)
            try:
                claim: LinkClaim | None = self._codec.read_link_token(token)
            except InvalidToken:
                claim = None
            # The same lookups and checks for every token, whatever is wrong with it.
            link_id = _DECOY_LINK_ID if claim is None else claim.link_id
            records = self._visits.read_visit(link_id)
            found = records.link
            secret_ok = hmac.compare_digest(
                secret_digest("" if claim is None else claim.secret),
                _DECOY_SECRET_HASH if found is None else found.secret_hash,
            )
            attempt.link_key = self._codec.client_hash(
                f"nolink {attempt.client_hash}" if claim is None else f"link {link_id}"
            )
            link_open = self._budgets.link_allowed(attempt)
            if claim is None:
                raise InvalidToken()
            if found is None:
                # Signed by our keys for a link the store does not hold (deleted, another store).
                raise InvalidToken(f"link {link_id!r} does not exist: issue the contact a new link")
            link = attempt.link = found
            if not link_open:
                raise RateLimited(
                    f"too many failed opens of link {link.id!r}: wait before trying again",
                    link_id=link.id,
                )
            if not secret_ok:
                raise InvalidToken(link_id=link.id)
            opening = self._opened(link, records, generation=claim.generation, now=now)
        return opening

    def open_link_of(self, link_id: str, *, client: str) -> Opening:
        """Open the stored link ``link_id`` for a visitor who proved in another way that they
        hold it, as :meth:`open` opens its token: the one-click action link of the e-mail that
        carries the link (:class:`~clientportal.service.actions.ActionDesk`). Returns a session,
        or a pending value on a portal that asks for a code; refusals, budgets and the log are
        :meth:`open`'s (a link the store does not hold: :class:`~clientportal.InvalidToken`)."""
        with self._steps.step(AccessAction.OPEN, client, budget=True) as attempt:
            self._budgets.check(attempt)
            records = self._visits.read_visit(link_id)
            link = attempt.link = stored_link(link_id, records.link)
            opening = self._opened(link, records, generation=link.generation, now=attempt.now)
        return opening

    def _opened(
        self, link: Link, records: VisitRecords, *, generation: int, now: dt.datetime
    ) -> Opening:
        """``link`` admitted and opened: a session, or a pending value where a code is asked
        for; the link's use (and ``link.opened`` with a session) stored."""
        portal, access = admit(link, records.portal, records.access, generation=generation, now=now)
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
        opened = [] if opening.session is None else [link_opened(link, portal, at=now)]
        self._store.mark_link_used(link.id, now, events=opened)
        return opening

    def new_code(self, pending: object, *, client: str) -> CodeDelivery:
        """Make a new one-time code for the link a visitor opened (``pending`` from
        :class:`Opening`) and return it, for a host that delivers codes itself; any earlier code
        of the link stops working. Requests are rate-limited per link. A gate with a ``notifier``
        (as :class:`~clientportal.PortalService` builds it) is asked :meth:`request_code`
        instead, which never hands the code out.
        """
        with self._steps.step(AccessAction.SEND_CODE, client) as attempt:
            now = attempt.now
            link, portal, access = self._pending_step(pending, attempt)
            contact_id = link.contact_id
            if access.mode is not AccessMode.LINK_AND_CODE or contact_id is None:
                raise CodeRequired(
                    f"link {link.id!r} cannot receive a code on portal {portal.id!r} in mode "
                    f"{access.mode.name}: open the link again",
                    link_id=link.id,
                )
            if not self._code_limiter.hit(self._codec.client_hash(f"send {link.id}"), now=now):
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
        return CodeDelivery(
            link=link, portal=portal, contact_id=contact_id, code=code, expires_at=record.expires_at
        )

    def request_code(self, pending: object, *, client: str) -> dt.datetime:
        """Make a new one-time code for the link a visitor opened and queue the e-mail that brings
        it to the link's contact (through the gate's ``notifier``); returns when the code expires.
        The code itself is never returned: only its e-mail carries it.

        Raises :class:`~clientportal.ConfigError` on a gate without a notifier (use
        :meth:`new_code` and deliver the code yourself), and as :meth:`new_code` does.
        """
        if self._notifier is None:
            raise ConfigError(
                ["this gate has no notifier to e-mail codes: build it with notifier=... (as "
                 "PortalService does), or call new_code() and deliver the code yourself"],
                subject="the access gate",
            )  # fmt: skip
        delivery = self.new_code(pending, client=client)
        self._notifier.send_code(
            delivery, valid_for=self.policy.code_lifetime, now=aware_now(self._clock)
        )
        return delivery.expires_at

    def verify_code(self, pending: object, code: str, *, client: str) -> SessionGrant:
        """Exchange the link's one-time code for a session.

        A code works once, for the policy's ``code_lifetime``, and allows ``code_attempts``
        attempts; attempts are also rate-limited per link.
        """
        with self._steps.step(AccessAction.VERIFY_CODE, client) as attempt:
            now = attempt.now
            link, portal, _ = self._pending_step(pending, attempt)
            if not self._code_limiter.hit(self._codec.client_hash(f"verify {link.id}"), now=now):
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
            self._store.mark_link_used(link.id, now, events=[link_opened(link, portal, at=now)])
        return grant

    def check_session(self, value: object, *, client: str, count_failure: bool = True) -> Visit:
        """The visit a session value stands for, checked against its link as it is now.

        The value must be signed by the gate's keys *and* name a session the store holds that
        has not ended (:meth:`sign_out`); whether the code step was passed is the store's word.
        A session ends with its lifetime, after the policy's ``session_idle_timeout`` without a
        visit, when its visitor signs out, or as soon as its link is revoked or expires, the
        portal's links are all revoked, the portal is switched off, or the portal starts asking
        for a code the session was not opened with. Only refusals are logged; they count against
        the client's address and prefix as failed opens do, unless ``count_failure`` is false
        (a web layer trying several values of one cookie counts only the last). The last visit
        is written at most once a minute.
        """
        with self._steps.step(
            AccessAction.SESSION, client, log_success=False, budget=count_failure
        ) as attempt:
            now = attempt.now
            claim, records = self._session_step(value, attempt)
            timeout = self.policy.session_idle_timeout
            record = stored_session(claim, records.session, now=now, timeout=timeout)
            link = attempt.link = stored_link(claim.link_id, records.link)
            portal, access = admit(
                link, records.portal, records.access, generation=claim.generation, now=now
            )
            if access.mode is AccessMode.LINK_AND_CODE and not record.code_verified:
                raise CodeRequired(link_id=link.id)
            if now - record.last_seen_at >= self._touch_every:
                self._store.touch_session(record.id_hash, now)
        return Visit(
            link=link,
            portal=portal,
            session_id=claim.session_id,
            code_verified=record.code_verified,
            expires_at=self._codec.session_expires_at(claim),
        )

    def sign_out(self, visit: Visit, *, client: str) -> None:
        """End the visit's session in the store: its value, and every copy of it, stops working
        at once (:class:`~clientportal.SessionEnded`). Signing out twice changes nothing."""
        with self._steps.step(AccessAction.SIGN_OUT, client) as attempt:
            attempt.link = visit.link
            self._store.end_session(secret_digest(visit.session_id), attempt.now)

    def csrf_token(self, visit: Visit) -> str:
        """The CSRF token of the visit's session, for the forms on the page."""
        return self._codec.csrf_token(visit.session_id)

    def check_csrf(self, visit: Visit, token: object, *, client: str) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``token`` is the session's."""
        with self._steps.step(AccessAction.CSRF, client, log_success=False) as attempt:
            attempt.link = visit.link
            self._codec.check_csrf(visit.session_id, token)

    # -- the code step's page ------------------------------------------------------------------

    def pending_link(self, pending: object) -> Link:
        """The link a visitor opened before entering its one-time code (``pending`` from
        :class:`Opening`), for the code page to check it against its portal.

        Raises :class:`~clientportal.InvalidToken` for anything but a genuine pending value of a
        stored link, and :class:`~clientportal.CodeExpired` once the code step has taken too long.
        """
        claim = self._codec.read_pending(pending, now=aware_now(self._clock))
        return self._link(claim.link_id)

    def pending_contact(self, pending: object) -> Contact | None:
        """Who the one-time code of a pending step is e-mailed to: the link's contact, or ``None``
        for a shared link, a gate without a notifier, or a contact the DataSource no longer lists.
        Raises as :meth:`pending_link` does."""
        link = self.pending_link(pending)
        portal = self._store.get_portal(link.portal_id)
        if link.contact_id is None or portal is None or self._notifier is None:
            return None
        return self._notifier.contact(portal, link.contact_id)

    def pending_csrf_token(self, pending: str) -> str:
        """The CSRF token of the code step's forms, bound to ``pending`` (as :meth:`csrf_token` is
        bound to a visit)."""
        return self._codec.csrf_token(_pending_subject(pending))

    def check_pending_csrf(self, pending: str, token: object) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``token`` is the code step's."""
        self._codec.check_csrf(_pending_subject(pending), token)

    # -- helpers -------------------------------------------------------------------------------

    def _link(self, link_id: str) -> Link:
        return stored_link(link_id, self._store.get_link(link_id))

    def _session_step(self, value: object, attempt: Step) -> tuple[SessionClaim, VisitRecords]:
        """A session value's claim and what the store holds for it, refused first when the
        step's budgets are spent (read with the records when the store can)."""
        refused: AccessDenied | None = None
        try:
            claim = self._codec.read_session(value, now=attempt.now)
        except AccessDenied as denied:
            refused = denied
        if refused is not None:
            self._budgets.check(attempt)  # a spent budget is the refusal, whatever the value
            raise refused
        records = self._visits.read_visit(
            claim.link_id,
            secret_digest(claim.session_id),
            budgets=self._budgets.checks(attempt),
            now=attempt.now,
        )
        self._budgets.check(attempt, found=records.budgets)
        return claim, records

    def _grant(
        self, link: Link, portal: Portal, *, code_verified: bool, now: dt.datetime
    ) -> SessionGrant:
        return new_session(
            self._store, self._codec, link, portal, code_verified=code_verified, now=now,
            session_id=random_id(self._random, size=_SESSION_ID_BYTES),
        )  # fmt: skip

    def _pending_step(self, pending: object, attempt: Step) -> tuple[Link, Portal, PortalAccess]:
        """The link of a code step (``pending``), admitted to its portal now."""
        claim = self._codec.read_pending(pending, now=attempt.now)
        records = self._visits.read_visit(claim.link_id)
        link = attempt.link = stored_link(claim.link_id, records.link)
        portal, access = admit(
            link, records.portal, records.access, generation=claim.generation, now=attempt.now
        )
        return link, portal, access


def _pending_subject(pending: str) -> str:
    """What a code step's CSRF token is bound to: a digest of its pending value."""
    return "pending:" + hashlib.sha256(pending.encode("utf-8")).hexdigest()
