"""A small JSON Schema checker for the web tests: enough of 2020-12 for the OpenAPI document's own
schemas (references, ``anyOf``, types, enums, formats, patterns, bounds, objects, arrays and
pairs), and where a path's answer schema is found in the document."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any


def check(value: Any, schema: dict[str, Any], doc: dict[str, Any], path: str = "$") -> None:
    """Assert that ``value`` fits ``schema``, whose references point into ``doc``."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        check(value, doc["components"]["schemas"][name], doc, path)
        return
    if "anyOf" in schema:
        problems = []
        for option in schema["anyOf"]:
            try:
                check(value, option, doc, path)
                return
            except AssertionError as problem:
                problems.append(str(problem))
        raise AssertionError(f"{path}: matches no option: {problems}")
    kind = schema.get("type")
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "boolean": bool,
        "null": type(None),
    }
    if kind is not None:
        assert isinstance(value, types[kind]), f"{path}: {value!r} is not {kind}"
        if kind == "integer":
            assert not isinstance(value, bool), path
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if schema.get("format") == "date":
        dt.date.fromisoformat(value)
    if schema.get("format") == "date-time":
        assert dt.datetime.fromisoformat(value).tzinfo is not None, path
    if "pattern" in schema:
        assert re.search(schema["pattern"], value), f"{path}: {value!r} !~ {schema['pattern']}"
    if "maxLength" in schema:
        assert schema.get("minLength", 0) <= len(value) <= schema["maxLength"], path
    if "maximum" in schema:
        assert schema["minimum"] <= value <= schema["maximum"], path
    if kind == "object" and "properties" in schema:
        for name in schema.get("required", ()):
            assert name in value, f"{path}: {name} missing"
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(schema["properties"])
            assert not extra, f"{path}: unexpected {extra}"
        for name, sub in schema["properties"].items():
            if name in value:
                check(value[name], sub, doc, f"{path}.{name}")
    if kind == "array":
        assert schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)), path
        prefix = schema.get("prefixItems", [])
        for index, item in enumerate(value):
            if index < len(prefix):
                check(item, prefix[index], doc, f"{path}[{index}]")
            else:
                assert schema["items"] is not False, f"{path}: no item {index} allowed"
                check(item, schema["items"], doc, f"{path}[{index}]")


def response_schema(doc: dict[str, Any], pattern: str, method: str, status: str) -> Any:
    """The JSON schema of the ``status`` answer of ``method`` on ``pattern``."""
    content = doc["paths"][pattern][method]["responses"][status]["content"]
    return content["application/json"]["schema"]


def problem_schema(doc: dict[str, Any], pattern: str, status: str, method: str = "post") -> Any:
    """The problem document's schema of the ``status`` answer of ``method`` on ``pattern``."""
    ref = doc["paths"][pattern][method]["responses"][status]["$ref"]
    response = doc["components"]["responses"][ref.rsplit("/", 1)[1]]
    return response["content"]["application/problem+json"]["schema"]
