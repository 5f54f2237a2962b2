"""The action link needs nothing of a host: mounted at /portal under plain WSGI, ASGI, Flask,
FastAPI and Django, the approval e-mail's ``/portal/act/<token>`` shows its page (GET and HEAD
deciding nothing), and the page's POST, with the double-submit cookie the framework passes
through, decides."""

from __future__ import annotations

import email
import email.policy
import re
from urllib.parse import urlsplit

import pytest
from frameworks import HOSTS, MOUNT, csrf_token, make_service

from clientportal import ApprovalStatus, PortalService
from clientportal.workflow import Actor, Party

_ACTION = re.compile(r"https?://\S+/act/[A-Za-z0-9_.-]+")


def asked(service: PortalService) -> str:
    """Submit e4 and e5 to Ann; the path of the action link her e-mail carries."""
    assert service.approvals.submit(["e4", "e5"], by=Actor(Party.MANAGER, "eva")).all_applied
    store = service.actions._store  # the service's own store: the outbox the worker reads
    [message] = [
        email.message_from_bytes(m.message, policy=email.policy.default) for m in store.pending()
    ]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    [url] = _ACTION.findall(body.get_content())
    return urlsplit(url).path


def states(service: PortalService) -> set[ApprovalStatus]:
    return {trail[-1].after.status for i in ("e4", "e5") if (trail := service.approvals.history(i))}


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_the_action_link_works_under_every_framework(name: str) -> None:
    build, client_of, _ = HOSTS[name]
    service = make_service()
    client = client_of(build(service))
    path = asked(service)
    assert path.startswith(MOUNT + "/act/")
    page = client.request("GET", path)
    assert page.status == 200
    assert page.header("Cache-Control") == "no-store"
    assert page.header("Referrer-Policy") == "no-referrer"
    [cookie] = page.header_all("Set-Cookie")
    assert f"Path={MOUNT}/act/" in cookie
    assert client.request("HEAD", path).status == 200
    assert states(service) == {ApprovalStatus.PENDING_EXTERNAL}
    done = client.request(
        "POST", path, form=[("csrf_token", csrf_token(page.text)), ("action", "approve")]
    )
    assert done.status == 200, done.text
    assert "2 time entries approved." in done.text
    assert states(service) == {ApprovalStatus.APPROVED}
