"""The portal on the web: a framework-agnostic handler, the HTML portal, the JSON API, and the
WSGI and ASGI adapters. Importing this package imports Jinja2 (``import clientportal`` does not).
"""

from __future__ import annotations

from .app import PortalApp as PortalApp
from .asgi import make_asgi_app as make_asgi_app
from .http import Headers as Headers
from .http import Request as Request
from .http import Response as Response
from .theme import Theme as Theme
from .wsgi import make_wsgi_app as make_wsgi_app

__all__ = ["Headers", "PortalApp", "Request", "Response", "Theme", "make_asgi_app", "make_wsgi_app"]
