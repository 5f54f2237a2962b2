"""clientportal.contrib.flask: the portal as a Flask Blueprint."""

from __future__ import annotations

from frameworks import MOUNT, WsgiClient, link_path, make_service, require

flask = require("flask", "flask")

import pytest  # noqa: E402
from werkzeug.middleware.dispatcher import DispatcherMiddleware  # noqa: E402

from clientportal.contrib.flask import portal_blueprint  # noqa: E402
from clientportal.web import PortalApp  # noqa: E402


def test_url_prefix_given_to_the_factory_is_the_mount() -> None:
    service = make_service()
    app = flask.Flask("host")
    app.register_blueprint(portal_blueprint(service, url_prefix="/clients"))
    client = WsgiClient(app)
    token = link_path(service).rsplit("/", 1)[1]
    opened = client.request("GET", f"/clients/open/{token}")
    assert opened.status == 303
    location = opened.header("Location") or ""
    assert location.startswith("/clients/")
    assert "Path=/clients" in (opened.header("Set-Cookie") or "")
    assert client.request("GET", location).status == 200
    assert client.request("GET", f"{MOUNT}/open/{token}").status == 404  # nothing at /portal


def test_the_script_name_of_the_host_is_kept_in_links_and_cookies() -> None:
    service = make_service()
    app = flask.Flask("host")
    app.register_blueprint(portal_blueprint(service), url_prefix=MOUNT)
    site = DispatcherMiddleware(lambda e, s: [], {"/site": app})
    client = WsgiClient(site)
    opened = client.request("GET", "/site" + link_path(service))
    assert opened.status == 303
    location = opened.header("Location") or ""
    assert location.startswith(f"/site{MOUNT}/")
    assert f"Path=/site{MOUNT}" in (opened.header("Set-Cookie") or "")
    page = client.request("GET", location)
    assert page.status == 200
    assert f'href="/site{MOUNT}/' in page.text


def test_two_portals_in_one_app_need_two_names() -> None:
    first, second = make_service(), make_service()
    app = flask.Flask("host")
    app.register_blueprint(portal_blueprint(first, name="one"), url_prefix="/one")
    app.register_blueprint(portal_blueprint(second, name="two"), url_prefix="/two")
    client = WsgiClient(app)
    for prefix, service in (("/one", first), ("/two", second)):
        token = link_path(service).rsplit("/", 1)[1]
        opened = client.request("GET", f"{prefix}/open/{token}")
        assert opened.status == 303
        assert client.request("GET", opened.header("Location") or "").status == 200


def test_a_shared_portal_app_is_accepted_without_a_prefix_of_its_own() -> None:
    service = make_service()
    portal = PortalApp(service)
    app = flask.Flask("host")
    app.register_blueprint(portal_blueprint(portal), url_prefix=MOUNT)
    assert WsgiClient(app).request("GET", link_path(service)).status == 303
    with pytest.raises(TypeError, match="without a prefix"):
        portal_blueprint(PortalApp(service, prefix="/portal"))
    with pytest.raises(TypeError, match="url_prefix"):
        portal_blueprint(service, prefix="/portal")
    with pytest.raises(TypeError, match="options to PortalApp"):
        portal_blueprint(portal, page_size=10)


def test_flask_sees_the_streamed_export_as_a_stream() -> None:
    service = make_service(entries=300)
    app = flask.Flask("host")
    app.register_blueprint(portal_blueprint(service), url_prefix=MOUNT)
    client = app.test_client()
    location = client.get(link_path(service)).headers["Location"]
    response = client.get(location + "/hours.csv", buffered=False)
    try:
        assert response.status_code == 200
        assert response.is_streamed
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert b"Wireframes #300" in b"".join(response.response)  # type: ignore[arg-type]
    finally:
        response.close()
