"""Signed webhooks: how the worker posts events, and how a receiver checks them.

Every delivery is an HTTP POST of the event's JSON (:func:`~clientportal.ports.event_body`) with

- ``Clientportal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``, keyed with the
  endpoint's secret (as Stripe signs), so a receiver knows the body is ours and recent;
- ``Idempotency-Key`` and ``Clientportal-Event-Id``: the event's id, the same on every attempt
  and for every endpoint, so a receiver that sees an event twice (delivery is at least once)
  can tell;
- ``Clientportal-Event-Type``: the event's type.

An answer 2xx delivers it. Anything else (another status, no answer within the timeout) is a
failed attempt, tried again ``backoff × 2^(n-1)`` later (at most ``max_backoff``) until
``max_attempts``, when it is given up and kept with its last error. A receiver checks a request
with :func:`verify_signature`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from .errors import ConfigError, ValidationError
from .ports import Clock, SystemClock, WebhookDelivery, WebhookStore, event_body

__all__ = [
    "SIGNATURE_HEADER",
    "WebhookReport",
    "deliver_webhooks",
    "post_json",
    "sign",
    "verify_signature",
]

logger = logging.getLogger("clientportal.webhooks")

#: The header carrying the signature.
SIGNATURE_HEADER = "Clientportal-Signature"
#: How long after its signing time a request is accepted by default (seconds).
DEFAULT_TOLERANCE = 300
_MAX_ERROR = 2000

#: How a delivery is posted: ``(url, body, headers, timeout)`` -> the HTTP status.
Post = Callable[[str, bytes, Mapping[str, str], float], int]


def sign(body: bytes, secret: str, *, at: int) -> str:
    """The ``Clientportal-Signature`` value for ``body`` signed at the unix time ``at``."""
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def verify_signature(
    header: str | None,
    body: bytes,
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check a webhook request: ``header`` is its ``Clientportal-Signature``, ``body`` the raw
    bytes received (before any JSON parsing), ``secret`` the endpoint's. Returns the signing
    time; raises :class:`~clientportal.ValidationError` saying what is wrong when the header is
    missing or malformed, no ``v1`` signature matches, or it was signed more than ``tolerance``
    seconds from ``now`` (default: the current time) -- a replay."""
    problem = _signature_problem(
        header, body, secret, tolerance, time.time() if now is None else now
    )
    if isinstance(problem, str):
        raise ValidationError([problem], summary="the webhook request is not genuine")
    return problem


def _signature_problem(
    header: str | None, body: bytes, secret: str, tolerance: int, now: float
) -> int | str:
    if not header:
        return f"{SIGNATURE_HEADER}: missing; the request was not signed by clientportal"
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    stamps = parts.get("t", [])
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()) or not parts.get("v1"):
        return f"{SIGNATURE_HEADER}: expected 't=<unix time>,v1=<hex>', got {header[:100]!r}"
    at = int(stamps[0])
    expected = sign(body, secret, at=at).partition(",v1=")[2]
    if not any(given.isascii() and hmac.compare_digest(expected, given) for given in parts["v1"]):
        return (
            f"{SIGNATURE_HEADER}: no v1 signature matches the body: check the endpoint's "
            "secret, and verify the raw body as received"
        )
    if abs(now - at) > tolerance:
        return (
            f"{SIGNATURE_HEADER}: signed at {at}, more than {tolerance} seconds from now "
            f"({int(now)}): a replayed or delayed request"
        )
    return at


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Follows no redirect: ``urllib`` would turn the POST into a GET without the body (and
    send the signed headers to wherever the answer points), and a 2xx from that GET would count
    as delivered. The 3xx is the answer, a failed attempt."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST ``body`` as JSON to ``url`` with ``urllib``; the response's status (an HTTP error's
    too; a redirect is not followed: its 3xx is the status). Raises :class:`OSError` when there
    is no answer."""
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": "clientportal", **headers},
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@frozen
class WebhookReport:
    """What one :func:`deliver_webhooks` round did."""

    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    given_up: int = 0

    def __add__(self, other: WebhookReport) -> WebhookReport:
        return WebhookReport(
            self.claimed + other.claimed,
            self.delivered + other.delivered,
            self.failed + other.failed,
            self.given_up + other.given_up,
        )


def _check(batch: int, max_attempts: int, timeout: float, lease: dt.timedelta) -> None:
    problems = [
        f"{name} must be at least 1, got {value!r}"
        for name, value in (("batch", batch), ("max_attempts", max_attempts))
        if value < 1
    ]
    if timeout <= 0:
        problems.append(f"timeout must be a positive number of seconds, got {timeout!r}")
    elif lease <= dt.timedelta(seconds=timeout):
        problems.append(
            f"lease ({lease}) must be longer than timeout ({timeout} seconds): a delivery "
            "posted near the end of its lease could be claimed and posted by another worker"
        )
    if problems:
        raise ConfigError(problems, subject="the webhook delivery")


def deliver_webhooks(
    store: WebhookStore,
    *,
    clock: Clock | None = None,
    post: Post = post_json,
    batch: int = 50,
    lease: dt.timedelta = dt.timedelta(minutes=2),
    timeout: float = 10.0,
    max_attempts: int = 8,
    backoff: dt.timedelta = dt.timedelta(seconds=30),
    max_backoff: dt.timedelta = dt.timedelta(hours=6),
) -> WebhookReport:
    """Deliver one batch of due webhook deliveries (see the module's docstring).

    Claims up to ``batch`` for ``lease`` (no other worker claims them meanwhile), posts each
    that can still finish within the lease (``timeout`` before its end; the rest wait for the
    lease to end), and marks it delivered, failed (retried later) or given up."""
    _check(batch, max_attempts, timeout, lease)
    clock = SystemClock() if clock is None else clock
    claimed_at = clock.now()
    claimed = store.claim_deliveries(now=claimed_at, limit=batch, lease=lease)
    report = WebhookReport(claimed=len(claimed))
    # A post may take up to ``timeout``: one started later than this could still be running
    # when the lease ends and another worker claims the same delivery.
    last_start = claimed_at + lease - dt.timedelta(seconds=timeout)
    for delivery in claimed:
        if clock.now() >= last_start:
            break  # the lease (nearly) ran out: another worker may have them soon
        report += _deliver_one(
            store, delivery, clock, post, timeout, max_attempts, backoff, max_backoff
        )
    return report


def _lost(delivery: WebhookDelivery) -> WebhookReport:
    logger.warning(
        "webhook %s of event %s: another worker claimed it while it was posted (the lease ran "
        "out); its result is not recorded",
        delivery.id,
        delivery.event.id,
    )
    return WebhookReport()


def _deliver_one(
    store: WebhookStore,
    delivery: WebhookDelivery,
    clock: Clock,
    post: Post,
    timeout: float,
    max_attempts: int,
    backoff: dt.timedelta,
    max_backoff: dt.timedelta,
) -> WebhookReport:
    event = delivery.event
    body = event_body(event)
    now = clock.now()
    headers = {
        SIGNATURE_HEADER: sign(body, delivery.endpoint.secret, at=int(now.timestamp())),
        "Idempotency-Key": event.id,
        "Clientportal-Event-Id": event.id,
        "Clientportal-Event-Type": event.type,
    }
    try:
        status = post(delivery.endpoint.url, body, headers, timeout)
        error = None if 200 <= status < 300 else f"HTTP {status} from {delivery.endpoint.url}"
        if error is not None and 300 <= status < 400:
            error += " (a redirect is not followed: register the URL it points to)"
    except Exception as failure:  # no answer: refused, timed out, bad URL
        error = f"{type(failure).__name__}: {failure}"[:_MAX_ERROR]
    now = clock.now()
    lease = delivery.leased_until
    if error is None:
        if not store.mark_delivered(delivery.id, at=now, lease=lease):
            return _lost(delivery)
        return WebhookReport(delivered=1)
    attempt = delivery.attempts + 1
    if attempt >= max_attempts:
        if not store.mark_delivery_failed(
            delivery.id, at=now, error=error, retry_at=None, lease=lease
        ):
            return _lost(delivery)
        logger.error(
            "gave up webhook %s of event %s after %d attempts: %s",
            delivery.id,
            event.id,
            attempt,
            error,
        )
        return WebhookReport(given_up=1)
    delay = min(backoff * 2 ** (attempt - 1), max_backoff)
    if not store.mark_delivery_failed(
        delivery.id, at=now, error=error, retry_at=now + delay, lease=lease
    ):
        return _lost(delivery)
    logger.warning(
        "webhook %s of event %s failed (attempt %d of %d), retrying in %s: %s",
        delivery.id,
        event.id,
        attempt,
        max_attempts,
        delay,
        error,
    )
    return WebhookReport(failed=1)
