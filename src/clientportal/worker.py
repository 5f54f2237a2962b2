"""The worker: one loop that delivers the outbox's e-mails, the webhooks, runs the host's
callbacks over the event log, and sends the due reminders (``clientportal worker``, or
:func:`run_worker` from a host).

Any number of workers may run on one database: e-mails and webhook deliveries are claimed
with a lease (nobody else claims them meanwhile), and each callback's cursor is leased to one
worker at a time. A worker writes a result only while it still holds its lease: when a callback
or a post outlasts the lease and another worker claims the same cursor or delivery, the first
one's result is dropped (a warning is logged), never written over the new holder's. The work
itself may then be done twice (delivery is at least once).

**Callbacks.** A callback is a named function taking an :class:`~clientportal.ports.Event`.
Its name keys its cursor in the store: it receives every event of the log in order, from the
start of the log the first time it runs, then from where it stopped. It is called at least once
per event: a callback that raises is called again with the same event ``backoff × 2^(n-1)``
later (at most ``max_backoff``), and the events after it wait (the error is logged and kept in
the store); make it idempotent (the event id tells a repeat).

**Reminders.** Given a :class:`~clientportal.service.reminders.Reminders` (``service.reminders``),
each round also sends the reminders, escalations, warnings and staff digests that are due and
takes the approvals the reminder policy makes (:mod:`clientportal.service.reminders`); the store
sees to it that each happens once, whatever the number of workers. :func:`run_worker` runs them
at most every ``reminders_every`` seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from attrs import frozen

from .errors import ConfigError
from .ports import Clock, Event, EventConsumers, EventLog, Mailer, Store, SystemClock
from .smtp import DeliveryReport, deliver_outbox
from .webhooks import Post, WebhookReport, deliver_webhooks, post_json

if TYPE_CHECKING:
    from .service.reminders import ReminderReport, Reminders

__all__ = [
    "Callback",
    "CallbackReport",
    "WorkerReport",
    "run_callbacks",
    "run_worker",
    "work_once",
]

logger = logging.getLogger("clientportal.worker")

#: A host callback: called with each event of the log, in order.
Callback = Callable[[Event], None]
_MAX_ERROR = 2000


class _CallbackStore(EventLog, EventConsumers, Protocol):
    """What the callbacks need of a store."""


@frozen
class CallbackReport:
    """What one :func:`run_callbacks` round did: events handled, and callbacks that failed."""

    handled: int = 0
    failed: int = 0

    def __add__(self, other: CallbackReport) -> CallbackReport:
        return CallbackReport(self.handled + other.handled, self.failed + other.failed)


def _check_names(callbacks: Mapping[str, Callback]) -> None:
    problems = [
        f"callback {name!r}: a name must be 1 to 191 characters, its function callable"
        for name, fn in callbacks.items()
        if not isinstance(name, str) or not 0 < len(name) <= 191 or not callable(fn)
    ]
    if problems:
        raise ConfigError(problems, subject="the callbacks")


def run_callbacks(
    store: _CallbackStore,
    callbacks: Mapping[str, Callback],
    *,
    clock: Clock | None = None,
    batch: int = 100,
    lease: dt.timedelta = dt.timedelta(minutes=2),
    backoff: dt.timedelta = dt.timedelta(seconds=30),
    max_backoff: dt.timedelta = dt.timedelta(hours=1),
) -> CallbackReport:
    """Hand each callback up to ``batch`` events after its cursor (see the module's
    docstring); a callback another worker holds is skipped this round."""
    _check_names(callbacks)
    clock = SystemClock() if clock is None else clock
    report = CallbackReport()
    for name, callback in callbacks.items():
        claimed_at = clock.now()
        state = store.claim_consumer(name, now=claimed_at, lease=lease)
        if state is None:
            continue
        attempts = state.attempts
        held = state.leased_until
        try:
            for event in store.events(after=state.after, limit=batch):
                if clock.now() >= claimed_at + lease:
                    break  # the lease ran out: another worker may hold the cursor now
                try:
                    callback(event)
                except Exception as error:
                    text = f"event {event.id} ({event.type}): {type(error).__name__}: {error}"
                    delay = min(backoff * 2**attempts, max_backoff)
                    if not store.consumer_failed(
                        name, error=text[:_MAX_ERROR], retry_at=clock.now() + delay, lease=held
                    ):
                        _lost(name, event)
                        held = None
                        break
                    logger.exception(
                        "callback %r failed on event %s (attempt %d), retrying in %s",
                        name,
                        event.id,
                        attempts + 1,
                        delay,
                    )
                    report += CallbackReport(failed=1)
                    break
                if not store.advance_consumer(name, event.id, lease=held):
                    _lost(name, event)
                    held = None
                    break
                attempts = 0
                report += CallbackReport(handled=1)
        finally:
            if held is not None:
                store.release_consumer(name, lease=held)
    return report


def _lost(name: str, event: Event) -> None:
    logger.warning(
        "callback %r: its lease ran out and another worker claimed it while event %s was "
        "handled; stopping here (that worker carries on from its own cursor)",
        name,
        event.id,
    )


@frozen
class WorkerReport:
    """What one :func:`work_once` round did: e-mails (``None`` without a mailer), webhooks,
    callbacks, reminders (``None`` when none were run)."""

    mail: DeliveryReport | None
    webhooks: WebhookReport
    callbacks: CallbackReport
    reminders: ReminderReport | None = None

    @property
    def busy(self) -> bool:
        """True when the round found work (the next may find more at once: the e-mails the
        reminders queued, say)."""
        mail = 0 if self.mail is None else self.mail.claimed
        reminded = self.reminders is not None and self.reminders.busy
        return bool(mail or self.webhooks.claimed or self.callbacks.handled or reminded)


def work_once(
    store: Store,
    *,
    mailer: Mailer | None = None,
    callbacks: Mapping[str, Callback] | None = None,
    clock: Clock | None = None,
    post: Post = post_json,
    sender: str | None = None,
    reminders: Reminders | None = None,
) -> WorkerReport:
    """One round: deliver due e-mails (with ``mailer``, when given), due webhooks (with
    ``post``), the callbacks' next events, and (with ``reminders``) the reminders due at the
    clock's time. The reminders run last: what they queue goes out in the next round, which
    follows at once."""
    mail = None if mailer is None else deliver_outbox(store, mailer, clock=clock, sender=sender)
    hooks = deliver_webhooks(store, clock=clock, post=post)
    called = run_callbacks(store, callbacks or {}, clock=clock)
    reminded = None
    if reminders is not None:
        reminded = reminders.run(None if clock is None else clock.now())
    return WorkerReport(mail, hooks, called, reminded)


def run_worker(
    store: Store,
    *,
    stop: threading.Event,
    mailer: Mailer | None = None,
    callbacks: Mapping[str, Callback] | None = None,
    clock: Clock | None = None,
    post: Post = post_json,
    interval: float = 5.0,
    sender: str | None = None,
    reminders: Reminders | None = None,
    reminders_every: float = 60.0,
) -> None:
    """Run :func:`work_once` until ``stop`` is set: again at once after a busy round, else after
    ``interval`` seconds; the ``reminders`` (when given) at most every ``reminders_every``
    seconds (each run reads every open approval request). An error of the store (a database
    that is down) is logged and tried again after ``interval``; it never ends the loop."""
    problems = [
        f"{name} must be a positive number of seconds, got {value!r}"
        for name, value in (("interval", interval), ("reminders_every", reminders_every))
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
    ]
    if problems:
        raise ConfigError(problems, subject="the worker")
    _check_names(callbacks or {})
    reminded_at: float | None = None
    while not stop.is_set():
        due = reminders is not None and (
            reminded_at is None or time.monotonic() - reminded_at >= reminders_every
        )
        try:
            report = work_once(
                store,
                mailer=mailer,
                callbacks=callbacks,
                clock=clock,
                post=post,
                sender=sender,
                reminders=reminders if due else None,
            )
            if due:
                reminded_at = time.monotonic()
        except Exception:
            logger.exception("the worker's round failed; trying again in %s seconds", interval)
            stop.wait(interval)
            continue
        if not report.busy:
            stop.wait(interval)
