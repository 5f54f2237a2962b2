"""Keep a host's Alembic autogenerate away from the library's tables.

The library's tables (``cp_*``, their indexes and constraints, and ``cp_alembic_version``) are
created and migrated by the library (:func:`clientportal.sql.upgrade`). A host whose own Alembic
environment shares the database would otherwise see them as tables its models lack, and
autogenerate would propose dropping them. In the host's ``env.py``::

    from clientportal.sql.alembic_host import include_name, include_object

    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=include_name,
        include_object=include_object,
    )

``include_name`` keeps the library's tables from being reflected at all (Alembic 1.5 and
newer); ``include_object`` skips them, and anything on them, when they are compared. A host
with filters of its own combines them: ``include_object=lambda *a: include_object(*a) and
mine(*a)``. The prefix ``cp_`` is the library's: a host's own table must not start with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LIBRARY_PREFIX", "include_name", "include_object", "is_library_table"]

#: Every table the library creates starts with it (its Alembic version table too).
LIBRARY_PREFIX = "cp_"


def is_library_table(name: str | None) -> bool:
    """Whether the table ``name`` is one of the library's (``cp_*``)."""
    return name is not None and name.lower().startswith(LIBRARY_PREFIX)


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Alembic's ``include_name`` hook: ``False`` for the library's tables and for the indexes,
    columns and constraints of them, ``True`` for everything else."""
    if type_ == "table":
        return not is_library_table(name)
    return not is_library_table(parent_names.get("table_name"))


def include_object(
    object: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's ``include_object`` hook: ``False`` for the library's tables and for anything
    that belongs to one of them (a column, an index, a constraint), ``True`` for everything
    else."""
    if type_ == "table":
        return not is_library_table(name)
    table = getattr(object, "table", None)
    return not is_library_table(getattr(table, "name", None))
