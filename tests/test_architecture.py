"""The layers of docs/architecture.md, checked: which package may import which, and module sizes.

An AST walk of ``src/clientportal`` (as import-linter would do): every runtime import between the
library's own modules must follow an allowed arrow. Imports under ``if TYPE_CHECKING:`` are type
hints, not arrows, and are skipped (as flask's ``ctx.py`` imports ``Flask``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "clientportal"

#: Each top-level module or package of ``clientportal`` and its layer.
LAYER_OF = {
    "_validators": "core",
    "_segments": "core",
    "errors": "core",
    "model": "core",
    "convert": "core",
    "visibility": "core",
    "public": "core",
    "workflow": "core",
    "access": "core",
    "i18n": "core",
    "mail": "core",
    "ports": "core",
    "ratelimit": "core",
    "redaction": "core",
    "signoff": "core",  # issue 15: sign-off certificates (H4)
    "reminders": "core",  # issue 15: the reminder policy and its schedule (H5)
    "service": "service",
    "memory": "backend",
    "sql": "backend",
    "smtp": "backend",
    "webhooks": "backend",
    "web": "web",
    "contrib": "contrib",
    "cli": "app",
    "demo": "app",
    "demo_costs": "app",
    "worker": "app",
    "testing": "testing",
    "": "package",  # clientportal/__init__.py: the public API, re-exports only
}

#: The layers each layer may import (its own always allowed, for the core and service; a backend
#: imports only itself among the backends).
ALLOWED = {
    "core": {"core"},
    "service": {"core", "service"},
    "backend": {"core"},
    "web": {"core", "service", "web", "package"},
    "contrib": {"core", "service", "web", "contrib"},
    "app": {"core", "service", "backend", "web", "app", "package"},
    "testing": {"core", "service", "backend", "testing"},
    "package": {"core", "service", "backend"},
}


def _top(module: str) -> str:
    """``clientportal.sql.store`` -> ``sql``; ``clientportal`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    relative = path.relative_to(SRC.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(tree: ast.Module, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """``(line, imported module)`` of every import outside ``if TYPE_CHECKING:`` blocks."""
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                type_only.update(id(n) for n in ast.walk(inner))
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = node.module or "" if not node.level else ".".join([*base, node.module or ""])
            if node.module is None:  # ``from .. import _validators``: each name is a module
                for alias in node.names:
                    yield node.lineno, f"{target.rstrip('.')}.{alias.name}"
            else:
                yield node.lineno, target


def forbidden_imports(path: Path, source: str) -> list[str]:
    """The imports of ``source`` (the text of ``path``, a module of the library) that cross a
    forbidden arrow, as ``"<module>:<line> (<layer>) imports <module> (<layer>)"``."""
    module = _module_name(path)
    layer = LAYER_OF[_top(module)]
    found = []
    tree = ast.parse(source)
    for line, target in _runtime_imports(tree, module, path.name == "__init__.py"):
        if target != "clientportal" and not target.startswith("clientportal."):
            continue
        target_top = _top(target)
        if target_top not in LAYER_OF:  # ``from .. import __version__``: a name, not a module
            target_top = _top(target.rpartition(".")[0])
        target_layer = LAYER_OF[target_top]
        same_backend = layer == "backend" and target_top == _top(module)
        if target_layer not in ALLOWED[layer] and not same_backend:
            found.append(f"{module}:{line} ({layer}) imports {target} ({target_layer})")
    return found


def _library_modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def test_every_module_belongs_to_a_layer() -> None:
    tops = {_top(_module_name(p)) for p in _library_modules()}
    assert tops <= LAYER_OF.keys(), f"modules without a layer: {sorted(tops - LAYER_OF.keys())}"


def test_no_module_imports_across_a_forbidden_arrow() -> None:
    crossings = [
        crossing for p in _library_modules() for crossing in forbidden_imports(p, p.read_text())
    ]
    assert crossings == []


@pytest.mark.parametrize(
    ("path", "line"),
    [
        # the gate importing a backend for its rate limiter (the first edition's back-arrow)
        (SRC / "service" / "access.py", "from ..memory import MemoryStore"),
        # a backend importing the service for a record
        (SRC / "memory" / "__init__.py", "from ..service.reading import HoursPage"),
        (SRC / "sql" / "source.py", "from clientportal.service import PortalService"),
        # the core reaching up
        (SRC / "visibility.py", "from .service import pages"),
        (SRC / "ports" / "data.py", "from ..web import http"),
        # anything importing the CLI, the adapters or the test kit
        (SRC / "web" / "app.py", "from ..cli import main"),
        (SRC / "service" / "pages.py", "from ..testing import strategies"),
        (SRC / "web" / "views.py", "import clientportal.contrib.flask"),
    ],
)
def test_the_layer_check_catches_a_forbidden_import(path: Path, line: str) -> None:
    source = path.read_text() + "\n" + line + "\n"
    assert forbidden_imports(path, source), f"{line!r} in {path.name} was not caught"


def test_a_type_only_import_is_not_an_arrow() -> None:
    path = SRC / "service" / "access.py"
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..web.app import PortalApp\n"
    )
    assert forbidden_imports(path, source) == []


def test_no_module_is_over_500_lines() -> None:
    sizes = {str(p.relative_to(SRC)): len(p.read_text().splitlines()) for p in _library_modules()}
    assert {name: n for name, n in sizes.items() if n > 500} == {}
