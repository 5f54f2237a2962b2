"""Schema migrations for the library's tables (Alembic, run from Python).

The migration scripts ship inside the package (``clientportal/sql/migrations``) and keep their
own version table, ``cp_alembic_version``, so they never meet a host's own Alembic history in the
same database.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine

from .engine import DEFAULT_URL, create_engine, prepare_engine, translated_errors

__all__ = ["VERSION_TABLE", "current_revision", "head_revision", "upgrade"]

#: Where Alembic records which migrations ran (kept apart from a host's ``alembic_version``).
VERSION_TABLE = "cp_alembic_version"

_SCRIPTS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def _engine(url_or_engine: str | URL | Engine) -> Engine:
    if isinstance(url_or_engine, Engine):
        return prepare_engine(url_or_engine)
    return create_engine(url_or_engine)


def upgrade(url_or_engine: str | URL | Engine = DEFAULT_URL, revision: str = "head") -> str:
    """Create or migrate the library's tables in the database at ``url_or_engine`` up to
    ``revision`` (the newest by default), and return the revision it is at now.

    Safe to run again: migrations already applied are skipped. Raises
    :class:`~clientportal.sql.DatabaseUnavailable` when the database cannot be reached.
    """
    engine = _engine(url_or_engine)
    config = _config()
    with translated_errors(engine), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return current_revision(engine) or "base"


def current_revision(url_or_engine: str | URL | Engine = DEFAULT_URL) -> str | None:
    """The revision the database's library tables are at, or ``None`` before the first upgrade."""
    engine = _engine(url_or_engine)
    with translated_errors(engine), engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision() -> str:
    """The newest revision the installed clientportal ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head
