"""E-mail delivery: an SMTP :class:`~clientportal.ports.Mailer` and the outbox worker.

The service never sends mail itself: every e-mail is an :class:`~clientportal.ports.OutboxMessage`
written in the same transaction as the decision that caused it. :func:`deliver_outbox` claims the
messages that are due (a lease keeps other workers off them), hands each to a ``Mailer``, and
marks it sent; a failed attempt is retried later with exponential backoff, and after
``max_attempts`` (or at once, when the server refused the message for good) it is given up and kept
with its last error. Delivery is *at least once*: a worker that dies after sending but before
marking the message sent sends it again when its lease runs out, with the same Message-ID, so the
receiving side can recognise the duplicate. :class:`SmtpMailer` sends with the standard library's
:mod:`smtplib` (plain, STARTTLS or implicit TLS, with optional login).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import smtplib
import ssl
import threading
from collections.abc import Mapping, Sequence
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Literal, TypeAlias

from attrs import frozen

from ._validators import email_problem
from .errors import ConfigError, DeliveryError
from .ports import Clock, Mailer, OutboxStore, SystemClock

__all__ = [
    "DeliveryReport",
    "Security",
    "SmtpMailer",
    "deliver_outbox",
    "run_outbox_worker",
]

logger = logging.getLogger("clientportal.outbox")

#: How to talk to the server: ``"plain"`` (no encryption; only on a trusted network),
#: ``"starttls"`` (upgrade a plain connection, usually port 587) or ``"ssl"`` (TLS from the first
#: byte, usually port 465).
Security: TypeAlias = Literal["plain", "starttls", "ssl"]

_DEFAULT_PORTS: dict[str, int] = {"plain": 25, "starttls": 587, "ssl": 465}
_MAX_ERROR = 2000
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpMailer:
    """Sends each message over a new SMTP connection (so one object serves any number of threads).

    ``security`` is ``"starttls"`` by default; ``port`` defaults to 25, 587 or 465 to match.
    ``username`` and ``password`` log in after the connection is encrypted; a login over a
    ``"plain"`` connection is refused unless the server is on this machine or
    ``allow_insecure_login=True``. ``timeout`` (seconds) bounds every network operation.
    ``envelope_from`` is the SMTP ``MAIL FROM`` when :meth:`send` gets no sender (else the
    message's ``From`` address is used).

    Errors are raised as :class:`~clientportal.errors.DeliveryError`; ``permanent`` when the
    server refused the recipients or the content with a 5xx answer.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int | None = None,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        envelope_from: str | None = None,
        allow_insecure_login: bool = False,
    ) -> None:
        problems = []
        if security not in _DEFAULT_PORTS:
            problems.append(f"security must be 'plain', 'starttls' or 'ssl', got {security!r}")
        if not isinstance(host, str) or not host.strip():
            problems.append(f"host must be a host name or address, got {host!r}")
        if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
            problems.append(f"port must be a number from 1 to 65535, got {port!r}")
        if (username is None) != (password is None):
            problems.append("give both username and password to log in, or neither")
        if (
            username is not None
            and security == "plain"
            and not allow_insecure_login
            and not _is_loopback(str(host))
        ):
            problems.append(
                f"logging in to {host} over an unencrypted connection would send the password in "
                "clear text: use security='starttls' or 'ssl' (or allow_insecure_login=True on a "
                "trusted network)"
            )
        if not isinstance(timeout, int | float) or timeout <= 0:
            problems.append(f"timeout must be a positive number of seconds, got {timeout!r}")
        if problems:
            raise ConfigError(problems, subject="the SMTP mailer")
        self.host = host
        self.port = _DEFAULT_PORTS[security] if port is None else port
        self.security: Security = security
        self.username = username
        self._password = password
        self.timeout = float(timeout)
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname
        self.envelope_from = envelope_from

    def __repr__(self) -> str:
        login = f", username={self.username!r}" if self.username else ""
        return f"SmtpMailer({self.host!r}, {self.port}, security={self.security!r}{login})"

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context if self.ssl_context is not None else ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
        )

    def send(self, message: bytes, *, sender: str | None, recipients: Sequence[str]) -> None:
        """Deliver ``message`` to ``recipients``; raises :class:`DeliveryError` on failure.

        If the server takes the message for some recipients and refuses others, it counts as sent
        (sending again would duplicate it for the others); the refused ones are logged.
        """
        if not recipients:
            raise DeliveryError("the message has no recipients", permanent=True)
        bad = [r for r in recipients if email_problem(r) is not None]
        if bad:
            # An outbox row written around OutboxMessage.of: never let it fan out.
            raise DeliveryError(
                f"{len(bad)} recipient(s) are not one e-mail address each (e.g. {bad[0][:80]!r}): "
                "the message is not sent",
                permanent=True,
            )
        envelope_from = sender or self.envelope_from or _from_address(message)
        # SMTP lines end in CRLF; smtplib sends bytes as they are, and Python's e-mail package
        # writes LF by default, which a strict server reads as one over-long line.
        message = _LINE_END.sub(b"\r\n", message)
        where = f"{self.host}:{self.port}"
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if self.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise DeliveryError(
                            f"the server at {where} does not offer STARTTLS: use security='ssl', "
                            "or 'plain' on a trusted network"
                        )
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if self.username is not None and self._password is not None:
                    smtp.login(self.username, self._password)
                refused = smtp.sendmail(envelope_from, list(recipients), message)
        except DeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(
                f"{where} refused every recipient: {_refusals(error.recipients)}",
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as error:
            text = _text(error.smtp_error)
            permanent = isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500
            raise DeliveryError(
                f"{where} answered {error.smtp_code} {text}", permanent=permanent
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{where}: {type(error).__name__}: {error}") from None
        if refused:
            logger.warning(
                "%s took the message but refused some recipients: %s", where, _refusals(refused)
            )


def _from_address(message: bytes) -> str:
    headers = BytesHeaderParser().parsebytes(message)
    addresses = [address for _, address in getaddresses(headers.get_all("From", [])) if address]
    if not addresses:
        raise DeliveryError(
            "the message has no From address: give SmtpMailer(envelope_from=...)", permanent=True
        )
    return addresses[0]


def _text(answer: bytes | str) -> str:
    return (answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer).strip()


def _refusals(refused: Mapping[str, tuple[int, bytes | str]]) -> str:
    return "; ".join(
        f"{address} ({code} {_text(text)})" for address, (code, text) in sorted(refused.items())
    )


# --------------------------------------------------------------------------------------------------
# The outbox worker


@frozen
class DeliveryReport:
    """What one or more rounds of delivery did: messages ``claimed``, ``sent``, ``failed`` (to be
    retried), ``given_up`` (kept with their last error) and ``released`` (left for the next round
    because the lease ran out first). ``errors`` pairs outbox ids with their error."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    released: int = 0
    errors: tuple[tuple[str, str], ...] = ()

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.claimed + other.claimed,
            self.sent + other.sent,
            self.failed + other.failed,
            self.given_up + other.given_up,
            self.released + other.released,
            self.errors + other.errors,
        )


def _positive(name: str, value: object) -> str | None:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        return f"{name} must be a positive timedelta, got {value!r}"
    return None


def _check_options(
    batch: int,
    lease: dt.timedelta,
    max_attempts: int,
    backoff: dt.timedelta,
    max_backoff: dt.timedelta,
) -> None:
    problems = [
        p
        for p in (
            _positive("lease", lease),
            _positive("backoff", backoff),
            _positive("max_backoff", max_backoff),
        )
        if p
    ]
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        problems.append(f"batch must be a whole number >= 1, got {batch!r}")
    if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
        problems.append(f"max_attempts must be a whole number >= 1, got {max_attempts!r}")
    if problems:
        raise ConfigError(problems, subject="outbox delivery")


def deliver_outbox(
    store: OutboxStore,
    mailer: Mailer,
    *,
    clock: Clock | None = None,
    batch: int = 50,
    lease: dt.timedelta = dt.timedelta(minutes=5),
    max_attempts: int = 8,
    backoff: dt.timedelta = dt.timedelta(minutes=1),
    max_backoff: dt.timedelta = dt.timedelta(hours=6),
    sender: str | None = None,
) -> DeliveryReport:
    """Deliver one batch of due outbox messages.

    Claims up to ``batch`` messages for ``lease``, sends each with ``mailer`` and marks it sent.
    A failed attempt ``n`` (1, 2, …) is retried ``backoff × 2^(n-1)`` later (at most
    ``max_backoff``); attempt ``max_attempts``, or a permanent refusal, gives the message up, which
    keeps it with its last error. A message whose lease ran out before its turn is left for the
    next round, so no other worker can be sending it at the same time. ``sender`` is the envelope
    sender passed to the mailer (``None``: the mailer's choice).
    """
    _check_options(batch, lease, max_attempts, backoff, max_backoff)
    clock = SystemClock() if clock is None else clock
    claimed_at = clock.now()
    claimed = store.claim_due(now=claimed_at, limit=batch, lease=lease)
    deadline = claimed_at + lease
    sent = failed = given_up = released = 0
    errors: list[tuple[str, str]] = []
    for message in claimed:
        if clock.now() >= deadline:
            released += 1
            continue
        try:
            mailer.send(message.message, sender=sender, recipients=message.recipients)
        except Exception as error:
            text = _describe(error)
            errors.append((message.id, text))
            attempt = message.attempts + 1
            permanent = isinstance(error, DeliveryError) and error.permanent
            now = clock.now()
            if permanent or attempt >= max_attempts:
                store.mark_failed(message.id, at=now, error=text, retry_at=None)
                given_up += 1
                logger.error(
                    "gave up e-mail %s (%s) after %d attempt(s): %s",
                    message.id,
                    message.message_id,
                    attempt,
                    text,
                )
            else:
                delay = min(backoff * 2 ** (attempt - 1), max_backoff)
                store.mark_failed(message.id, at=now, error=text, retry_at=now + delay)
                failed += 1
                logger.warning(
                    "e-mail %s (%s) failed, attempt %d of %d, retrying in %s: %s",
                    message.id,
                    message.message_id,
                    attempt,
                    max_attempts,
                    delay,
                    text,
                )
        else:
            store.mark_sent(message.id, at=clock.now())
            sent += 1
    return DeliveryReport(len(claimed), sent, failed, given_up, released, tuple(errors))


def _describe(error: Exception) -> str:
    text = str(error) if isinstance(error, DeliveryError) else f"{type(error).__name__}: {error}"
    return text[:_MAX_ERROR]


def run_outbox_worker(
    store: OutboxStore,
    mailer: Mailer,
    *,
    stop: threading.Event,
    clock: Clock | None = None,
    interval: float = 5.0,
    batch: int = 50,
    lease: dt.timedelta = dt.timedelta(minutes=5),
    max_attempts: int = 8,
    backoff: dt.timedelta = dt.timedelta(minutes=1),
    max_backoff: dt.timedelta = dt.timedelta(hours=6),
    sender: str | None = None,
) -> DeliveryReport:
    """Deliver the outbox until ``stop`` is set; returns what was done in total.

    Runs :func:`deliver_outbox` again at once while batches come back full, and waits
    ``interval`` seconds otherwise. An error of the store (a database that is down) is logged and
    tried again after ``interval``; it never ends the loop.
    """
    _check_options(batch, lease, max_attempts, backoff, max_backoff)
    if not isinstance(interval, int | float) or interval <= 0:
        raise ConfigError(
            [f"interval must be a positive number of seconds, got {interval!r}"],
            subject="the outbox worker",
        )
    total = DeliveryReport()
    while not stop.is_set():
        try:
            report = deliver_outbox(
                store,
                mailer,
                clock=clock,
                batch=batch,
                lease=lease,
                max_attempts=max_attempts,
                backoff=backoff,
                max_backoff=max_backoff,
                sender=sender,
            )
        except Exception:
            logger.exception("outbox delivery failed; trying again in %s seconds", interval)
            stop.wait(interval)
            continue
        total = total + report
        if report.claimed < batch:
            stop.wait(interval)
    return total
