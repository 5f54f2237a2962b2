"""The library's tables as Django models, to read them with the ORM (never to write them).

They are unmanaged (``managed = False``): the app's migrations create the tables exactly as the
:class:`~clientportal.sql.SqlStore` needs them (:mod:`clientportal.contrib.django.operations`), and
every change to them goes through the service and its store. :class:`Approval` is what a host's
queries join to read an entry's approval state (:mod:`clientportal.contrib.django.mapping` does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

__all__ = ["Approval", "StoredText"]

_NUL = "\x00"
#: How the store keeps NUL on PostgreSQL, whose text cannot hold it (``clientportal.sql``'s
#: ``Text``): NUL as ``U+E000 0``, ``U+E000`` itself doubled.
_ESCAPE = "\ue000"


class StoredText(models.TextField):  # type: ignore[type-arg]
    """Text as the library's store keeps it: exactly, NUL included (escaped on PostgreSQL)."""

    def from_db_value(self, value: str | None, expression: object, connection: Any) -> str | None:
        """The text the store was given, from the column's value."""
        if value is None or connection.vendor != "postgresql" or _ESCAPE not in value:
            return value
        out: list[str] = []
        chars = iter(value)
        for char in chars:
            if char == _ESCAPE:
                following = next(chars, "")
                out.append(_NUL if following == "0" else following)
            else:
                out.append(char)
        return "".join(out)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        """The column's value for ``value`` (escaped as the store escapes it)."""
        value = super().get_db_prep_value(value, connection, prepared)
        if not isinstance(value, str) or connection.vendor != "postgresql":
            return value
        return value.replace(_ESCAPE, _ESCAPE + _ESCAPE).replace(_NUL, _ESCAPE + "0")


class Approval(models.Model):
    """The approval state of one of the host's entries (``cp_approvals``); an entry without a
    row is ``OPEN`` at version 0. ``entry_id`` is the entry's id as text (``str(pk)``)."""

    entry_id: models.CharField[str, str] = models.CharField(max_length=191, primary_key=True)
    status: models.CharField[str, str] = models.CharField(max_length=32)
    workflow: models.CharField[str | None, str | None] = models.CharField(max_length=32, null=True)
    version: models.IntegerField[int, int] = models.IntegerField()
    reason: StoredText = StoredText(null=True)
    updated_at: models.DateTimeField[dt.datetime | None, dt.datetime | None] = models.DateTimeField(
        null=True
    )

    class Meta:
        managed = False
        db_table = "cp_approvals"

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.status} (v{self.version})"
