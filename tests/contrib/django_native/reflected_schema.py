"""The library's tables as a database has them, in a form two databases can be compared by."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: Where the revision of the library's tables is recorded (by Alembic, and by the app's
#: Django migrations alike): compared as a table, and by the revision it holds.
VERSION_TABLE = "cp_alembic_version"


def _default(value: object) -> str | None:
    return None if value is None else str(value).strip("()'").lower()


def reflected(engine: Engine) -> dict[str, Any]:
    """Every ``cp_*`` table (``cp_alembic_version`` among them): its columns in order (type,
    nullable, server default), primary key, foreign keys, unique and check constraints and
    indexes, each with its name; the revision recorded; on PostgreSQL the sequences' types
    too."""
    inspector = sa.inspect(engine)
    schema: dict[str, Any] = {}
    names = [n for n in inspector.get_table_names() if n.startswith("cp_")]
    for name in sorted(names):
        schema[name] = {
            "columns": [
                (
                    c["name"],
                    c["type"].compile(engine.dialect),
                    c["nullable"],
                    _default(c.get("default")),
                )
                for c in inspector.get_columns(name)
            ],
            "primary key": inspector.get_pk_constraint(name),
            "foreign keys": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    tuple(sorted(fk.get("options", {}).items())),
                )
                for fk in inspector.get_foreign_keys(name)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(name)
            ),
            "checks": sorted(
                (c["name"], " ".join(str(c["sqltext"]).split()))
                for c in inspector.get_check_constraints(name)
            ),
            "indexes": sorted(
                (i["name"], tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(name)
            ),
        }
    if VERSION_TABLE in names:
        with engine.connect() as conn:
            schema["revision"] = sorted(
                conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
            )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema["sequences"] = sorted(
                conn.execute(
                    sa.text(
                        "SELECT sequencename, data_type::text FROM pg_sequences "
                        "WHERE schemaname = current_schema() AND sequencename LIKE 'cp\\_%'"
                    )
                ).all()
            )
    return schema


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """What differs between two reflected schemas, one line per table part."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            lines.append(f"{table}: missing")
        elif table not in expected:
            lines.append(f"{table}: not in the Alembic head")
        elif isinstance(expected[table], dict):
            for part in expected[table]:
                if expected[table][part] != actual[table][part]:
                    lines.append(
                        f"{table} {part}: {expected[table][part]} != {actual[table][part]}"
                    )
        elif expected[table] != actual[table]:
            lines.append(f"{table}: {expected[table]} != {actual[table]}")
    return lines
