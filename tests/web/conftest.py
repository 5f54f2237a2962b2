"""Fixtures of the web tests (the helpers live in ``webtools``)."""

from __future__ import annotations

import pytest
from webtools import World, WsgiClient, make_world

from clientportal.web import make_wsgi_app


@pytest.fixture
def world() -> World:
    """A fresh company with three Acme portals."""
    return make_world()


@pytest.fixture
def client(world: World) -> WsgiClient:
    """A browser on the plain WSGI app of ``world``."""
    return WsgiClient(make_wsgi_app(world.service))
