"""Alembic environment for clientportal's own tables; run through clientportal.sql.upgrade()."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from clientportal.sql.migrate import VERSION_TABLE
from clientportal.sql.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "clientportal's migrations run from Python: call clientportal.sql.upgrade(url) "
        "(or `clientportal db upgrade`), not the alembic command"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
