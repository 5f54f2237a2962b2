"""Who is told what (``service/notify.py``): the MailSettings; the approval requests, one per
contact and portal, in the portal's language; the company's notice of a client's decision; the
one-time code e-mails. Each queued in the outbox with the change that caused it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from attrs import evolve

from clientportal import AccessMode, ApprovalPolicy, ApprovalStatus, Workflow
from clientportal.ports import EntryQuery
from worlds import (
    EVA,
    MAIL,
    MAX,
    OPEN_ON_WEB,
    acme_portal,
    mails,
    mails_of,
    service_world,
    text_of,
    visit_as,
)

# --------------------------------------------------------------------------------------------------
# The settings


def test_mail_settings_validate_and_build_urls() -> None:
    assert MAIL.base_url == "https://portal.example.com"
    assert MAIL.link_url("tok") == "https://portal.example.com/open/tok"
    assert MAIL.portal_url("p1") == "https://portal.example.com/portal/p1"
    assert MAIL.company_recipients == (("Office", "office@example.com"), ("", "boss@example.com"))
    with pytest.raises(ValueError, match="base_url"):
        evolve(MAIL, base_url="portal.example.com")
    with pytest.raises(ValueError, match="not an e-mail address"):
        evolve(MAIL, company_recipients=["office"])
    with pytest.raises(ValueError, match="message_id_domain"):
        evolve(MAIL, message_id_domain="localhost")
    with pytest.raises(ValueError, match="link_path"):
        evolve(MAIL, link_path="/open")


def test_email_links_last_30_days_by_default_and_land_only_on_portal_pages() -> None:
    assert MAIL.email_link_days == 30
    assert MAIL.email_link_lifetime == dt.timedelta(days=30)
    assert evolve(MAIL, email_link_days=7).email_link_lifetime == dt.timedelta(days=7)
    for days in (0, -1, 367):
        with pytest.raises(ValueError, match="email_link_days"):
            evolve(MAIL, email_link_days=days)
    assert MAIL.link_url("tok", page="approvals") == (
        "https://portal.example.com/open/tok?next=approvals"
    )
    with pytest.raises(ValueError, match="page must be one of approvals, hours"):
        MAIL.link_url("tok", page="https://evil.example/")


# --------------------------------------------------------------------------------------------------
# Submitting asks the client: one e-mail per contact and portal


def test_submit_puts_hours_before_the_client_with_one_email_per_contact() -> None:
    w = service_world()
    result = w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    assert result.all_applied
    assert {o.state.status for o in result.applied if o.state} == {ApprovalStatus.PENDING_EXTERNAL}
    sent = mails(w.store)
    assert sorted(str(m["To"]) for m in sent) == [
        "Anna de Vries <anna@acme.example>",
        "Bob Jones <bob@acme.example>",
    ]
    anna = next(m for m in sent if "anna" in str(m["To"]))
    assert anna["Content-Language"] == "en"  # the portal's language comes first
    assert "6 time entries" in text_of(anna)
    assert "https://portal.example.com/open/" in text_of(anna)  # her personal link
    assert "?next=approvals" in text_of(anna)
    assert "This link is personal and works for 30 days." in text_of(anna)
    assert "Submitted by: Max Manager" in text_of(anna)
    assert len({m["Message-ID"] for m in sent}) == 2


def test_a_contact_on_two_portals_is_asked_once_per_portal_and_sees_only_that_portal() -> None:
    second = acme_portal(id="acme-all", name="Acme all", project_ids={"web", "app"},
                         contact_ids={"anna"})  # fmt: skip
    w = service_world(portals=(acme_portal(), second))
    assert w.service.approvals.submit(["w1", "a1", "a2"], by=MAX).all_applied
    sent = mails(w.store)
    to_anna = [m for m in sent if "anna@" in str(m["To"])]
    assert len(to_anna) == 2
    by_portal = {str(m["Subject"]): text_of(m) for m in to_anna}
    assert "3 time entries" in by_portal["Hours awaiting your approval: Acme all"]
    assert "1 time entry " in by_portal["Hours awaiting your approval: Acme website"]
    assert len([m for m in sent if "bob@" in str(m["To"])]) == 1  # only on acme-web


def test_portals_that_cannot_approve_or_are_off_are_not_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    off = acme_portal(active=False)
    w = service_world(portals=(off,))
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    assert mails(w.store) == []
    assert "nobody was asked" in caplog.text


def test_internal_then_external_forwarding_asks_the_client_after_the_manager() -> None:
    policy = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)
    w = service_world(policy=policy)
    assert w.service.approvals.submit(["w1", "w3"], by=EVA).all_applied
    assert mails(w.store) == []  # waiting for the manager
    result = w.service.approvals.approve(["w1", "w3"], by=MAX)
    assert [o.state.status for o in result.applied if o.state] == [
        ApprovalStatus.PENDING_EXTERNAL
    ] * 2
    assert len(mails(w.store)) == 2
    assert "Submitted by: Max Manager" in text_of(mails(w.store)[0])


# --------------------------------------------------------------------------------------------------
# The company is told about the client's decision


def test_a_notice_about_many_entries_lists_the_first_and_counts_them_all() -> None:
    w = service_world(extra_entries=40, mail=evolve(MAIL, listed_entries=5))
    ids = [e.id for e in w.service.pages.hours(acme_portal(), EntryQuery(limit=1000)).entries]
    ids.remove("w7")
    w.service.approvals.submit(ids, by=MAX)
    before = {m.id for m in w.store.pending()}
    result = w.service.approvals.client_approve(visit_as(w.service, "anna"), ids)
    assert len(result.applied) == len(ids) > 5
    [notice] = mails_of([m for m in w.store.pending() if m.id not in before])
    text = text_of(notice)
    assert f"approved {len(ids)} time entries" in str(notice["Subject"])
    assert f"Showing 1–5 of {len(ids)}" in text
    assert text.count(", 2026") == 5  # five dated rows


def test_client_rejects_with_a_reason_that_reaches_the_company() -> None:
    w = service_world()
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    before = {m.id for m in w.store.pending()}
    bob = visit_as(w.service, "bob")
    result = w.service.approvals.client_reject(bob, ["w4"], reason="  Review was not agreed  ")
    assert result.all_applied
    state = result.applied[0].state
    assert state is not None
    assert state.status is ApprovalStatus.REJECTED
    assert state.reason == "Review was not agreed"
    [notice] = mails_of([m for m in w.store.pending() if m.id not in before])
    assert "rejected 1 time entry" in str(notice["Subject"])
    assert "Review was not agreed" in text_of(notice)
    assert w.service.approvals.history("w4")[-1].reason == "Review was not agreed"


# --------------------------------------------------------------------------------------------------
# One-time codes


def test_access_codes_are_queued_for_the_links_contact() -> None:
    w = service_world()
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    issued = w.service.links.issue("acme-web", "anna")
    opening = w.service.access.open(issued.token, client="198.51.100.1")
    assert opening.needs_code
    assert opening.pending is not None
    expires = w.service.access.request_code(opening.pending, client="198.51.100.1")
    assert isinstance(expires, dt.datetime)  # when it expires: the code itself is only e-mailed
    [message] = mails(w.store)
    assert "anna@acme.example" in str(message["To"])
    assert message["Content-Language"] == "en"
    code = next(word for word in text_of(message).split() if word.isdigit() and len(word) == 6)
    grant = w.service.access.verify_code(opening.pending, code, client="198.51.100.1")
    assert grant.link.contact_id == "anna"
    assert expires > w.clock.now()
    visit = w.service.access.check_session(grant.value, client="198.51.100.1")
    assert visit.code_verified
    w.service.access.check_csrf(visit, w.service.access.csrf_token(visit), client="198.51.100.1")
