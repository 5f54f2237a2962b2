"""The same portal, mounted at /portal under plain WSGI, ASGI, Flask, FastAPI and Django, behaves
the same: clean URLs under the mount, the security headers, CSRF-checked POSTs, streamed CSV."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import frozen
from frameworks import (
    HOSTS,
    MOUNT,
    Answer,
    PortalClient,
    asgi_chunks,
    cookie_pair,
    csrf_token,
    link_path,
    make_service,
    wsgi_chunks,
)

from clientportal import ApprovalStatus, PortalService

SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


@frozen
class Host:
    name: str
    service: PortalService
    app: Any
    client: PortalClient
    protocol: str


def mount(name: str, entries: int = 12) -> Host:
    build, client, protocol = HOSTS[name]
    service = make_service(entries)
    app = build(service)
    return Host(name, service, app, client(app), protocol)


@pytest.fixture(params=sorted(HOSTS))
def host(request: pytest.FixtureRequest) -> Host:
    return mount(request.param)


def sign_in(host: Host) -> str:
    """Open a fresh link; returns the overview's URL."""
    opened = host.client.request("GET", link_path(host.service))
    assert opened.status == 303, opened.text
    location = opened.header("Location")
    assert location is not None
    return location


def assert_secure(answer: Answer) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.header_all(name) == [value], (name, answer.headers)
    assert (answer.header("X-Robots-Tag") or "").startswith("noindex")
    csp = answer.header("Content-Security-Policy")
    assert csp is not None
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp


def states(service: PortalService, *ids: str) -> dict[str, Any]:
    """The stored approval state of each entry that has one: the end of its audit trail."""
    return {i: trail[-1].after for i in ids if (trail := service.approvals.history(i))}


def test_opening_a_link_redirects_to_a_clean_url_under_the_mount(host: Host) -> None:
    token_path = link_path(host.service)
    assert token_path.startswith(MOUNT + "/")
    opened = host.client.request("GET", token_path)
    assert opened.status == 303
    location = opened.header("Location") or ""
    assert location.startswith(MOUNT + "/")
    assert token_path.rsplit("/", 1)[1] not in location  # no token left in the URL or history
    (cookie,) = opened.header_all("Set-Cookie")
    attributes = [a.strip().lower() for a in cookie.split(";")[1:]]
    assert f"path={MOUNT}" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # plain http here

    overview = host.client.request("GET", location)
    assert overview.status == 200
    assert "text/html" in (overview.header("Content-Type") or "")
    assert "New website" in overview.text
    assert f'href="{MOUNT}/' in overview.text  # the menu points under the mount
    assert "Globex" not in overview.text

    hours = host.client.request("GET", location + "/hours")
    assert hours.status == 200
    assert "Wireframes #5" in hours.text
    assert "Globex secret work" not in hours.text


def test_the_host_keeps_its_own_pages(host: Host) -> None:
    home = host.client.request("GET", "/")
    assert home.status == 200
    assert "host" in home.text
    assert home.header("Content-Security-Policy") is None  # the portal's headers stay its own


def test_security_headers_on_pages_errors_and_redirects(host: Host) -> None:
    opened = host.client.request("GET", link_path(host.service))
    assert_secure(opened)
    overview = host.client.request("GET", opened.header("Location") or "")
    assert_secure(overview)
    unknown = host.client.request("GET", MOUNT + "/open/not-a-real-token")
    assert unknown.status == 404
    assert_secure(unknown)
    revoked_link = link_path(host.service)
    host.service.links.revoke_all("acme")
    revoked = host.client.request("GET", revoked_link)
    assert revoked.status == 404
    assert revoked.body == unknown.body  # revoked and unknown links look the same
    missing = host.client.request("GET", MOUNT + "/no/such/page")
    assert missing.status == 404
    assert_secure(missing)


def test_post_without_the_csrf_token_changes_nothing(host: Host) -> None:
    approvals = sign_in(host) + "/approvals"
    page = host.client.request("GET", approvals)
    assert page.status == 200
    refused = host.client.request(
        "POST", approvals, form=[("action", "approve"), ("entry", "1:e1")]
    )
    assert refused.status == 403
    assert_secure(refused)
    wrong = host.client.request(
        "POST",
        approvals,
        form=[("csrf_token", "forged"), ("action", "approve"), ("entry", "1:e1")],
    )
    assert wrong.status == 403
    assert states(host.service, "e1") == {}  # still the source's PENDING_EXTERNAL


def test_post_with_the_csrf_token_approves_and_rejects(host: Host) -> None:
    approvals = sign_in(host) + "/approvals"
    page = host.client.request("GET", approvals)
    token = csrf_token(page.text)
    approved = host.client.request(
        "POST",
        approvals,
        form=[("csrf_token", token), ("action", "approve"), ("entry", "1:e1"), ("entry", "1:e2")],
    )
    assert approved.status == 303, approved.text
    assert (approved.header("Location") or "").startswith(approvals)
    assert_secure(approved)
    rejected = host.client.request(
        "POST",
        approvals,
        form=[("csrf_token", token), ("one", "reject:1:e3"), ("reason", "Not on our project")],
    )
    assert rejected.status == 303, rejected.text
    found = states(host.service, "e1", "e2", "e3")
    assert found["e1"].status is ApprovalStatus.APPROVED
    assert found["e2"].status is ApprovalStatus.APPROVED
    assert found["e3"].status is ApprovalStatus.REJECTED
    assert found["e3"].reason == "Not on our project"
    after = host.client.request("GET", approved.header("Location") or "")
    assert after.status == 200


def test_an_oversized_body_answers_413_not_500(host: Host) -> None:
    approvals = sign_in(host) + "/approvals"
    big = host.client.request("POST", approvals, form=[("reason", "x" * 200_000)])
    assert big.status == 413
    assert_secure(big)


def test_the_csv_export_is_streamed_in_chunks() -> None:
    for name in sorted(HOSTS):
        host = mount(name, entries=600)
        overview = sign_in(host)
        cookie = cookie_pair(
            host.client.request("GET", link_path(host.service)).header("Set-Cookie") or ""
        )
        path = overview + "/hours.csv"
        call = wsgi_chunks if host.protocol == "wsgi" else asgi_chunks
        status, headers, chunks = call(host.app, path, cookie)
        named = {k.lower(): v for k, v in headers}
        assert status == 200, name
        assert named["content-type"].startswith("text/csv"), name
        assert "attachment" in named["content-disposition"], name
        assert "content-length" not in named, name  # streamed, not buffered
        assert named["referrer-policy"] == "no-referrer", name
        assert len(chunks) > 1, name
        lines = b"".join(chunks).decode("utf-8-sig").splitlines()
        assert len(lines) == 1 + 600, name  # a header, then every entry
        assert any("Wireframes #600" in line for line in lines), name
        assert not any("Globex" in line for line in lines), name
