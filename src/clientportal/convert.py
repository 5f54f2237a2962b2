"""The JSON wire format: one library-owned cattrs converter.

Dates and datetimes are ISO 8601 strings, ``Decimal`` travels as a string (``"12.50"``), frozensets
as sorted lists, enums by name. :func:`structure` is strict, because its input is untrusted: no
unknown keys, no ``"5"`` where an int belongs, no float where money belongs. It reports *every*
problem of the input at once, each with its path::

    >>> structure({"id": "e1", "seconds": -1}, TimeEntry)
    Traceback (most recent call last):
    clientportal.errors.ValidationError: invalid TimeEntry (4 problems): ...
      - $.project_id: required field missing
      ...
      - $.seconds: must be >= 0, got -1
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
from cattrs import Converter
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)

from .errors import ValidationError

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class _Invalid(ValueError):
    """A leaf problem whose message is already written for the user."""


# --------------------------------------------------------------------------------------------------
# Leaf hooks: strict, because a silent str(5) or float(0.1) is how data gets corrupted.


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, got {_kind(value)}")
    return value


def _structure_int(value: object, _: type) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid(f"must be an integer, got {_kind(value)}")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, got {_kind(value)}")
    return value


def _structure_decimal(value: object, _: type) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            pass
    if isinstance(value, float):
        raise _Invalid(f"must be a decimal number as a string (e.g. '{value}'), got a float")
    raise _Invalid(f"must be a decimal number as a string (e.g. '12.50'), got {_kind(value)}")


def _structure_date(value: object, _: type) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise _Invalid(f"is not a real date: {value!r} ({exc})") from None
    raise _Invalid(f"must be a date as 'YYYY-MM-DD', got {_kind(value)}")


def _structure_datetime(value: object, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) >= 16:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise _Invalid(
        "must be an ISO 8601 date and time with a UTC offset "
        f"(e.g. '2026-01-31T09:00:00+01:00'), got {_kind(value)}"
    )


def _structure_enum(value: object, cls: type[enum.Enum]) -> enum.Enum:
    if isinstance(value, cls):
        return value
    if isinstance(value, str) and value in cls.__members__:
        return cls[value]
    names = ", ".join(cls.__members__)
    raise _Invalid(f"must be one of {names}, got {_kind(value)}")


def _kind(value: object) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


# --------------------------------------------------------------------------------------------------
# Containers: collect every problem, each with its place.


def _optional_hook(conv: Converter, tp: Any) -> Callable[[object, Any], Any]:
    inner = _non_none(tp)

    def structure_optional(value: object, _: Any) -> Any:
        return None if value is None else conv.structure(value, inner)

    return structure_optional


def _is_optional(tp: Any) -> bool:
    return _is_union(tp) and type(None) in typing.get_args(tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _non_none(tp: Any) -> Any:
    args = tuple(a for a in typing.get_args(tp) if a is not type(None))
    if len(args) != 1:
        raise TypeError(f"only X | None unions are supported in the data contract, got {tp}")
    return args[0]


def _sequence_hook(conv: Converter, tp: Any) -> Callable[[object, Any], Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    item_type = args[0] if args else Any
    make: Callable[[list[Any]], Any] = frozenset if origin is frozenset else tuple

    def structure_sequence(value: object, _: Any) -> Any:
        if isinstance(value, str | bytes | Mapping) or not isinstance(
            value, list | tuple | set | frozenset
        ):
            raise _Invalid(f"must be a list, got {_kind(value)}")
        items: list[Any] = []
        problems: list[Exception] = []
        for index, item in enumerate(value):
            try:
                items.append(conv.structure(item, item_type))
            except Exception as exc:
                exc.__notes__ = [IterableValidationNote(f"[{index}]", index, item_type)]
                problems.append(exc)
        if problems:
            raise IterableValidationError("invalid items", problems, tp)
        return make(items)

    return structure_sequence


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _attrs_hook(conv: Converter, cls: type) -> Callable[[object, Any], Any]:
    fields = attrs.fields(cls)
    names = ", ".join(a.alias for a in fields)

    def structure_attrs(value: object, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _Invalid(f"must be an object with the fields {names}, got {_kind(value)}")
        hints = _hints(cls)
        kwargs: dict[str, Any] = {}
        problems: list[Exception] = []

        def fail(exc: Exception, name: str, tp: Any) -> None:
            exc.__notes__ = [AttributeValidationNote(name, name, tp)]
            problems.append(exc)

        for a in fields:
            tp = hints[a.name]
            if a.alias not in value:
                if a.default is attrs.NOTHING:
                    fail(_Invalid("required field missing"), a.alias, tp)
                continue
            try:
                item = conv.structure(value[a.alias], tp)
                if a.validator is not None:
                    a.validator(None, a, item)
            except (ClassValidationError, IterableValidationError) as exc:
                fail(exc, a.alias, tp)
            except (TypeError, ValueError) as exc:
                fail(_Invalid(_without_name(str(exc), a.name)), a.alias, tp)
            else:
                kwargs[a.alias] = item
        known = {a.alias for a in fields}
        for key in value:
            if key not in known:
                fail(_Invalid(f"unknown field; {cls.__name__} has {names}"), str(key), None)
        if not problems:
            try:
                return cls(**kwargs)
            except (TypeError, ValueError) as exc:
                problems.append(_Invalid(str(exc)))
        raise ClassValidationError(f"invalid {cls.__name__}", problems, cls)

    return structure_attrs


def _without_name(message: str, name: str) -> str:
    """Validators say "seconds must be >= 0"; at ``$.seconds`` that reads "must be >= 0"."""
    prefix = f"{name} "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _problems(exc: BaseException, path: str) -> list[str]:
    """Flatten a cattrs validation error into ``"<path>: <message>"`` lines."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        lines: list[str] = []
        for sub in exc.exceptions:
            notes = getattr(sub, "__notes__", ())
            note = notes[0] if notes else None
            if isinstance(note, AttributeValidationNote):
                lines.extend(_problems(sub, f"{path}.{note.name}"))
            elif isinstance(note, IterableValidationNote):
                lines.extend(_problems(sub, f"{path}[{note.index!r}]"))
            else:
                lines.extend(_problems(sub, path))
        return lines
    return [f"{path}: {exc}"]


# --------------------------------------------------------------------------------------------------
# Unstructuring


def _unstructure_frozenset(value: frozenset[Any]) -> list[Any]:
    return sorted(converter.unstructure(item) for item in value)


def _unstructure_tuple(value: tuple[Any, ...]) -> list[Any]:
    return [converter.unstructure(item) for item in value]


def _is_collection(tp: Any) -> bool:
    return typing.get_origin(tp) in (tuple, frozenset)


def _is_frozenset(tp: Any) -> bool:
    return tp is frozenset or typing.get_origin(tp) is frozenset


def _is_tuple(tp: Any) -> bool:
    return typing.get_origin(tp) is tuple


def configure_converter(conv: Converter) -> Converter:
    """Install clientportal's wire format on ``conv`` (used for :data:`converter`)."""
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_structure_hook(dt.date, _structure_date)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )
    conv.register_structure_hook_factory(_is_optional, lambda t: _optional_hook(conv, t))
    conv.register_structure_hook_factory(_is_collection, lambda t: _sequence_hook(conv, t))
    conv.register_structure_hook_factory(attrs.has, lambda t: _attrs_hook(conv, t))

    conv.register_unstructure_hook(Decimal, str)
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda e: e.name
    )
    conv.register_unstructure_hook_func(_is_frozenset, _unstructure_frozenset)
    conv.register_unstructure_hook_func(_is_tuple, _unstructure_tuple)
    return conv


#: The library's converter. Extend it with ``register_*_hook`` for your own types if you must;
#: prefer :func:`structure` and :func:`unstructure`.
converter: Converter = configure_converter(Converter())


def structure(data: object, cls: type[T]) -> T:
    """Build a ``cls`` value from JSON-shaped ``data``, or raise one ``ValidationError`` listing
    every problem with its path (``$.entries[3].seconds: must be >= 0``)."""
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError, _Invalid) as exc:
        name = getattr(cls, "__name__", str(cls))
        raise ValidationError(_problems(exc, "$"), summary=f"invalid {name}") from None


def unstructure(obj: object) -> Any:
    """The JSON-shaped form of a clientportal value (dicts, lists, strings, numbers, bools)."""
    return converter.unstructure(obj)
