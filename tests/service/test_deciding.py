"""What a decision writes beside its steps, in one store call: the approval requests behind the
e-mails' one-click action links, the sign-off certificate of a client's approval (its hash in the
events, its PDF on the company's notice), a period's sign-off, the reminder policy's approval,
and staff sending reopened items back with a note."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.message import EmailMessage

import pytest
from attrs import evolve

from clientportal import ItemRef, WorkflowError
from clientportal.model import ApprovalStatus, ItemKind
from clientportal.service.periods import PeriodChanged, period_digest
from clientportal.signoff import pdf_available, read_certificate
from clientportal.workflow import Party
from worlds import DAY0, MAX, OPEN_ON_WEB, acme_portal, mails, service_world, text_of, visit_as


def _new_mails(store: object, seen: set[str]) -> list[EmailMessage]:
    return [m for m in mails(store) if m["Message-ID"] not in seen]  # type: ignore[arg-type]


def _ids(store: object) -> set[str]:
    return {m["Message-ID"] for m in mails(store)}  # type: ignore[arg-type]


def _pdf_parts(message: EmailMessage) -> list[bytes]:
    return [
        part.get_payload(decode=True)  # type: ignore[misc]
        for part in message.walk()
        if part.get_content_type() == "application/pdf"
    ]


def test_each_request_email_carries_an_action_link_whose_request_is_stored_with_it() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "w2"], by=MAX)
    requests = mails(w.store)
    assert {m["To"].addresses[0].username for m in requests} == {"anna", "bob"}
    for mail in requests:
        body = text_of(mail)
        (url,) = re.findall(r"https://portal\.example\.com/act/[A-Za-z0-9._-]+", body)
        token = url.rsplit("/", 1)[1]
        read = w.service.actions.tokens.read(token)
        assert read is not None
        request_id, secret_hash = read
        stored = w.store.get_request(request_id)
        assert stored is not None
        assert stored.token_hash == secret_hash
        assert stored.portal_id == "acme-web"
        assert stored.link_id is not None  # the personal link the same e-mail carries
        assert {(i.kind, i.id, i.version) for i in stored.items} == {
            (ItemKind.ENTRY, "w1", 1),
            (ItemKind.ENTRY, "w2", 1),
        }
        assert stored.used_at is None


def test_a_client_approval_is_signed_off_and_its_hash_is_in_the_event() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "w3"], by=MAX)
    anna = visit_as(w.service, "anna")
    start = w.service.events()[-1].id
    result = w.service.approvals.client_approve(anna, ["w1", "w3"], address_hash="abc123")
    signoff = result.signoff
    assert signoff is not None
    assert w.store.get_signoff(signoff.id) == signoff
    (approved,) = w.service.events(after=start)
    assert approved.data["signoff_id"] == signoff.id
    assert approved.data["signoff_sha256"] == signoff.sha256
    certificate = read_certificate(signoff)  # raises when the rows do not hash to sha256
    assert sorted(row.id for row in certificate.rows) == ["w1", "w3"]
    assert certificate.contact_name == "Anna de Vries"
    assert certificate.address_hash == "abc123"


def test_a_rejection_makes_no_sign_off() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=MAX)
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_reject(anna, ["w1"], reason="Too long")
    assert result.signoff is None
    assert not w.store.signoffs("acme-web")


@pytest.mark.skipif(not pdf_available(), reason="the pdf extra (fpdf2) is not installed")
def test_the_company_notice_carries_the_sign_off_pdf() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=MAX)
    anna = visit_as(w.service, "anna")
    seen = _ids(w.store)
    result = w.service.approvals.client_approve(anna, ["w1"])
    (notice,) = [m for m in _new_mails(w.store, seen) if "office" in m["To"]]
    (pdf,) = _pdf_parts(notice)
    assert pdf.startswith(b"%PDF")
    assert result.signoff is not None
    assert hashlib.sha256(pdf).hexdigest() != result.signoff.sha256  # the hash is of the rows


def test_a_period_sign_off_approves_what_awaits_in_it_and_names_the_period() -> None:
    w = service_world()
    w.service.approvals.submit(OPEN_ON_WEB, by=MAX)
    anna = visit_as(w.service, "anna")
    first, last = DAY0, DAY0 + dt.timedelta(days=1)  # w1 (day 0), w2 and w3 (day 1)
    result = w.service.approvals.client_sign_off(anna, start=first, end=last)
    assert sorted(o.entry_id for o in result.applied) == ["w1", "w2", "w3"]
    assert result.signoff is not None
    assert (result.signoff.period_start, result.signoff.period_end) == (first, last)
    states = w.store.approval_states(frozenset(OPEN_ON_WEB))
    assert {i for i, s in states.items() if s.status is ApprovalStatus.APPROVED} == {
        "w1",
        "w2",
        "w3",
    }


def test_an_empty_period_approves_nothing() -> None:
    w = service_world()
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_sign_off(anna, start=DAY0, end=DAY0)
    assert result.outcomes == ()
    assert result.signoff is None


def test_the_policy_approves_for_the_client_and_the_audit_trail_names_it() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "w2"], by=MAX)
    portal = w.store.get_portal("acme-web")
    assert portal is not None
    result = w.service.approvals.policy_approve(
        portal, {ItemRef(ItemKind.ENTRY, "w1"): 1, ItemRef(ItemKind.ENTRY, "w2"): 0}
    )
    assert [(o.entry_id, o.applied) for o in result.outcomes] == [("w1", True), ("w2", False)]
    last = w.service.approvals.history("w1")[-1]
    assert last.actor.party is Party.POLICY


def test_the_policy_cannot_approve_where_the_portal_lets_nobody_approve() -> None:
    w = service_world(
        portals=(acme_portal(settings=evolve(acme_portal().settings, approval=False)),)
    )
    portal = w.store.get_portal("acme-web")
    assert portal is not None
    with pytest.raises(WorkflowError, match="does not let its client approve"):
        w.service.approvals.policy_approve(portal, {ItemRef(ItemKind.ENTRY, "w1"): 0})


def test_reopened_items_sent_back_reach_the_client_with_the_reason_as_a_note() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=MAX)
    anna = visit_as(w.service, "anna")
    w.service.approvals.client_approve(anna, ["w1"])
    assert not w.service.approvals.is_editable("w1")
    result = w.service.approvals.reopen(
        ["w1"], by=MAX, reason="The hours were booked twice", send_back=True
    )
    (outcome,) = result.outcomes
    assert outcome.applied
    assert outcome.state is not None
    assert outcome.state.status is ApprovalStatus.PENDING_EXTERNAL
    noted = [m for m in mails(w.store) if "The hours were booked twice" in text_of(m)]
    assert sorted(m["To"].addresses[0].username for m in noted) == ["anna", "bob"]
    assert all("A note from Example Co:" in text_of(m) for m in noted)


def test_reopening_without_send_back_leaves_the_items_open_and_editable() -> None:
    w = service_world()
    w.service.approvals.submit(["w1"], by=MAX)
    w.service.approvals.client_approve(visit_as(w.service, "anna"), ["w1"])
    w.service.approvals.reopen(["w1"], by=MAX, reason="Wrong project")
    assert w.service.approvals.is_editable("w1")
    assert not w.service.approvals.is_editable("no-such-entry")


def test_a_period_sign_off_goes_through_only_while_it_is_what_was_shown() -> None:
    w = service_world()
    w.service.approvals.submit(["w1", "w2"], by=MAX)
    anna = visit_as(w.service, "anna")
    first, last = DAY0, DAY0 + dt.timedelta(days=1)
    shown = period_digest({ItemRef.entry("w1"): 1, ItemRef.entry("w2"): 1})
    w.service.approvals.submit(["w3"], by=MAX)  # dated day 1: the period changed
    with pytest.raises(PeriodChanged, match="not what they were shown"):
        w.service.approvals.client_sign_off(anna, start=first, end=last, seen=shown)
    assert not w.store.signoffs("acme-web")
    now = period_digest({ItemRef.entry(i): 1 for i in ("w1", "w2", "w3")})
    result = w.service.approvals.client_sign_off(anna, start=first, end=last, seen=now)
    assert sorted(o.entry_id for o in result.applied) == ["w1", "w2", "w3"]


def test_the_digest_of_a_period_ignores_order_and_names_versions() -> None:
    one = {ItemRef.entry("a"): 1, ItemRef.trip("a"): 2}
    assert period_digest(one) == period_digest(dict(reversed(list(one.items()))))
    assert period_digest(one) != period_digest({ItemRef.entry("a"): 2, ItemRef.trip("a"): 2})
