"""The framework signals the worker sends for each event: Django's ``portal_event`` and Flask's
blinker ``portal_event`` (inside the app's context), in order, again after a receiver fails."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from clientportal.memory import ManualClock, MemoryStore
from clientportal.model import Portal
from clientportal.ports import Event, NewEvent
from clientportal.worker import run_callbacks

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _store(count: int) -> MemoryStore:
    store = MemoryStore()
    portal = Portal(id="p1", client_id="c1", name="Acme", created_at=T0)
    for n in range(count):
        event = NewEvent(type="portal.updated", occurred_at=T0, portal_id="p1", data={"n": n})
        store.put_portal(portal, events=[event])
    return store


def test_the_django_signal_is_sent_for_every_event_and_again_after_a_failure() -> None:
    pytest.importorskip("django")
    from clientportal.contrib.django.signals import portal_event, send_event

    seen: list[int] = []
    fail = [True]

    def receiver(sender: Any, event: Event, **kwargs: Any) -> None:
        assert sender is Event
        if event.data["n"] == 1 and fail:
            fail.clear()
            raise RuntimeError("the host's table is locked")
        seen.append(event.data["n"])

    portal_event.connect(receiver, weak=False)
    try:
        store, clock = _store(3), ManualClock(T0)
        first = run_callbacks(store, {"django": send_event}, clock=clock)
        assert (first.handled, first.failed) == (1, 1)
        clock.advance(dt.timedelta(hours=1))
        run_callbacks(store, {"django": send_event}, clock=clock)
    finally:
        portal_event.disconnect(receiver)
    assert seen == [0, 1, 2]


def test_the_flask_signal_is_sent_inside_the_app_context() -> None:
    flask = pytest.importorskip("flask")
    from clientportal.contrib.flask_events import event_callback, portal_event

    app = flask.Flask("host")
    seen: list[tuple[str, int]] = []

    def receiver(sender: Any, event: Event) -> None:
        assert sender is app
        seen.append((flask.current_app.name, event.data["n"]))

    portal_event.connect(receiver)
    try:
        report = run_callbacks(_store(2), {"flask": event_callback(app)}, clock=ManualClock(T0))
    finally:
        portal_event.disconnect(receiver)
    assert report.handled == 2
    assert seen == [("host", 0), ("host", 1)]
