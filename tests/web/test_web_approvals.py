"""The approvals page through the WSGI app: every entry with Approve and a Reject that opens its
own reason field (valid HTML, no nested forms, unique names), the selected entries decided at
once, Post/Redirect/Get for every decision (303 back to the page, with the filters), one-time
messages that a reload does not repeat, errors shown at the row or field concerned with what the
client typed, the notice promise only when the company gets one, in the portal's language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from html.parser import HTMLParser

from attrs import define, evolve, field
from webtools import Result, WsgiClient, csrf_of, open_portal

from clientportal import PortalService
from clientportal.web import make_wsgi_app
from clientportal.web.flash import FLASH_COOKIE
from clientportal.workflow import MAX_REASON
from worlds import EXTERNAL, MAIL, SECRET, WebWorld

APPROVALS = "/portal/acme-en/approvals"


# --------------------------------------------------------------------------------------------------
# A small DOM of the page, to check its forms and names as a browser and a screen reader see them

_VOID = {"input", "meta", "link", "br", "img", "hr", "source", "wbr"}


@define(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, test: Callable[[Element], bool]) -> list[Element]:
        return [e for e in self.iter() if test(e)]

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    def text(self) -> str:
        return re.sub(r"\s+", " ", unescape(self.raw_text())).strip()

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in _VOID:
            self.current = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"</{tag}> closes nothing"
        assert node.parent is not None
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)

    def handle_entityref(self, name: str) -> None:
        self.current.children.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.current.children.append(f"&#{name};")


def dom(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def name_of(root: Element, element: Element) -> str:
    """The accessible name: aria-label, else the label for it, else its own text."""
    if "aria-label" in element.attrs:
        return element.attrs["aria-label"]
    if element.tag in ("textarea", "input", "select"):
        (label,) = root.find_all(
            lambda e: e.tag == "label" and e.attrs.get("for") == element.attrs["id"]
        )
        return label.text()
    return element.text()


def form_of(root: Element, control: Element) -> Element:
    """The form a control submits with: its form= attribute, else the form around it."""
    if "form" in control.attrs:
        (form,) = root.find_all(
            lambda e: e.tag == "form" and e.attrs.get("id") == control.attrs["form"]
        )
        return form
    return next(a for a in control.ancestors() if a.tag == "form")


def row_of(root: Element, entry_id: str) -> Element:
    (row,) = root.find_all(
        lambda e: (
            e.tag == "tr"
            and any(
                b.tag == "button" and b.attrs.get("value", "").endswith(f":{entry_id}")
                for b in e.iter()
            )
        )
    )
    return row


def reject_details(row: Element) -> Element:
    (details,) = row.find_all(lambda e: e.tag == "details")
    return details


# --------------------------------------------------------------------------------------------------
# Steps


def post(client: WsgiClient, data: list[tuple[str, str]], url: str = APPROVALS) -> Result:
    """Send the approvals form as the page gives it (with its CSRF token); expect a 303."""
    page = client.get(url)
    result = client.post(url, data=[("csrf_token", csrf_of(page)), *data])
    assert result.status == 303, result.text
    assert result.body == b""
    return result


def flash_set(result: Result) -> bool:
    return any(c.startswith(FLASH_COOKIE + "=") for c in result.headers.get_all("Set-Cookie"))


# --------------------------------------------------------------------------------------------------
# The page


def test_every_row_has_approve_and_a_reject_that_opens_its_own_reason_form(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    page = client.get(APPROVALS)
    assert page.status == 200
    root = dom(page.text)
    forms = root.find_all(lambda e: e.tag == "form")
    for form in forms:
        assert not [a for a in form.ancestors() if a.tag == "form"], "a form inside a form"
    ids = [e.attrs["id"] for e in root.iter() if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    names: list[str] = []
    for entry_id in ("p1", "p2", "p3", "p4"):
        row = row_of(root, entry_id)
        details = reject_details(row)
        assert "open" not in details.attrs
        (summary,) = details.find_all(lambda e: e.tag == "summary")
        (textarea,) = details.find_all(lambda e: e.tag == "textarea")
        (submit,) = details.find_all(lambda e: e.tag == "button")
        (approve,) = [
            b
            for b in row.find_all(lambda e: e.tag == "button")
            if b.attrs["value"].startswith("approve")
        ]
        assert approve.attrs["value"] == f"approve:1:{entry_id}"
        assert submit.attrs["value"] == f"reject:1:{entry_id}"
        assert textarea.attrs["name"] == "reason"
        assert textarea.attrs["maxlength"] == str(MAX_REASON)
        # The row's reason and its submit go in the row's own form, with the CSRF token and
        # nothing else: rejecting one row never sends another row's reason or the selection.
        own = form_of(root, textarea)
        assert form_of(root, submit) is own
        assert own.attrs["method"] == "post"
        assert own.attrs["action"] == APPROVALS
        assert [(e.attrs["name"], e.tag) for e in own.iter() if "name" in e.attrs] == [
            ("csrf_token", "input")
        ]
        assert form_of(root, approve).attrs["id"] == "decide"
        # Names a screen reader reads out: each says what and which entry.
        names += [name_of(root, x) for x in (approve, summary, textarea, submit)]
    assert len(names) == len(set(names)), names
    assert "Approve: Mar 13, 2026, Eva Jansen, 1:00" in names
    assert "Reject: Mar 13, 2026, Eva Jansen, 1:00" in names
    assert "Reason (Mar 13, 2026, Eva Jansen, 1:00)" in names
    assert "Reject with this reason: Mar 13, 2026, Eva Jansen, 1:00" in names
    # The selected entries: Approve selected, and a Reject selected with its own reason.
    (bulk,) = root.find_all(
        lambda e: e.tag == "details" and "reject-selected" in e.attrs.get("class", "")
    )
    (reason,) = bulk.find_all(lambda e: e.tag == "textarea")
    assert name_of(root, reason) == "Reason for rejecting the selected hours"
    assert form_of(root, reason).attrs["id"] == "decide"
    assert 'name="all" value="1"' in page.text
    assert "Your reason is sent to Example Co." in page.text


def test_a_row_is_rejected_with_its_own_reason(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    done = post(client, [("one", "reject:1:p3"), ("reason", "  Not on our order  ")])
    assert done.location == APPROVALS
    assert world.store.history("p3")[-1].reason == "Not on our order"
    for other in ("p1", "p2", "p4"):
        assert not world.store.history(other)
    page = client.get(done.location)
    assert "1 time entry rejected." in page.text
    assert 'value="reject:1:p3"' not in page.text
    recent = page.text[page.text.index("Recently decided") :]
    assert recent.count(">Rejected</span>") == 1


def test_approve_two_then_see_the_statuses(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world)
    done = post(client, [("action", "approve"), ("entry", "1:p1"), ("entry", "1:p2")])
    assert done.location == APPROVALS  # no counts in the URL: they come once, with the flash
    page = client.get(APPROVALS)
    assert "2 time entries approved." in page.text
    assert 'value="1:p1"' not in page.text
    recent = page.text[page.text.index("Recently decided") :]
    assert recent.count(">Approved</span>") == 2


def test_a_success_message_is_shown_once_and_not_again_on_reload(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    done = post(client, [("one", "approve:1:p1")])
    assert flash_set(done)
    shown = client.get(done.location or "")
    assert "1 time entry approved." in shown.text
    assert (
        f"{FLASH_COOKIE}=; Path=/portal/acme-en; Max-Age=0"
        in shown.headers.get_all("Set-Cookie")[0]
    )
    reloaded = client.get(done.location or "")
    assert reloaded.status == 200
    assert "approved." not in reloaded.text
    assert not reloaded.headers.get_all("Set-Cookie")
    assert len(world.store.history("p1")) == 1  # and nothing was decided twice


def test_decisions_come_back_to_the_page_with_its_filters(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    url = APPROVALS + "?employee=tom"
    page = client.get(url)
    shown = re.findall(r'name="shown" value="([^"]+)"', page.text)
    assert sorted(shown) == ["1:p2", "1:p3"]
    assert f'action="{url}"' in page.text  # the row forms too
    done = client.post(
        url,
        data=[("csrf_token", csrf_of(page)), ("action", "approve"), ("all", "1")]
        + [("shown", s) for s in shown],
    )
    assert done.status == 303
    assert done.location == url
    left = client.get(APPROVALS).text
    assert 'value="1:p1"' in left
    assert 'value="1:p4"' in left
    assert 'value="1:p2"' not in left


def test_a_row_reject_without_a_reason_comes_back_open_at_that_row(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    done = post(client, [("one", "reject:1:p3"), ("reason", "   ")])
    assert done.location == APPROVALS
    assert not world.store.history("p3")
    page = client.get(APPROVALS)
    root = dom(page.text)
    details = reject_details(row_of(root, "p3"))
    assert "open" in details.attrs
    (textarea,) = details.find_all(lambda e: e.tag == "textarea")
    assert "autofocus" in textarea.attrs
    assert textarea.attrs["aria-invalid"] == "true"
    (error,) = details.find_all(
        lambda e: e.attrs.get("id") == textarea.attrs["aria-describedby"].split()[0]
    )
    assert error.text() == "Please give a reason for rejecting these hours."
    for other in ("p1", "p2", "p4"):
        assert "open" not in reject_details(row_of(root, other)).attrs
    assert page.text.count("Please give a reason") == 1
    assert page.text.count("autofocus") == 1
    # Reload: the row is closed again and the error gone.
    again = dom(client.get(APPROVALS).text)
    assert "open" not in reject_details(row_of(again, "p3")).attrs
    assert "Please give a reason" not in again.text()


def test_a_reason_too_long_comes_back_with_what_was_typed(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    typed = "The hours of this week " * 100  # 2,300 characters, over the 2,000 allowed
    assert len(typed.strip()) > MAX_REASON
    post(client, [("one", "reject:1:p2"), ("reason", typed)])
    assert not world.store.history("p2")
    details = reject_details(row_of(dom(client.get(APPROVALS).text), "p2"))
    assert "open" in details.attrs
    assert "The reason is too long: please shorten it." in details.text()
    (textarea,) = details.find_all(lambda e: e.tag == "textarea")
    assert textarea.text() == typed.strip()


def test_a_rejection_of_the_selection_without_a_reason_keeps_the_selection(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    post(client, [("action", "reject"), ("entry", "1:p4"), ("entry", "1:p1"), ("reason", "")])
    assert not world.store.history("p4")
    page = client.get(APPROVALS)
    assert re.search(r'value="1:p4" data-entry aria-label="[^"]*" checked', page.text)
    assert re.search(r'value="1:p1" data-entry aria-label="[^"]*" checked', page.text)
    assert not re.search(r'value="1:p2" data-entry aria-label="[^"]*" checked', page.text)
    root = dom(page.text)
    (bulk,) = root.find_all(
        lambda e: e.tag == "details" and "reject-selected" in e.attrs.get("class", "")
    )
    assert "open" in bulk.attrs
    assert "Please give a reason for rejecting these hours." in bulk.text()
    (textarea,) = bulk.find_all(lambda e: e.tag == "textarea")
    assert "autofocus" in textarea.attrs
    assert "checked" not in client.get(APPROVALS).text  # once


def test_nothing_selected_is_said_next_to_the_buttons_after_the_redirect(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    done = post(client, [("action", "approve")])
    assert done.location == APPROVALS
    page = client.get(APPROVALS)
    root = dom(page.text)
    (error,) = root.find_all(lambda e: e.attrs.get("id") == "bulk-error")
    assert error.text() == "Select at least one time entry first."
    assert "autofocus" in error.attrs
    assert "Select at least one" not in client.get(APPROVALS).text


def test_an_entry_that_changed_meanwhile_is_not_decided_and_the_reason_is_kept(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    post(client, [("action", "approve"), ("entry", "0:p1"), ("entry", "1:p2")])
    page = client.get(APPROVALS).text
    assert "1 time entry approved." in page
    assert "Some of these hours were changed in the meantime." in page
    assert re.search(r'value="1:p1" data-entry aria-label="[^"]*" checked', page)  # look again
    assert not world.store.history("p1")
    # One row's reject on a version that moved on: that row opens again, with the reason.
    post(client, [("one", "reject:0:p3"), ("reason", "Twice the hours we agreed")])
    assert not world.store.history("p3")
    details = reject_details(row_of(dom(client.get(APPROVALS).text), "p3"))
    assert "open" in details.attrs
    assert "Some of these hours were changed in the meantime." in details.text()
    assert "Twice the hours we agreed" in details.text()


def test_entries_of_other_portals_cannot_be_decided(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world, "acme-nl", "anna")
    page = client.get("/portal/acme-nl/approvals")
    assert 'value="1:p3"' not in page.text  # p3 is on the app project, not in acme-nl
    done = client.post(
        "/portal/acme-nl/approvals",
        data=[("csrf_token", csrf_of(page)), ("action", "approve"), ("entry", "1:p3")],
    )
    assert done.location == "/portal/acme-nl/approvals"
    assert not world.store.history("p3")
    assert "Sommige uren zijn niet gewijzigd" in client.get(done.location).text


# --------------------------------------------------------------------------------------------------
# The flash is the visitor's own


def test_a_flash_is_read_only_by_the_session_that_posted_it(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    done = post(client, [("one", "approve:1:p1")])
    (value,) = [
        c.split(";")[0].split("=", 1)[1]
        for c in done.headers.get_all("Set-Cookie")
        if c.startswith(FLASH_COOKIE)
    ]
    other = WsgiClient(make_wsgi_app(world.service))
    open_portal(other, world, "acme-en", "bob")
    other.jar[(FLASH_COOKIE, "/portal/acme-en")] = (value, False)
    page = other.get(APPROVALS)
    assert "approved." not in page.text  # signed for the other session: not shown, dropped
    assert f"{FLASH_COOKIE}=; Path=/portal/acme-en; Max-Age=0" in page.headers["Set-Cookie"]
    forged = WsgiClient(make_wsgi_app(world.service))
    open_portal(forged, world)
    forged.jar[(FLASH_COOKIE, "/portal/acme-en")] = ("eyJuIjpbXX0.AAAAAA.forged", False)
    assert forged.get(APPROVALS).status == 200
    # The cookie's path is the portal's own: another portal's pages never get it.
    assert (FLASH_COOKIE, "/portal/acme-en") in client.jar
    assert FLASH_COOKIE not in client.cookies_for("/portal/acme-nl/approvals")


# --------------------------------------------------------------------------------------------------
# What the page promises, and its language


def _without_company_recipients(world: WebWorld) -> PortalService:
    return PortalService(
        world.data,
        world.store,
        mail=evolve(MAIL, company_recipients=()),
        secret_keys=SECRET,
        clock=world.clock,
        policy=EXTERNAL,
    )


def test_the_reason_help_promises_a_notice_only_when_the_company_gets_one(
    world: WebWorld, client: WsgiClient
) -> None:
    open_portal(client, world)
    assert client.get(APPROVALS).text.count("Your reason is sent to Example Co.") == 5
    post(client, [("one", "reject:1:p1"), ("reason", "Not ours")])
    notices = [m for m in world.store.pending() if b"office@example.com" in m.message]
    assert len(notices) == 1

    service = _without_company_recipients(world)
    quiet = WsgiClient(make_wsgi_app(service))
    quiet.get(f"/l/{service.links.issue('acme-en', 'bob').token}")
    text = quiet.get(APPROVALS).text
    assert "is sent to" not in text
    assert text.count("Your reason is kept with these hours for Example Co.") == 4
    before = len(world.store.pending())
    post(quiet, [("one", "reject:1:p2"), ("reason", "Not ours either")])
    assert world.store.history("p2")[-1].reason == "Not ours either"
    assert len(world.store.pending()) == before  # no notice was promised, none is sent


def test_a_dutch_portal_says_everything_in_dutch(world: WebWorld, client: WsgiClient) -> None:
    open_portal(client, world, "acme-nl", "anna")
    url = "/portal/acme-nl/approvals"
    page = client.get(url).text
    for dutch in (
        "Afkeuren met deze reden",
        "Reden om de geselecteerde uren af te keuren",
        "Laat weten wat er moet veranderen. Uw reden wordt naar Example Co gestuurd.",
    ):
        assert dutch in page, dutch
    post(client, [("one", "reject:1:p1"), ("reason", "")], url)
    assert "Geef een reden op voor het afkeuren van deze uren." in client.get(url).text
    post(client, [("action", "approve")], url)
    assert "Selecteer eerst minstens één tijdregistratie." in client.get(url).text
    post(client, [("one", "reject:1:p1"), ("reason", "Niet afgesproken")], url)
    done = client.get(url).text
    assert "1 tijdregistratie afgekeurd." in done
    for english in ("Reject with this reason", "time entry", "Please give", "Your reason"):
        assert english not in done, english
