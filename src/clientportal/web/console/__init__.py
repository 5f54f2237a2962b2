"""The staff console: where the agency's staff create and change client portals (the source
product's General, Settings, Projects, Access and Approval), preview a portal as the client sees
it, manage each contact's link, submit hours to the client and follow each portal's approvals.

Mount :func:`make_console_app` (WSGI) or :func:`make_console_asgi_app` (ASGI) behind the host's
own login; the host's ``authorize(request)`` says who the staff member is.
"""

from __future__ import annotations

from .adapters import make_console_app as make_console_app
from .adapters import make_console_asgi_app as make_console_asgi_app
from .app import Authorize as Authorize
from .app import ConsoleApp as ConsoleApp
from .context import StaffMember as StaffMember
from .directory import DatasetDirectory as DatasetDirectory
from .directory import Directory as Directory

__all__ = [
    "Authorize",
    "ConsoleApp",
    "DatasetDirectory",
    "Directory",
    "StaffMember",
    "make_console_app",
    "make_console_asgi_app",
]
