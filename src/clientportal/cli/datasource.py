"""``--datasource MODULE:FACTORY``: the commands over a host's own DataSource.

The factory is a callable the host writes; the CLI imports ``MODULE`` (the current directory is
searched first, as ``flask --app`` does), calls ``FACTORY(store)`` with the library's
:class:`~clientportal.sql.SqlStore` on ``--db`` (its ``.engine`` is that database; a source that
reads approval states from the store, as :class:`~clientportal.memory.MemoryDataSource` does,
takes the store itself), and checks that what comes back is a
:class:`~clientportal.ports.DataSource`.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..ports import DataSource
    from ..sql import SqlStore

__all__ = ["DATASOURCE_VARIABLE", "check_spec", "import_here", "load_datasource"]

#: The environment variable that gives ``--datasource``.
DATASOURCE_VARIABLE = "CLIENTPORTAL_DATASOURCE"

_HINT = "--datasource"


def check_spec(value: str | None) -> str | None:
    """``--datasource`` checked for its shape (``module.path:factory``), not yet imported."""
    if value is None or not value.strip():
        return None
    module, colon, name = value.strip().partition(":")
    if not colon or not module or not name.isidentifier():
        raise click.BadParameter(
            f"{value!r} is not MODULE:FACTORY: give the module and the function that returns "
            "your DataSource, e.g. myapp.portal:datasource",
            param_hint=_HINT,
        )
    return value.strip()


def import_here(module_name: str, param_hint: str = _HINT) -> ModuleType:
    """The module ``module_name``, imported with the current directory searched first (as
    ``flask --app`` does: the console script's own directory is on ``sys.path``, the working
    directory is not). A module that is not found, or fails while importing, is a
    :class:`click.BadParameter` naming it and what to do."""
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        missing = getattr(error, "name", None)
        if missing is not None and module_name.startswith(missing):
            raise click.BadParameter(
                f"cannot import {module_name!r} ({error}): run the command where the module "
                "can be imported (the current directory is searched) or set PYTHONPATH",
                param_hint=param_hint,
            ) from None
        raise click.BadParameter(
            f"importing {module_name!r} failed: {error}", param_hint=param_hint
        ) from None
    except Exception as error:  # the host's module raised while importing: say so, no traceback
        raise click.BadParameter(
            f"importing {module_name!r} failed: {type(error).__name__}: {error}",
            param_hint=param_hint,
        ) from None


def _factory(spec: str) -> Any:
    """The callable ``spec`` names, imported."""
    module_name, _, name = spec.partition(":")
    module = import_here(module_name)
    factory = getattr(module, name, None)
    if factory is None:
        raise click.BadParameter(
            f"module {module_name!r} has no {name!r}: name the function that returns your "
            "DataSource",
            param_hint=_HINT,
        )
    if not callable(factory):
        raise click.BadParameter(
            f"{spec!r} is a {type(factory).__name__}, not a function: name a function that "
            "takes the store and returns your DataSource",
            param_hint=_HINT,
        )
    return factory


def _takes_one_argument(factory: Any) -> bool:
    try:
        inspect.signature(factory).bind(object())
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): let the call decide
        return True
    return True


def load_datasource(spec: str, store: SqlStore) -> DataSource:
    """The host's DataSource: ``FACTORY(store)`` of the module ``spec`` names, checked."""
    from ..ports import DataSource

    factory = _factory(spec)
    if not _takes_one_argument(factory):
        raise click.BadParameter(
            f"{spec!r} must take one argument, the store (a clientportal.sql.SqlStore; its "
            "engine is the --db database): def datasource(store): return MyDataSource(...)",
            param_hint=_HINT,
        )
    source = factory(store)
    if not isinstance(source, DataSource):
        missing = sorted(
            name
            for name in dir(DataSource)
            if not name.startswith("_") and not callable(getattr(source, name, None))
        )
        raise click.BadParameter(
            f"{spec!r} returned a {type(source).__name__}, not a DataSource"
            + (f" (it lacks {', '.join(missing)})" if missing else "")
            + ": return an object with the DataSource methods (see docs/datasource.md)",
            param_hint=_HINT,
        )
    return source
