"""The personal links of the e-mails (``service/mail_links.py``): every approval request carries a
new link of its own for its contact, stored as a hash like any link, expiring after
``MailSettings.email_link_days``, revocable, ended by ``revoke_all``; the contact's hand-issued
links are left alone; and an e-mail that is not stored leaves no working link behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

import pytest
from attrs import evolve

from clientportal import ApprovalStatus, GenerationMismatch, LinkExpired, LinkRevoked, LinkStatus
from clientportal.memory import MemoryStore
from clientportal.ports import ApprovalChange, NewEvent, OutboxMessage
from worlds import (
    CLIENT,
    EVA,
    MAIL,
    MAX,
    OPEN_ON_WEB,
    T0,
    ServiceWorld,
    acme_portal,
    mails,
    service_world,
    text_of,
)

from .test_approvals import RacingStore

_LINK = re.compile(r"https://portal\.example\.com/open/([A-Za-z0-9_.-]+)\?next=approvals")
#: Anything shaped like a link token or a session value: long runs of URL-safe characters.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_.-]{60,}")


def token_of(message: EmailMessage) -> str:
    """The token of the one personal link in ``message``'s text part."""
    [token] = _LINK.findall(text_of(message))
    return token


def to(message: EmailMessage) -> str:
    """The contact id of the recipient (``anna`` of ``anna@acme.example``)."""
    return str(message["To"]).split("<")[1].split("@")[0]


def email_links(w: ServiceWorld, portal_id: str = "acme-web") -> list[str]:
    """The link ids of ``portal_id`` that e-mails carry: those issued with an expiry."""
    return [link.id for link in w.service.links.for_portal(portal_id) if link.expires_at]


# --------------------------------------------------------------------------------------------------
# One new personal link per e-mail


def test_each_approval_request_carries_a_new_link_of_its_own_contact() -> None:
    w = service_world()
    hand = w.service.links.issue("acme-web", "anna").link  # issued by the agency, never touched
    assert w.service.approvals.submit(OPEN_ON_WEB, by=MAX).all_applied
    sent = mails(w.store)
    assert sorted(to(m) for m in sent) == ["anna", "bob"]
    tokens = {to(m): token_of(m) for m in sent}
    assert tokens["anna"] != tokens["bob"]
    links = {link.id: link for link in w.service.links.for_portal("acme-web")}
    assert links.pop(hand.id) == hand  # not reused, revoked or changed
    assert sorted(link.contact_id or "" for link in links.values()) == ["anna", "bob"]
    for contact_id, token in tokens.items():
        opening = w.service.access.open(token, client=CLIENT)
        assert opening.session is not None  # opens without an existing session
        assert opening.link.contact_id == contact_id
        assert opening.link.expires_at == T0 + dt.timedelta(days=30)
        stored = links[opening.link.id]
        assert stored.secret_hash != token  # a hash, not the token
        assert token not in repr(stored)
        assert stored.secret_hash == opening.link.secret_hash
    assert all(len(stored.secret_hash) == 64 for stored in links.values())


def test_every_batch_gets_new_links_and_the_lifetime_is_the_companys() -> None:
    w = service_world(mail=evolve(MAIL, email_link_days=7))
    w.service.approvals.submit(["w1"], by=EVA)
    first = {token_of(m) for m in mails(w.store)}
    w.clock.advance(dt.timedelta(hours=1))
    w.service.approvals.submit(["w3"], by=EVA)
    second = {token_of(m) for m in mails(w.store)} - first
    assert len(first) == len(second) == 2
    assert len(email_links(w)) == 4
    last = w.service.access.open(second.pop(), client=CLIENT).link
    assert last.expires_at == T0 + dt.timedelta(hours=1, days=7)
    assert all("works for 7 days" in text_of(m) for m in mails(w.store))


def test_the_link_expires_at_the_set_time() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=EVA)
    token = token_of(mails(w.store)[0])
    w.clock.set(T0 + dt.timedelta(days=30) - dt.timedelta(seconds=1))
    assert w.service.access.open(token, client=CLIENT).session is not None
    w.clock.set(T0 + dt.timedelta(days=30))
    with pytest.raises(LinkExpired):
        w.service.access.open(token, client=CLIENT)


def test_revoking_the_link_or_all_of_the_portals_links_ends_it() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=EVA)
    by_contact = {to(m): token_of(m) for m in mails(w.store)}
    anna = w.service.access.open(by_contact["anna"], client=CLIENT)
    assert anna.session is not None
    w.service.links.revoke(anna.link.id)
    with pytest.raises(LinkRevoked):
        w.service.access.open(by_contact["anna"], client=CLIENT)
    with pytest.raises(LinkRevoked):  # and the session it opened
        w.service.access.check_session(anna.session.value, client=CLIENT)
    assert w.service.access.open(by_contact["bob"], client=CLIENT).session is not None
    w.service.links.revoke_all("acme-web")
    with pytest.raises(GenerationMismatch):
        w.service.access.open(by_contact["bob"], client=CLIENT)


def test_opening_the_link_decides_nothing() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    before = w.store.approval_states(frozenset({"w1", "w3"}))
    for message in mails(w.store):
        w.service.access.open(token_of(message), client=CLIENT)
    assert w.store.approval_states(frozenset({"w1", "w3"})) == before
    assert {s.status for s in before.values()} == {ApprovalStatus.PENDING_EXTERNAL}
    assert [e.action.name for e in w.service.approvals.history("w1")] == ["SUBMIT"]


# --------------------------------------------------------------------------------------------------
# An e-mail that is not stored leaves no working link


class DownStore(MemoryStore):
    """A store whose database goes away when the decision is written (and, with
    ``revoke_fails``, stays away for the clean-up too)."""

    def __init__(self, *, revoke_fails: bool = False) -> None:
        super().__init__()
        self.down = False
        self.revoke_fails = revoke_fails

    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
        **written: Any,
    ) -> None:
        if self.down:
            raise ConnectionError("the database is unreachable")
        super().apply_changes(changes, outbox, events, **written)

    def revoke_link(self, link_id: str, at: dt.datetime, events: Sequence[NewEvent] = ()) -> None:
        if self.down and self.revoke_fails:
            raise ConnectionError("the database is unreachable")
        super().revoke_link(link_id, at, events)


def test_a_failed_submit_leaves_neither_a_message_nor_a_working_link() -> None:
    store = DownStore()
    w = service_world(store=store)
    hand = w.service.links.issue("acme-web", "bob").link
    store.down = True
    with pytest.raises(ConnectionError):
        w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    assert store.pending() == ()
    assert store.approval_states(frozenset(OPEN_ON_WEB)) == {}
    issued = [link for link in w.service.links.for_portal("acme-web") if link.id != hand.id]
    assert len(issued) == 2  # one per contact, issued for the e-mails that were not stored ...
    assert {w.service.links.status(link) for link in issued} == {LinkStatus.REVOKED}  # ... ended
    assert w.service.links.status(hand) is LinkStatus.ACTIVE  # the agency's link works on


def test_links_that_cannot_be_revoked_are_logged_by_id_and_the_failure_is_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = DownStore(revoke_fails=True)
    w = service_world(store=store)
    store.down = True
    with (
        caplog.at_level(logging.WARNING, logger="clientportal.service"),
        pytest.raises(ConnectionError, match="unreachable"),  # the cause, not the clean-up
    ):
        w.service.approvals.submit(["w1"], by=EVA)
    ids = email_links(w)
    assert len(ids) == 2
    for link_id in ids:
        assert f"could not revoke e-mail link {link_id}" in caplog.text
    assert not _TOKEN_LIKE.search(caplog.text)


def test_a_contact_whose_email_is_dropped_on_a_retry_keeps_no_link() -> None:
    store = RacingStore(set())
    app_portal = acme_portal(id="acme-app", name="Acme app", project_ids={"app"},
                             contact_ids={"bob"})  # fmt: skip
    w = service_world(store=store, portals=(acme_portal(), app_portal))
    store.victims = {"a1", "a2"}  # somebody moves the app's hours on first
    result = w.service.approvals.submit(["w1", "a1", "a2"], by=MAX)
    assert {o.entry_id for o in result.changed_meanwhile} == {"a1", "a2"}
    assert store.outboxes == [3, 2]  # bob's app e-mail was built, then dropped with its hours
    sent = mails(w.store)
    assert sorted(to(m) for m in sent) == ["anna", "bob"]
    for message in sent:  # the stored e-mails carry the links issued on the first attempt
        assert w.service.access.open(token_of(message), client=CLIENT).session is not None
    [dropped] = w.service.links.for_portal("acme-app")
    assert w.service.links.status(dropped) is LinkStatus.REVOKED
    assert {w.service.links.status(link) for link in w.service.links.for_portal("acme-web")} == {
        LinkStatus.ACTIVE
    }


# --------------------------------------------------------------------------------------------------
# The token travels only in the e-mail


def test_no_token_reaches_a_log_line_or_the_access_log(caplog: pytest.LogCaptureFixture) -> None:
    w = service_world()
    with caplog.at_level(logging.DEBUG):
        w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
        tokens = [token_of(m) for m in mails(w.store)]
        for token in tokens:
            w.service.access.open(token, client=CLIENT)
        w.clock.advance(dt.timedelta(days=31))
        for token in tokens:
            with pytest.raises(LinkExpired):
                w.service.access.open(token, client=CLIENT)
    logged = caplog.text + "".join(repr(e) for e in w.store.access_events())
    assert "ISSUE" in logged
    assert "link_expired" in logged
    for token in tokens:
        assert token not in logged
        assert token.split(".")[-1] not in logged  # not even its signature
    assert not _TOKEN_LIKE.search(logged)
