"""Fixtures of the web tests: their world is ``worlds.WebWorld``, their helpers live in
``webtools``."""

from __future__ import annotations

import pytest
from webtools import WsgiClient

from clientportal.web import make_wsgi_app
from worlds import WebWorld, web_world


@pytest.fixture
def world() -> WebWorld:
    """A fresh company with three Acme portals."""
    return web_world()


@pytest.fixture
def client(world: WebWorld) -> WsgiClient:
    """A browser on the plain WSGI app of ``world``."""
    return WsgiClient(make_wsgi_app(world.service))
