"""The sign-off page through the WSGI app: the weeks and months awaiting the client with their
counts and totals, "Approve the whole week" (Post/Redirect/Get, CSRF, once), the contact's own
certificates to download as PDF (no one else's), a shared link that may look but not sign, bad
forms answered 400, the portal's language; and the console's list and download."""

from __future__ import annotations

import re

import pytest
from webtools import WsgiClient, csrf_of, open_portal

from clientportal.model import ApprovalStatus
from clientportal.web import Headers, Request, make_wsgi_app
from clientportal.web.console import ConsoleApp, DatasetDirectory, StaffMember
from clientportal.web.problems import BadRequest
from clientportal.web.signoff_views import period_of
from clientportal.workflow import Actor, Party
from worlds import WebWorld, web_dataset

PAGE = "/portal/acme-en/sign-off"
WEEK_START = "2026-03-09"


def seen_on(text: str, unit: str, start: str) -> str:
    """The hash the page's form for the ``unit`` from ``start`` sends back ("" when none)."""
    found = re.search(
        rf'name="unit" value="{unit}">\s*<input type="hidden" name="start" value="{start}">'
        r'\s*<input type="hidden" name="seen" value="([0-9a-f]{64})">',
        text,
    )
    return found.group(1) if found else ""


def sign_off(client: WsgiClient, unit: str = "week", start: str = WEEK_START, **extra: str):
    page = client.get(PAGE)
    assert page.status == 200
    form = {
        "csrf_token": csrf_of(page),
        "unit": unit,
        "start": start,
        "seen": seen_on(page.text, unit, start),
        **extra,
    }
    return client.post(PAGE, data=form)


def test_a_week_that_changed_after_the_page_was_shown_is_not_signed(
    client: WsgiClient, world: WebWorld
) -> None:
    open_portal(client, world)
    page = client.get(PAGE)
    seen = seen_on(page.text, "week", WEEK_START)
    assert seen
    # Meanwhile the staff submit one more entry of that week (a1, 14 March).
    assert world.service.approvals.submit(["a1"], by=Actor(Party.EMPLOYEE, "tom")).all_applied
    form = {"csrf_token": csrf_of(page), "unit": "week", "start": WEEK_START, "seen": seen}
    done = client.post(PAGE, data=form)
    assert done.status == 303
    back = client.get(PAGE)
    assert "That period changed while you were looking at it, so nothing was approved" in back.text
    states = world.store.approval_states(frozenset({"p1", "p2", "p3", "p4", "a1"}))
    assert ApprovalStatus.APPROVED not in {s.status for s in states.values()}
    assert not world.service.signoffs.of("acme-en", "bob")
    # The page now shows the week as it is, and signing that signs all five, as shown.
    assert seen_on(back.text, "week", WEEK_START) not in ("", seen)
    assert sign_off(client).status == 303
    (signoff,) = world.service.signoffs.of("acme-en", "bob")
    assert sorted(ref.id for ref in signoff.items) == ["a1", "p1", "p2", "p3", "p4"]


def test_the_page_lists_the_week_and_month_awaiting_with_counts_and_totals(
    client: WsgiClient, world: WebWorld
) -> None:
    open_portal(client, world)
    page = client.get(PAGE)
    assert page.status == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert "Weeks awaiting your approval" in text
    assert "Mar 9 – 15, 2026" in text
    assert "Months awaiting your approval" in text
    assert "Mar 1 – 31, 2026" in text
    assert re.search(r'data-label="Items">4<', page.text)
    assert "Hours: 6:30" in text
    assert "Approve the whole week" in text
    assert "Approve the whole month" in text
    assert "You have not signed anything off yet." in text
    assert 'href="/portal/acme-en/approvals?from=2026-03-09&amp;to=2026-03-15"' in page.text
    # the menu leads here, marked as the current page
    assert re.search(
        r'<a href="/portal/acme-en/sign-off" aria-current="page">Sign-off</a>', page.text
    )


def test_approving_the_week_approves_its_items_once_and_lists_the_certificate(
    client: WsgiClient, world: WebWorld
) -> None:
    open_portal(client, world)
    done = sign_off(client)
    assert done.status == 303
    assert done.location == PAGE
    back = client.get(PAGE)
    assert "Approved. Your certificate is listed below." in back.text
    assert "Nothing awaits your approval." in back.text
    states = world.store.approval_states(frozenset({"p1", "p2", "p3", "p4"}))
    assert {s.status for s in states.values()} == {ApprovalStatus.APPROVED}
    (signoff,) = world.service.signoffs.of("acme-en", "bob")
    assert signoff.id in back.text or signoff.sha256[:12] in back.text
    # the message is shown once
    assert "Approved. Your certificate" not in client.get(PAGE).text
    # again: nothing left, nothing signed
    again = sign_off(client)
    assert again.status == 303
    assert "Nothing in that period awaits your approval any more." in client.get(PAGE).text
    assert len(world.service.signoffs.of("acme-en", "bob")) == 1


def test_the_contact_downloads_their_certificate_as_pdf(
    client: WsgiClient, world: WebWorld
) -> None:
    open_portal(client, world)
    sign_off(client)
    (signoff,) = world.service.signoffs.of("acme-en", "bob")
    page = client.get(PAGE)
    url = f"/portal/acme-en/sign-offs/{signoff.id}"
    assert f'href="{url}"' in page.text
    pdf = client.get(url)
    assert pdf.status == 200
    assert pdf.body.startswith(b"%PDF-")
    assert pdf.headers.get("Content-Type") == "application/pdf"
    assert pdf.headers.get("Content-Disposition", "").startswith('attachment; filename="sign-off-')
    assert pdf.headers.get("Cache-Control") == "no-store"


def test_nobody_else_downloads_a_certificate(client: WsgiClient, world: WebWorld) -> None:
    open_portal(client, world)
    sign_off(client)
    (signoff,) = world.service.signoffs.of("acme-en", "bob")
    anna = WsgiClient(make_wsgi_app(world.service))
    open_portal(anna, world, "acme-en", "anna")
    assert anna.get(f"/portal/acme-en/sign-offs/{signoff.id}").status == 404
    assert "You have not signed anything off yet." in anna.get(PAGE).text
    stranger = WsgiClient(make_wsgi_app(world.service))
    assert stranger.get(f"/portal/acme-en/sign-offs/{signoff.id}").status == 404
    assert client.get("/portal/acme-en/sign-offs/no-such-certificate").status == 404


def test_a_shared_link_sees_the_periods_but_cannot_sign(
    client: WsgiClient, world: WebWorld
) -> None:
    open_portal(client, world, contact_id=None)
    page = client.get(PAGE)
    assert page.status == 200
    assert "Open the portal from your personal link to sign off a period." in page.text
    assert "Approve the whole week" not in page.text
    refused = sign_off(client)
    assert refused.status == 403
    assert world.service.signoffs.of("acme-en") == ()


@pytest.mark.parametrize(
    ("unit", "start", "problem"),
    [
        ("year", WEEK_START, "unit: must be 'week' or 'month'"),
        ("week", "2026-03-10", "a week begins on a Monday"),
        ("month", "2026-03-09", "a month begins on the first day of a month"),
        ("week", "09-03-2026", "is not a date"),
    ],
)
def test_a_period_that_is_not_a_whole_week_or_month_is_refused(
    client: WsgiClient, world: WebWorld, unit: str, start: str, problem: str
) -> None:
    with pytest.raises(BadRequest, match=re.escape(problem)):
        period_of(unit, start)
    open_portal(client, world)
    refused = sign_off(client, unit, start)
    assert refused.status == 400
    assert "could not be read" in refused.text  # the client's page: plain words, no traceback
    assert world.service.signoffs.of("acme-en") == ()


def test_a_form_without_its_token_signs_nothing(client: WsgiClient, world: WebWorld) -> None:
    open_portal(client, world)
    refused = client.post(PAGE, data={"unit": "week", "start": WEEK_START})
    assert refused.status == 403
    assert "This form has expired" in refused.text
    assert world.service.signoffs.of("acme-en") == ()


def test_the_page_is_in_the_portals_language(client: WsgiClient, world: WebWorld) -> None:
    open_portal(client, world, "acme-nl", "anna")
    page = client.get("/portal/acme-nl/sign-off")
    assert page.status == 200
    assert 'lang="nl"' in page.text
    assert "Hele week goedkeuren" in page.text
    assert ">Akkoord</a>" in page.text


def test_a_portal_whose_client_does_not_approve_has_no_sign_off_page(
    client: WsgiClient, world: WebWorld
) -> None:
    world.service.admin.create_portal(
        id="acme-plain",
        client_id="acme",
        name="Acme plain",
        project_ids=["web"],
        contact_ids=["bob"],
        language="en",
    )
    open_portal(client, world, "acme-plain", "bob")
    assert client.get("/portal/acme-plain/sign-off").status == 404
    assert "/sign-off" not in client.get("/portal/acme-plain").text


# --------------------------------------------------------------------------------------------------
# The console


def console(world: WebWorld) -> ConsoleApp:
    staff = StaffMember(actor=Actor(Party.MANAGER, "max"), name="Max")
    return ConsoleApp(
        world.service,
        authorize=lambda request: staff,
        directory=DatasetDirectory(web_dataset()),
        prefix="/console",
    )


def get(app: ConsoleApp, path: str) -> tuple[int, Headers, bytes]:
    response = app.handle(Request(method="GET", path=path, headers=Headers()))
    return response.status, response.headers, b"".join(response.iter_body())


def test_the_console_lists_a_portals_certificates_and_downloads_them(
    client: WsgiClient, world: WebWorld
) -> None:
    app = console(world)
    status, _, body = get(app, "/console/portals/acme-en/approvals")
    assert status == 200
    assert "No contact has signed anything off in this portal yet." in body.decode()
    open_portal(client, world)
    sign_off(client)
    (signoff,) = world.service.signoffs.of("acme-en")
    status, _, body = get(app, "/console/portals/acme-en/approvals")
    page = body.decode()
    assert "Sign-off certificates" in page
    assert "Bob Jones" in page
    assert signoff.sha256 in page.replace("<wbr>", "")  # may break after 16 digits
    url = f"/console/portals/acme-en/sign-offs/{signoff.id}"
    assert f'href="{url}"' in page
    status, headers, pdf = get(app, url)
    assert status == 200
    assert pdf.startswith(b"%PDF-")
    assert headers.get("Content-Type") == "application/pdf"
    # not from another portal's page
    assert get(app, f"/console/portals/acme-nl/sign-offs/{signoff.id}")[0] == 404
