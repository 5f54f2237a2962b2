"""A Django signal for every event of the portal's log, sent by the worker.

Connect a receiver, and run the worker with :func:`send_event` as a callback (from a management
command, or ``clientportal worker --callback django=clientportal.contrib.django.signals:send_event``
in a process where Django is set up)::

    from django.dispatch import receiver
    from clientportal.contrib.django.signals import portal_event

    @receiver(portal_event)
    def lock_approved(sender, event, **kwargs):
        if event.type == "entries.approved":
            ids = [int(i["id"]) for i in event.data["items"] if i["status"] == "APPROVED"]
            Entry.objects.filter(id__in=ids).update(locked=True)

Receivers run in the worker, in order, at least once per event: a receiver that raises makes
the worker try the same event again later (the others that already ran for it run again too),
so make them idempotent (``event.id`` tells a repeat).
"""

from __future__ import annotations

from django.dispatch import Signal

from ...ports import Event

__all__ = ["portal_event", "send_event"]

#: Sent with ``sender=Event`` and ``event``: the :class:`~clientportal.ports.Event`.
portal_event = Signal()


def send_event(event: Event) -> None:
    """Send :data:`portal_event` for ``event`` (a worker callback); a receiver's error is
    raised, so the worker tries the event again."""
    portal_event.send(sender=Event, event=event)
