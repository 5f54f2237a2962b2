"""The library's tables as Django models, to read them with the ORM (never to write them).

They are unmanaged (``managed = False``): the app's migrations create the tables exactly as the
:class:`~clientportal.sql.SqlStore` needs them (:mod:`clientportal.contrib.django.operations`), and
every change to them goes through the service and its store. :class:`Approval` is what a host's
queries join to read an entry's approval state (:mod:`clientportal.contrib.django.mapping` does).
"""

from __future__ import annotations

import datetime as dt

from django.db import models

__all__ = ["Approval"]


class Approval(models.Model):
    """The approval state of one of the host's entries (``cp_approvals``); an entry without a
    row is ``OPEN`` at version 0. ``entry_id`` is the entry's id as text (``str(pk)``)."""

    entry_id: models.CharField[str, str] = models.CharField(max_length=191, primary_key=True)
    status: models.CharField[str, str] = models.CharField(max_length=32)
    workflow: models.CharField[str | None, str | None] = models.CharField(max_length=32, null=True)
    version: models.IntegerField[int, int] = models.IntegerField()
    reason: models.TextField[str | None, str | None] = models.TextField(null=True)
    updated_at: models.DateTimeField[dt.datetime | None, dt.datetime | None] = models.DateTimeField(
        null=True
    )

    class Meta:
        managed = False
        db_table = "cp_approvals"

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.status} (v{self.version})"
