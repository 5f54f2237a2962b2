"""A Flask (blinker) signal for every event of the portal's log, sent by the worker.

Connect a receiver, and give the worker :func:`event_callback` of your app (it runs each
receiver inside the app's context, so ``current_app`` and Flask-SQLAlchemy's session work)::

    from clientportal.contrib.flask_events import event_callback, portal_event
    from clientportal.worker import run_worker

    @portal_event.connect
    def lock_approved(sender, event):
        if event.type == "entries.approved":
            ...

    run_worker(store, stop=stop, callbacks={"flask": event_callback(app)})

Receivers run in the worker, in order, at least once per event: a receiver that raises makes
the worker try the same event again later, so make them idempotent (``event.id`` tells a
repeat).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

try:
    from blinker import Namespace
except ImportError as e:  # pragma: no cover - blinker comes with Flask
    raise ImportError(
        "clientportal.contrib.flask_events needs Flask: pip install 'clientportal[flask]'"
    ) from e

from ..ports import Event

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["event_callback", "portal_event", "send_event"]

_signals = Namespace()

#: Sent with the app (or ``None`` outside one) as sender and ``event``: the
#: :class:`~clientportal.ports.Event`.
portal_event = _signals.signal("clientportal.event")


def send_event(event: Event, app: Flask | None = None) -> None:
    """Send :data:`portal_event` for ``event``; a receiver's error is raised."""
    portal_event.send(app, event=event)


def event_callback(app: Flask) -> Callable[[Event], None]:
    """A worker callback that sends :data:`portal_event` inside ``app``'s context."""

    def callback(event: Event) -> None:
        with app.app_context():
            send_event(event, app)

    return callback
