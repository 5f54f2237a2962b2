"""SQL storage for clientportal: SQLite by default, PostgreSQL for several app servers.

Import it explicitly (``import clientportal.sql``): ``import clientportal`` never loads
SQLAlchemy. Needs the ``sql`` extra (``pip install 'clientportal[sql]'``), and ``postgres`` for
PostgreSQL::

    from clientportal.sql import SqlStore, SqlDataSource, create_engine, upgrade

    engine = create_engine("sqlite:///clientportal.sqlite3")
    upgrade(engine)                  # create or migrate the library's tables
    store = SqlStore(engine)         # portals, links, approvals, audit trail, outbox, limits
    settings = SqlSettingsStore(engine)  # named settings groups as JSON (the company's)
    source = SqlDataSource(engine)   # the reference time-tracking schema, if you adopt it
"""

from __future__ import annotations

try:
    import alembic  # noqa: F401
    import sqlalchemy  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError(
        f"clientportal.sql needs SQLAlchemy and Alembic ({error.name} is missing): "
        "pip install 'clientportal[sql]' (and 'clientportal[postgres]' for PostgreSQL)"
    ) from error

from . import sums as sums
from . import tables as tables
from .engine import DEFAULT_URL as DEFAULT_URL
from .engine import DatabaseUnavailable as DatabaseUnavailable
from .engine import SchemaMissing as SchemaMissing
from .engine import StorageError as StorageError
from .engine import configure_engine as configure_engine
from .engine import create_engine as create_engine
from .engine import prepare_engine as prepare_engine
from .engine import safe_url as safe_url
from .load import load_dataset as load_dataset
from .load import load_entries as load_entries
from .migrate import current_revision as current_revision
from .migrate import head_revision as head_revision
from .migrate import upgrade as upgrade
from .ratelimit import SqlRateLimiter as SqlRateLimiter
from .settings import SqlSettingsStore as SqlSettingsStore
from .shared import one_connection as one_connection
from .source import SqlDataSource as SqlDataSource
from .store import SqlStore as SqlStore
from .tables import metadata as metadata
from .tables import reference_metadata as reference_metadata

__all__ = [
    "DEFAULT_URL",
    "DatabaseUnavailable",
    "SchemaMissing",
    "SqlDataSource",
    "SqlRateLimiter",
    "SqlSettingsStore",
    "SqlStore",
    "StorageError",
    "configure_engine",
    "create_engine",
    "current_revision",
    "head_revision",
    "load_dataset",
    "load_entries",
    "metadata",
    "one_connection",
    "prepare_engine",
    "reference_metadata",
    "safe_url",
    "sums",
    "tables",
    "upgrade",
]
