"""The ``testing`` extra brings what ``clientportal.testing`` imports and nothing more: no web
framework, type checker or linter, and no Babel floor above the core's (a host's pinned Babel
is never upgraded by it). The test extra has Flask-WTF for the Flask host tests."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
#: The distribution each import name comes from, where the two differ.
DISTRIBUTION = {"email_validator": "email-validator", "yaml": "pyyaml"}


def requirement(spec: str) -> tuple[str, str]:
    """``(name, rest)`` of a requirement: ``"babel>=2.12"`` -> ``("babel", ">=2.12")``."""
    found = re.match(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)", spec)
    assert found is not None, spec
    return found.group(1).lower().replace("_", "-"), found.group(3)


def floor(rest: str) -> tuple[int, ...]:
    found = re.search(r">=\s*([0-9.]+)", rest)
    assert found is not None, f"no floor in {rest!r}"
    return tuple(int(p) for p in found.group(1).split("."))


def imported_distributions(package: Path) -> set[str]:
    """The third-party distributions the modules under ``package`` import (at any depth)."""
    names: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    third_party = names - set(sys.stdlib_module_names) - {"clientportal", "__future__"}
    return {DISTRIBUTION.get(n, n).lower().replace("_", "-") for n in third_party}


def test_the_testing_extra_brings_what_the_kit_imports() -> None:
    core = {requirement(d)[0] for d in PROJECT["dependencies"]}
    testing = {requirement(d)[0] for d in PROJECT["optional-dependencies"]["testing"]}
    needed = imported_distributions(ROOT / "src" / "clientportal" / "testing")
    assert needed <= core | testing, f"the kit imports {sorted(needed - core - testing)}"
    assert {"hypothesis", "pytest"} <= testing


def test_the_testing_extra_brings_no_framework_tool_or_newer_babel() -> None:
    specs = dict(requirement(d) for d in PROJECT["optional-dependencies"]["testing"])
    forbidden = {"django", "fastapi", "flask", "starlette", "mypy", "ruff", "django-stubs"}
    assert not forbidden & set(specs)
    assert not any(name.startswith("clientportal") for name in specs)  # no extra pulled in
    core_babel = dict(requirement(d) for d in PROJECT["dependencies"])["babel"]
    if "babel" in specs:
        assert floor(specs["babel"]) <= floor(core_babel)


def test_the_test_extra_has_flask_wtf() -> None:
    assert "flask-wtf" in {requirement(d)[0] for d in PROJECT["optional-dependencies"]["test"]}
