"""``SqlSettingsStore``: named groups of settings (the company's, say) as JSON in ``cp_settings``.

Each group is one row: its name and its value as JSON text. The store knows nothing of what a
group holds: the application structures it on read (the ``clientportal`` command reads
``"company"`` with :func:`clientportal.convert.structure` into a
:class:`~clientportal.service.company.CompanySettings`, so a stored value is checked again).
:meth:`~SqlSettingsStore.update` changes a group in one transaction, so two administrators
changing different fields at once both keep their change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from ..errors import ValidationError
from . import tables as t
from .base import SqlBase
from .engine import StorageError

__all__ = ["SqlSettingsStore"]

#: The longest name of a settings group (the column's length).
_MAX_NAME = 32


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
        raise ValidationError(
            [f"name: a settings group is named by 1 to {_MAX_NAME} characters, got {name!r}"],
            summary="cannot store the settings",
        )


def _check_time(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(
            [f"at: must be timezone-aware, got {at.isoformat()}"],
            summary="cannot store the settings",
        )


def _dumps(name: str, value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValidationError(
            [f"value: the settings {name!r} must be JSON-shaped (dicts, lists, text, numbers, "
             f"booleans, null): {error}"],
            summary="cannot store the settings",
        ) from None  # fmt: skip


class SqlSettingsStore(SqlBase):
    """Named groups of settings in ``cp_settings`` (create the tables first with
    :func:`clientportal.sql.upgrade`); each value is anything JSON can hold.

    ``engine`` is an :class:`~sqlalchemy.engine.Engine` or a URL, as for
    :class:`~clientportal.sql.SqlStore` (which may share it).
    """

    def get(self, name: str) -> Any | None:
        """The value of the group ``name``, or ``None`` when it was never stored."""
        _check_name(name)
        query = select(t.settings.c.value).where(t.settings.c.name == name)
        with self._read() as conn:
            text = conn.execute(query).scalar_one_or_none()
        return None if text is None else self._loads(name, text)

    def updated_at(self, name: str) -> dt.datetime | None:
        """When the group ``name`` was last stored, or ``None`` when it never was."""
        _check_name(name)
        query = select(t.settings.c.updated_at).where(t.settings.c.name == name)
        with self._read() as conn:
            moment: dt.datetime | None = conn.execute(query).scalar_one_or_none()
        return moment

    def put(self, name: str, value: Any, *, at: dt.datetime) -> None:
        """Store ``value`` (JSON-shaped) as the group ``name``, replacing what was there."""
        self.update(name, lambda _: value, at=at)

    def update(self, name: str, change: Callable[[Any | None], Any], *, at: dt.datetime) -> Any:
        """Store ``change(current)`` as the group ``name`` in one transaction, and return it.

        ``current`` is the stored value, or ``None`` when there is none. Nobody else changes the
        group in between (the row is locked; on SQLite the whole write). When ``change`` raises,
        nothing is stored and the error goes to the caller.
        """
        _check_name(name)
        _check_time(at)
        s = t.settings
        locked = select(s.c.value).where(s.c.name == name)
        if self._postgres:
            locked = locked.with_for_update()
        with self._write() as conn:
            text = conn.execute(locked).scalar_one_or_none()
            if text is None:
                # A placeholder row to lock (another writer's insert waits for ours, or ours for
                # theirs); rolled back with everything else if ``change`` fails.
                placeholder = {"name": name, "value": "null", "updated_at": at}
                conn.execute(self._insert(s).values(placeholder).on_conflict_do_nothing())
                text = conn.execute(locked).scalar_one()
            value = change(self._loads(name, text))
            conn.execute(
                s.update().where(s.c.name == name).values(value=_dumps(name, value), updated_at=at)
            )
        return value

    def delete(self, name: str) -> bool:
        """Forget the group ``name``; ``False`` when it was not stored."""
        _check_name(name)
        with self._write() as conn:
            deleted = conn.execute(t.settings.delete().where(t.settings.c.name == name))
        return bool(deleted.rowcount)

    def _loads(self, name: str, text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            raise StorageError(
                f"the stored settings {name!r} in cp_settings are not JSON: delete that row "
                f"(DELETE FROM cp_settings WHERE name = '{name}') and store them again"
            ) from None
