"""The declarative map from a host's Django models to the library's records.

Each record names a model and, for each field of the contract record, where its value is on
that model: a field name or a path across relations (``"task__project"``), or any ORM expression
(``Concat("first_name", Value(" "), "last_name")``). Relations are given as the path to the
related row (its primary key is the id). A part the host does not have is left out: a map
without :class:`Contacts` has no contacts, entries without ``rate`` have no rates.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from attrs import field, frozen
from django.db.models import F, Model
from django.db.models.expressions import Combinable

from ....errors import ConfigError

__all__ = [
    "Clients",
    "Contacts",
    "Duration",
    "Employees",
    "Entries",
    "Mapping",
    "Projects",
    "Value",
    "minutes",
    "seconds",
]

#: Where a value is: a field name or ``__`` path, or an ORM expression.
Value: TypeAlias = "str | Combinable"


def _model(_: object, attribute: Any, value: Any) -> None:
    if not (isinstance(value, type) and issubclass(value, Model)):
        raise ConfigError(
            [f"{attribute.name} must be a Django model class, got {value!r}"],
            subject="Django mapping",
        )


def _value(_: object, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, str | Combinable):
        raise ConfigError(
            [
                f"{attribute.name} must be a field name, a '__' path or an ORM expression, "
                f"got {value!r}"
            ],
            subject="Django mapping",
        )


@frozen
class Duration:
    """An integer field holding a duration in units of ``unit_seconds`` seconds."""

    path: str
    unit_seconds: int = field(default=1)

    def expression(self) -> Combinable:
        """The duration in seconds, as an ORM expression."""
        return F(self.path) if self.unit_seconds == 1 else F(self.path) * self.unit_seconds


def minutes(path: str) -> Duration:
    """A duration kept as whole minutes in the field at ``path``."""
    return Duration(path, 60)


def seconds(path: str) -> Duration:
    """A duration kept as whole seconds in the field at ``path``."""
    return Duration(path, 1)


@frozen
class Clients:
    """The host's clients: ``model`` and where a client's ``name`` is."""

    model: type[Model] = field(validator=_model)
    name: Value = field(validator=_value)


@frozen
class Projects:
    """The host's projects: the path to the project's ``client``, its ``name``, and optionally
    the path to its ``members`` (a many-to-many to the employees' model)."""

    model: type[Model] = field(validator=_model)
    client: str = field(validator=_value)
    name: Value = field(validator=_value)
    members: str | None = field(default=None, validator=_value)


@frozen
class Employees:
    """The people who log time: ``model`` (often the user model) and their ``name``."""

    model: type[Model] = field(validator=_model)
    name: Value = field(validator=_value)


@frozen
class Contacts:
    """The client's contacts who receive links: the path to their ``client``, ``name``,
    ``email`` and optionally ``language`` (a language code, or null)."""

    model: type[Model] = field(validator=_model)
    client: str = field(validator=_value)
    name: Value = field(validator=_value)
    email: Value = field(validator=_value)
    language: Value | None = field(default=None, validator=_value)


@frozen
class Entries:
    """The time entries: the paths to their ``project`` and ``employee``, their ``date``
    field, their duration (:func:`minutes` or :func:`seconds`), and optionally
    ``description``, ``task`` (a name), ``billable`` (a boolean; all billable without it) and
    ``rate`` (per hour, a decimal; a path such as ``"project__rate"`` when projects carry it)."""

    model: type[Model] = field(validator=_model)
    project: str = field(validator=_value)
    employee: str = field(validator=_value)
    date: str = field(validator=_value)
    duration: Duration = field()
    description: Value | None = field(default=None, validator=_value)
    task: Value | None = field(default=None, validator=_value)
    billable: Value | None = field(default=None, validator=_value)
    rate: Value | None = field(default=None, validator=_value)

    @duration.validator
    def _duration(self, attribute: Any, value: object) -> None:
        if not isinstance(value, Duration):
            raise ConfigError(
                [f"duration must be minutes('field') or seconds('field'), got {value!r}"],
                subject="Django mapping",
            )


@frozen
class Mapping:
    """Where each record of the data contract is in the host's models. ``contacts`` is
    optional: a host without contacts has portals whose links name no contact."""

    clients: Clients
    projects: Projects
    employees: Employees
    entries: Entries
    contacts: Contacts | None = None
