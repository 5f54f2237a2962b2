"""The portal's blueprint inside a real Flask host: Flask-WTF's CSRFProtect (set up before or
after the blueprint is registered) never turns the client's decision away, while the host's
forms stay protected and the portal still checks its own token; the host's before/after-request
hooks and cookies wrap the portal's responses, as docs/integration.md says."""

from __future__ import annotations

from frameworks import MOUNT, WsgiClient, csrf_token, link_path, make_service, require

flask = require("flask", "flask")
flask_wtf = require("flask_wtf", "test")

import pytest  # noqa: E402

from clientportal import ApprovalStatus, PortalService  # noqa: E402
from clientportal.contrib.flask import (  # noqa: E402
    portal_blueprint,
    to_flask_response,
    to_portal_request,
)
from clientportal.web import PortalApp  # noqa: E402


def host_app(service: PortalService, *, csrf_first: bool) -> flask.Flask:
    """A host with Flask-WTF's CSRFProtect on every POST, and a form of its own."""
    app = flask.Flask("host")
    app.config["SECRET_KEY"] = "host-secret-key-0123456789"
    if csrf_first:
        csrf = flask_wtf.CSRFProtect(app)
    app.register_blueprint(portal_blueprint(service), url_prefix=MOUNT)
    if not csrf_first:
        csrf = flask_wtf.CSRFProtect(app)
    assert csrf is app.extensions["csrf"]

    @app.post("/timesheet")
    def timesheet() -> str:
        return "saved"

    return app


def approve_e1(client: WsgiClient, service: PortalService) -> tuple[int, int]:
    """Open a link, then POST the approval of e1 without and with the portal's token: the two
    statuses."""
    opened = client.request("GET", link_path(service))
    approvals = (opened.header("Location") or "") + "/approvals"
    page = client.request("GET", approvals)
    assert page.status == 200
    without = client.request("POST", approvals, form=[("action", "approve"), ("entry", "1:e1")])
    with_token = client.request(
        "POST",
        approvals,
        form=[("csrf_token", csrf_token(page.text)), ("action", "approve"), ("entry", "1:e1")],
    )
    return without.status, with_token.status


@pytest.mark.parametrize("csrf_first", [True, False], ids=["csrf-first", "csrf-after"])
def test_the_clients_decision_goes_through_a_hosts_csrfprotect(csrf_first: bool) -> None:
    service = make_service()
    client = WsgiClient(host_app(service, csrf_first=csrf_first))
    without, with_token = approve_e1(client, service)
    assert without == 403  # the portal's own CSRF check still refuses a POST without its token
    assert with_token == 303
    trail = service.approvals.history("e1")
    assert trail[-1].after.status is ApprovalStatus.APPROVED  # stored, not lost
    assert client.request("POST", "/timesheet").status == 400  # the host's forms stay protected


def test_without_the_exemption_flask_wtf_would_turn_the_decision_away() -> None:
    """The host's check is real: the same portal behind a hand-made blueprint that is not
    exempt loses the client's POST (the failure the exemption prevents)."""
    service = make_service()
    portal = PortalApp(service)
    bare = flask.Blueprint("bare", __name__, url_prefix=MOUNT)

    def view(subpath: str = "") -> flask.Response:
        request = to_portal_request(flask.request, subpath, max_body=portal.max_body)
        return to_flask_response(portal.handle(request))

    bare.add_url_rule("/<path:subpath>", "view", view, methods=["GET", "POST"])
    app = flask.Flask("host")
    app.config["SECRET_KEY"] = "host-secret-key-0123456789"
    flask_wtf.CSRFProtect(app)
    app.register_blueprint(bare)
    _, with_token = approve_e1(WsgiClient(app), service)
    assert with_token == 400
    assert service.approvals.history("e1") == ()


# The documented hooks: a login check that leaves the portal alone, a header on every response,
# and the host's session cookie.


def documented_host(service: PortalService) -> flask.Flask:
    app = flask.Flask("host")
    app.config["SECRET_KEY"] = "host-secret-key-0123456789"
    app.register_blueprint(portal_blueprint(service), url_prefix="/portal")

    @app.before_request
    def require_login() -> flask.Response | None:
        if flask.request.blueprint == "clientportal":
            return None  # the portal's visitors are the client's contacts, signed in by link
        if "user" not in flask.session:
            return flask.redirect("/login")
        return None

    @app.after_request
    def server_header(response: flask.Response) -> flask.Response:
        response.headers["X-Served-By"] = "host"  # on the portal's responses too
        return response

    return app


def test_host_hooks_wrap_the_portals_responses() -> None:
    service = make_service()
    client = WsgiClient(documented_host(service))
    assert client.request("GET", "/reports").header("Location") == "/login"
    opened = client.request("GET", link_path(service))
    assert opened.status == 303  # not sent to the host's login
    page = client.request("GET", opened.header("Location") or "")
    assert page.status == 200
    assert page.header("X-Served-By") == "host"
    assert page.header("X-Frame-Options") == "DENY"  # the portal's own headers stay


def test_a_hook_that_touches_the_hosts_session_sends_its_cookie_with_the_portals() -> None:
    service = make_service()
    app = documented_host(service)

    @app.before_request
    def count_visits() -> None:
        flask.session["visits"] = flask.session.get("visits", 0) + 1

    client = WsgiClient(app)
    opened = client.request("GET", link_path(service))
    cookies = [c.split("=", 1)[0] for c in opened.header_all("Set-Cookie")]
    assert "session" in cookies  # the host's, with its own name and path
    assert any(name.startswith("cp_") for name in cookies)  # the portal's, under /portal
    assert client.request("GET", opened.header("Location") or "").status == 200
