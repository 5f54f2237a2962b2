"""The access gate's bookkeeping of a visitor's step: its failure budgets (per client address, per
address prefix, per link) and its record in the access log and the ``clientportal.access`` logger.

:class:`Budgets` holds the limiters of failed opens and failed session checks; :class:`Steps`
runs one step (:meth:`Steps.step`), logging a refusal with its reason and spending the budgets it
counts against. Limiters only ever see keyed hashes (:meth:`AccessCodec.client_hash
<clientportal.access.AccessCodec.client_hash>`), never an address or a link id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import logging
from collections.abc import Iterator, Sequence

from attrs import define

from ..access import OK, AccessAction, AccessCodec, AccessEvent, Link
from ..errors import AccessDenied, RateLimited
from ..ports import AccessLog, Clock, RateLimiter, RateLimits, aware_now
from ..ports.effects import JointRateLimiter
from ..ratelimit import TokenBucketLimiter

__all__ = ["Budgets", "Step", "Steps", "client_prefix", "limiter"]

logger = logging.getLogger("clientportal.access")


def limiter(
    limits: RateLimits | None, name: str, *, capacity: int, refill_every: dt.timedelta
) -> RateLimiter:
    """The limiter ``name``: shared through ``limits`` when given, else in this process."""
    if limits is None:
        return TokenBucketLimiter(capacity=capacity, refill_every=refill_every)
    return limits.rate_limiter(name, capacity=capacity, refill_every=refill_every)


def client_prefix(client: str) -> str:
    """The network a client address belongs to for the rate limits: the /24 of an IPv4 address
    (also of one mapped into IPv6), the /64 of an IPv6 address, the whole string otherwise."""
    try:
        address = ipaddress.ip_address(client.strip())
    except ValueError:
        return client
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = 24 if isinstance(address, ipaddress.IPv4Address) else 64
    return str(ipaddress.ip_network((address, bits), strict=False))


@define
class Step:
    """A visitor step under way: when, from which address and prefix (keyed hashes), the link
    once known, and the key of the link's failure budget (a failed open's)."""

    now: dt.datetime
    client_hash: str
    prefix_hash: str
    link: Link | None = None
    link_key: str | None = None


class Budgets:
    """The failure budgets of failed opens and session checks: per client address
    (``client_limiter``: 20, then one more every 30 seconds), per address prefix
    (``prefix_limiter``: 100, then one more every 6 seconds) and, for opens, per link
    (``link_limiter``: 10, then one more every minute). A ``client_limiter`` given without the
    other two budgets their keys too. Defaults come from ``limits`` when given."""

    def __init__(
        self,
        *,
        client_limiter: RateLimiter | None,
        prefix_limiter: RateLimiter | None,
        link_limiter: RateLimiter | None,
        limits: RateLimits | None,
    ) -> None:
        if client_limiter is not None:  # the host's own budget for every failed-open key
            prefix_limiter = client_limiter if prefix_limiter is None else prefix_limiter
            link_limiter = client_limiter if link_limiter is None else link_limiter
        if client_limiter is None:
            client_limiter = limiter(
                limits, "open", capacity=20, refill_every=dt.timedelta(seconds=30)
            )
        if prefix_limiter is None:
            prefix_limiter = limiter(
                limits, "open_prefix", capacity=100, refill_every=dt.timedelta(seconds=6)
            )
        if link_limiter is None:
            link_limiter = limiter(
                limits, "open_link", capacity=10, refill_every=dt.timedelta(minutes=1)
            )
        self._client = client_limiter
        self._prefix = prefix_limiter
        self._link = link_limiter
        self._joint = client_limiter if isinstance(client_limiter, JointRateLimiter) else None

    def checks(self, step: Step) -> tuple[tuple[RateLimiter, str], ...]:
        """The budgets :meth:`check` reads: ``(limiter, key)`` of the step's address and prefix."""
        return ((self._client, step.client_hash), (self._prefix, step.prefix_hash))

    def check(self, step: Step, *, found: Sequence[bool] | None = None) -> None:
        """Raise :class:`~clientportal.RateLimited` once the step's address or prefix has spent
        its budget. ``found`` is what :meth:`checks` answered when it was read elsewhere (with the
        visitor's records); else the budgets are read here, together when the limiters can."""
        if found is None:
            both = self.checks(step)
            if self._joint is not None:
                found = self._joint.allowed_together(both, now=step.now)
            if found is None:
                found = [limiter.allowed(key, now=step.now) for limiter, key in both]
        if not all(found):
            raise RateLimited()

    def link_allowed(self, step: Step) -> bool:
        """True while the link of the step (its ``link_key``) has budget left."""
        assert step.link_key is not None
        return self._link.allowed(step.link_key, now=step.now)

    def spend(self, step: Step) -> None:
        """Count a failure against the step's address, prefix and link (once known)."""
        self._client.hit(step.client_hash, now=step.now)
        self._prefix.hit(step.prefix_hash, now=step.now)
        if step.link_key is not None:
            self._link.hit(step.link_key, now=step.now)


class Steps:
    """Runs a visitor's steps: logs each refusal (and, when asked, each success) and spends the
    budgets a refusal counts against."""

    def __init__(
        self, *, codec: AccessCodec, log: AccessLog, clock: Clock, budgets: Budgets
    ) -> None:
        self._codec = codec
        self._log = log
        self._clock = clock
        #: The failure budgets the steps spend.
        self.budgets = budgets

    @contextlib.contextmanager
    def step(
        self,
        action: AccessAction,
        client: str,
        *,
        log_success: bool = True,
        budget: bool = False,
    ) -> Iterator[Step]:
        """One visitor step from ``client``: a refusal (an :class:`~clientportal.AccessDenied`
        raised inside) is logged with its reason and raised on, and, when ``budget``, spends the
        budget of the client's address, its prefix and the link (once known) — unless it is
        itself a :class:`~clientportal.RateLimited`, which spends nothing and is not recorded in
        the access log (only in the ``clientportal.access`` logger). A success is logged when
        ``log_success``."""
        step = Step(
            now=aware_now(self._clock),
            client_hash=self._codec.client_hash(client),
            prefix_hash=self._codec.client_hash("prefix " + client_prefix(client)),
        )
        try:
            yield step
        except AccessDenied as denied:
            if budget and not isinstance(denied, RateLimited):
                self.budgets.spend(step)
            link = step.link
            if link is not None and denied.link_id is None:
                denied.link_id = link.id
            if not isinstance(denied, RateLimited):
                # A spent budget is not stored: a flood from ever new addresses of one prefix
                # adds no row once the prefix is limited (the logger below still hears of it).
                self._record(action, step, denied.reason, link_id=denied.link_id)
            logger.info(
                "access refused: %s %s (link %s, portal %s, client %s)",
                action.value,
                denied.reason,
                denied.link_id,
                None if link is None else link.portal_id,
                step.client_hash,
            )
            raise
        if log_success:
            self._record(action, step, OK)

    def _record(
        self, action: AccessAction, step: Step, reason: str, *, link_id: str | None = None
    ) -> None:
        link = step.link
        self._log.record(
            AccessEvent(
                at=step.now,
                action=action,
                reason=reason,
                link_id=link.id if link is not None else link_id,
                portal_id=None if link is None else link.portal_id,
                client_hash=step.client_hash,
            )
        )
