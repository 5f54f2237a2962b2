"""Thin adapters that mount the portal in a host's web framework.

One module per framework: :mod:`clientportal.contrib.flask` (a Blueprint),
:mod:`clientportal.contrib.fastapi` (a mountable ASGI app for FastAPI and Starlette) and
:mod:`clientportal.contrib.django` (URL patterns and a view). Each imports its framework, and
raises an ``ImportError`` naming the pip extra to install when the framework is missing. Nothing
else in the library imports them.
"""

from __future__ import annotations
