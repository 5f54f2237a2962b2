"""The ``clientportal`` command: a demo, a server, and the administration of portals and links.

Every command works on one database (``--db``, or ``CLIENTPORTAL_DB``; SQLite by default). Link
tokens are signed with the secret keys given by ``--secret-key`` or ``CLIENTPORTAL_SECRET_KEYS``
(comma-separated, oldest first); for a SQLite database without them, a key file beside the
database (``<file>.keys``, created by ``demo``) is used. Needs ``pip install 'clientportal[cli]'``.
"""

from __future__ import annotations

try:
    from .app import main, run
except ModuleNotFoundError as error:  # pragma: no cover - depends on the installation
    if error.name != "click":
        raise
    raise ImportError(
        "the clientportal command needs click: pip install 'clientportal[cli]'"
    ) from error

__all__ = ["main", "run"]
