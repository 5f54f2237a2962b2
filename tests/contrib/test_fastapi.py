"""clientportal.contrib.fastapi: the portal mounted in FastAPI and Starlette."""

from __future__ import annotations

from frameworks import MOUNT, AsgiClient, link_path, make_service, require

fastapi = require("fastapi", "fastapi")

import pytest  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Mount  # noqa: E402

from clientportal.contrib.fastapi import mount_portal, portal_app  # noqa: E402
from clientportal.web import PortalApp  # noqa: E402


def test_mounted_at_any_path_the_portal_links_under_it() -> None:
    service = make_service()
    app = fastapi.FastAPI()
    mount_portal(app, service, path="/clients/")
    client = AsgiClient(app)
    token = link_path(service).rsplit("/", 1)[1]
    opened = client.request("GET", f"/clients/open/{token}")
    assert opened.status == 303
    location = opened.header("Location") or ""
    assert location.startswith("/clients/")
    assert "Path=/clients" in (opened.header("Set-Cookie") or "")
    page = client.request("GET", location)
    assert page.status == 200
    assert 'href="/clients/' in page.text
    assert app.url_path_for("clientportal", path="/x") == "/clients/x"


def test_a_starlette_app_mounts_the_portal_app_as_a_route() -> None:
    service = make_service()
    app = Starlette(routes=[Mount(MOUNT, app=portal_app(service))])
    client = AsgiClient(app)
    opened = client.request("GET", link_path(service))
    assert opened.status == 303
    page = client.request("GET", opened.header("Location") or "")
    assert page.status == 200
    assert "New website" in page.text
    assert page.header("X-Frame-Options") == "DENY"


def test_a_server_root_path_is_kept_in_links_and_cookies() -> None:
    service = make_service()
    app = fastapi.FastAPI()
    mount_portal(app, service, path=MOUNT)
    client = AsgiClient(app, root_path="/site")  # as `uvicorn --root-path /site` behind a proxy
    opened = client.request("GET", "/site" + link_path(service))
    assert opened.status == 303
    location = opened.header("Location") or ""
    assert location.startswith(f"/site{MOUNT}/")
    assert f"Path=/site{MOUNT}" in (opened.header("Set-Cookie") or "")
    page = client.request("GET", location)
    assert page.status == 200
    assert f'href="/site{MOUNT}/' in page.text


def test_bad_mounts_are_refused_with_a_reason() -> None:
    service = make_service()
    app = fastapi.FastAPI()
    with pytest.raises(ValueError, match="starts with '/'"):
        mount_portal(app, service, path="portal")
    with pytest.raises(TypeError, match="mount it at that path"):
        portal_app(service, prefix="/portal")
    with pytest.raises(TypeError, match="without a prefix"):
        portal_app(PortalApp(service, prefix="/portal"))
