"""JSON Schemas of the wire format, derived from its attrs classes and enums (for the OpenAPI
document, :mod:`.openapi`): what the converter (:mod:`clientportal.convert`) writes and reads.

A field's ``metadata["schema"]`` adds to what its type says (bounds, patterns); in a request body
(and in the values it holds) a field with a default may be left out.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["request_schema", "request_types", "schema_of", "type_schema"]


def _is_optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(tp)
    )


def type_schema(tp: Any, refs: dict[str, type]) -> dict[str, Any]:
    """The JSON schema of a field's type ``tp`` (attrs classes and enums become references,
    their names and classes put in ``refs``)."""
    if _is_optional(tp):
        (inner,) = (a for a in typing.get_args(tp) if a is not type(None))
        return {"anyOf": [type_schema(inner, refs), {"type": "null"}]}
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is tuple and args and Ellipsis not in args:  # a pair such as (currency, amount)
        return {
            "type": "array",
            "prefixItems": [type_schema(a, refs) for a in args],
            "items": False,
            "minItems": len(args),
            "maxItems": len(args),
        }
    if origin in (tuple, frozenset):
        args = tuple(a for a in args if a is not Ellipsis)
        items = type_schema(args[0], refs) if args else {}
        schema: dict[str, Any] = {"type": "array", "items": items}
        if origin is frozenset:
            schema["uniqueItems"] = True
        return schema
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is Decimal:
        return {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "a decimal"}
    if tp is dt.datetime:
        return {"type": "string", "format": "date-time"}
    if tp is dt.date:
        return {"type": "string", "format": "date"}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        refs[tp.__name__] = tp
        return {"$ref": f"#/components/schemas/{tp.__name__}"}
    if isinstance(tp, type) and attrs.has(tp):
        refs[tp.__name__] = tp
        return {"$ref": f"#/components/schemas/{tp.__name__}"}
    raise TypeError(f"no JSON schema for {tp!r}")


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def schema_of(cls: Any, refs: dict[str, type]) -> dict[str, Any]:
    """The JSON schema of an attrs class or enum of the wire format (nested types go to
    ``refs``)."""
    doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
    if issubclass(cls, enum.Enum):
        return {"type": "string", "enum": list(cls.__members__), "description": doc}
    hints = _hints(cls)
    properties = {}
    required = []
    for a in attrs.fields(cls):
        properties[a.alias] = type_schema(hints[a.name], refs) | a.metadata.get("schema", {})
        required.append(a.alias)
    return {
        "type": "object",
        "description": doc,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _attrs_classes(tp: Any) -> Iterator[type]:
    """The attrs classes ``tp`` names, itself or among its arguments (``tuple[EntryRef, ...]``)."""
    if isinstance(tp, type) and attrs.has(tp):
        yield tp
    for arg in typing.get_args(tp):
        yield from _attrs_classes(arg)


def request_types(roots: Iterable[type]) -> frozenset[type]:
    """The request bodies ``roots`` and the attrs classes they hold, however deep: the types
    whose fields with defaults a client may leave out."""
    found: set[type] = set()
    todo = list(roots)
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            for hint in _hints(cls).values():
                todo.extend(_attrs_classes(hint))
    return frozenset(found)


def request_schema(cls: Any, refs: dict[str, type]) -> dict[str, Any]:
    """The schema of a request body or of a value in one: fields with defaults are optional."""
    schema = schema_of(cls, refs)
    schema["required"] = [a.alias for a in attrs.fields(cls) if a.default is attrs.NOTHING]
    return schema
