"""Approval through the service: the client's decisions and the staff's actions, bulk outcomes,
optimistic concurrency (changed meanwhile, never overwritten), the audit trail, and the e-mails
queued in the same transaction (one approval request per contact and portal, the company told
about a client's decision)."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Sequence
from email.message import EmailMessage

import pytest
from attrs import evolve

from clientportal import (
    AccessMode,
    ApprovalPolicy,
    ApprovalStatus,
    CodeExpired,
    InvalidCsrfToken,
    InvalidToken,
    MemoryDataSource,
    MemoryStore,
    ValidationError,
    Workflow,
    WorkflowError,
)
from clientportal.ports import ApprovalChange, EntryQuery, OutboxMessage
from clientportal.service import Outcome, PortalService, Visit
from clientportal.workflow import Action, Actor, Party
from test_service_world import (
    EVA,
    MAIL,
    MAX,
    SECRET,
    acme_portal,
    dataset,
    make_world,
)

WEB = ["w1", "w2", "w3", "w4", "w5", "w6"]


def visit_as(service: PortalService, contact_id: str | None, portal_id: str = "acme-web") -> Visit:
    issued = service.links.issue(portal_id, contact_id)
    opening = service.access.open(issued.token, client="203.0.113.9")
    assert opening.session is not None
    return service.access.check_session(opening.session.value, client="203.0.113.9")


def mails(store: MemoryStore) -> list[EmailMessage]:
    return [
        email.message_from_bytes(m.message, policy=email.policy.default) for m in store.pending()
    ]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


# --------------------------------------------------------------------------------------------------
# Submitting asks the client: one e-mail per contact and portal


def test_submit_puts_hours_before_the_client_with_one_email_per_contact() -> None:
    w = make_world()
    result = w.service.approvals.submit(WEB, by=EVA)
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
    assert "https://portal.example.com/portal/acme-web" in text_of(anna)
    assert "Submitted by: Eva" in text_of(anna)
    assert len({m["Message-ID"] for m in sent}) == 2


def test_a_contact_on_two_portals_is_asked_once_per_portal_and_sees_only_that_portal() -> None:
    second = acme_portal(id="acme-all", name="Acme all", project_ids={"web", "app"},
                         contact_ids={"anna"})  # fmt: skip
    w = make_world(portals=(acme_portal(), second))
    assert w.service.approvals.submit(
        ["w1", "a1", "a2"], by=Actor(Party.EMPLOYEE, "tom")
    ).all_applied
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
    w = make_world(portals=(off,))
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    assert mails(w.store) == []
    assert "nobody was asked" in caplog.text


def test_internal_then_external_forwarding_asks_the_client_after_the_manager() -> None:
    policy = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)
    w = make_world(policy=policy)
    assert w.service.approvals.submit(["w1", "w3"], by=EVA).all_applied
    assert mails(w.store) == []  # waiting for the manager
    result = w.service.approvals.approve(["w1", "w3"], by=MAX)
    assert [o.state.status for o in result.applied if o.state] == [
        ApprovalStatus.PENDING_EXTERNAL
    ] * 2
    assert len(mails(w.store)) == 2
    assert "Submitted by: Max Manager" in text_of(mails(w.store)[0])


def test_nobody_approves_their_own_hours() -> None:
    policy = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL)
    w = make_world(policy=policy)
    w.service.approvals.submit(["w1"], by=EVA)
    result = w.service.approvals.approve(["w1"], by=Actor(Party.MANAGER, "eva"))
    assert result.not_allowed[0].why is not None
    assert "own hours" in result.not_allowed[0].why


# --------------------------------------------------------------------------------------------------
# The client decides


def test_client_approves_in_bulk_and_the_company_is_told() -> None:
    w = make_world()
    w.service.approvals.submit(WEB, by=EVA)
    before = {m.id for m in w.store.pending()}
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, ["w1", "w2", "w3"])
    assert [o.outcome for o in result.outcomes] == [Outcome.APPLIED] * 3
    assert all(o.state and o.state.status is ApprovalStatus.APPROVED for o in result.outcomes)
    new = [m for m in w.store.pending() if m.id not in before]
    assert len(new) == 1
    notice = mails_of(new)[0]
    assert notice["To"] == "Office <office@example.com>, boss@example.com"
    assert "anna@acme.example" in str(notice["Reply-To"])
    assert "approved 3 time entries" in str(notice["Subject"])
    history = w.service.approvals.history("w1")
    assert [e.action for e in history] == [Action.SUBMIT, Action.APPROVE]
    assert history[-1].actor == Actor(Party.CLIENT, "anna")
    awaiting = w.service.pages.awaiting_approval(anna)
    assert [e.id for e in awaiting.entries] == ["w5", "w6", "w4"]


def test_a_notice_about_many_entries_lists_the_first_and_counts_them_all() -> None:
    w = make_world(extra_entries=40, mail=evolve(MAIL, listed_entries=5))
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


def mails_of(messages: Sequence[OutboxMessage]) -> list[EmailMessage]:
    return [email.message_from_bytes(m.message, policy=email.policy.default) for m in messages]


def test_client_rejects_with_a_reason_that_reaches_the_company() -> None:
    w = make_world()
    w.service.approvals.submit(WEB, by=EVA)
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


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_without_reason_is_refused_and_changes_nothing(reason: str) -> None:
    w = make_world()
    w.service.approvals.submit(["w1"], by=EVA)
    anna = visit_as(w.service, "anna")
    with pytest.raises(ValidationError, match="needs a reason"):
        w.service.approvals.client_reject(anna, ["w1"], reason=reason)
    assert len(w.service.approvals.history("w1")) == 1


def test_entries_outside_the_portal_are_not_found_and_not_pending_are_not_allowed() -> None:
    w = make_world()
    w.service.approvals.submit(["w1", "a1"], by=Actor(Party.MANAGER, "max"))
    w.service.approvals.submit(["g1"], by=Actor(Party.EMPLOYEE, "sam"))
    anna = visit_as(w.service, "anna")
    result = w.service.approvals.client_approve(anna, ["a1", "g1", "nope", "w2", "w7", "w1", "w1"])
    outcomes = {o.entry_id: o.outcome for o in result.outcomes}
    assert [o.entry_id for o in result.outcomes] == ["a1", "g1", "nope", "w2", "w7", "w1"]
    assert outcomes == {
        "a1": Outcome.NOT_FOUND,  # Acme's, but not in this portal
        "g1": Outcome.NOT_FOUND,  # Globex's: looks the same as one that does not exist
        "nope": Outcome.NOT_FOUND,
        "w2": Outcome.NOT_ALLOWED,  # still open
        "w7": Outcome.NOT_ALLOWED,  # approved already
        "w1": Outcome.APPLIED,
    }
    assert result.not_found[1].why == "there is no entry 'g1' in portal 'acme-web'"
    assert w.service.approvals.history("g1")[-1].action is Action.SUBMIT  # untouched


def test_a_shared_link_and_a_portal_without_approval_cannot_decide() -> None:
    w = make_world()
    w.service.approvals.submit(["w1"], by=EVA)
    shared = visit_as(w.service, None)
    with pytest.raises(WorkflowError, match="shared"):
        w.service.approvals.client_approve(shared, ["w1"])
    w.service.admin.update_portal(
        "acme-web", settings=evolve(acme_portal().settings, approval=False)
    )
    anna = visit_as(w.service, "anna")
    with pytest.raises(WorkflowError, match="does not let its client approve"):
        w.service.approvals.client_approve(anna, ["w1"])
    assert len(w.service.approvals.history("w1")) == 1


def test_the_client_may_only_approve_or_reject() -> None:
    w = make_world()
    anna = visit_as(w.service, "anna")
    w.service.approvals.submit(["w1"], by=EVA)
    before = w.service.approvals.history("w1")
    # The workflow is the one place that says who may take a step: a client never reopens.
    result = w.service.approvals.client_decide(anna, Action.REOPEN, ["w1"], reason="x")
    [refused] = result.not_allowed
    assert refused.entry_id == "w1"
    assert "CLIENT may not REOPEN" in (refused.why or "")
    assert w.service.approvals.history("w1") == before
    with pytest.raises(ValidationError, match="no entries given"):
        w.service.approvals.client_approve(anna, [])
    with pytest.raises(ValidationError, match="single string"):
        w.service.approvals.client_approve(anna, "w1")


# --------------------------------------------------------------------------------------------------
# Optimistic concurrency


def test_a_decision_on_a_stale_version_is_changed_meanwhile() -> None:
    w = make_world()
    w.service.approvals.submit(["w1", "w3"], by=EVA)
    anna = visit_as(w.service, "anna")
    seen = {e.id: e.version for e in w.service.pages.awaiting_approval(anna).entries}
    w.service.approvals.withdraw(["w1"], by=EVA)  # somebody moves w1 on after Anna loaded the page
    w.service.approvals.submit(["w1"], by=EVA)
    result = w.service.approvals.client_approve(anna, ["w1", "w3"], versions=seen)
    assert [o.outcome for o in result.outcomes] == [Outcome.CHANGED_MEANWHILE, Outcome.APPLIED]
    assert w.service.approvals.history("w1")[-1].action is Action.SUBMIT  # not overwritten


class RacingStore(MemoryStore):
    """A store where another decider gets in first, once, on ``victims``."""

    def __init__(self, victims: set[str]) -> None:
        super().__init__()
        self.victims = victims
        self.calls: list[list[str]] = []
        self.outboxes: list[int] = []

    def apply_changes(
        self, changes: Sequence[ApprovalChange], outbox: Sequence[OutboxMessage] = ()
    ) -> None:
        self.calls.append([c.entry_id for c in changes])
        self.outboxes.append(len(outbox))
        victims, self.victims = self.victims, set()
        if victims:
            # Bob's decision lands first: each victim moves on one version.
            super().apply_changes(
                [
                    evolve(c, state=evolve(c.state, reason="bob was first"))
                    for c in changes
                    if c.entry_id in victims
                ]
            )
        super().apply_changes(changes, outbox)


def test_a_lost_race_reports_changed_meanwhile_and_stores_the_rest_once() -> None:
    store = RacingStore(set())
    service = make_world(store=store).service
    service.approvals.submit(WEB, by=EVA)
    anna = visit_as(service, "anna")
    store.victims = {"w2", "w5"}
    store.calls.clear()
    store.outboxes.clear()
    before = {m.id for m in store.pending()}
    result = service.approvals.client_approve(anna, WEB)
    assert {o.entry_id for o in result.changed_meanwhile} == {"w2", "w5"}
    assert {o.entry_id for o in result.applied} == {"w1", "w3", "w4", "w6"}
    assert store.calls == [WEB, ["w1", "w3", "w4", "w6"]]
    assert store.outboxes == [1, 1]  # the notice was built again for what was left
    [notice] = mails_of([m for m in store.pending() if m.id not in before])
    assert "approved 4 time entries" in str(notice["Subject"])
    # Bob's decision stands: Anna's did not overwrite it
    assert store.approval_states(frozenset({"w2"}))["w2"].reason == "bob was first"
    assert len(store.history("w2")) == 2


def test_eight_threads_deciding_the_same_entries_each_entry_decided_once() -> None:
    w = make_world(extra_entries=120)
    ids = [e.id for e in w.service.pages.hours(acme_portal(), EntryQuery(limit=1000)).entries]
    ids = [i for i in ids if i != "w7"]
    assert w.service.approvals.submit(ids, by=MAX).all_applied
    visits = [visit_as(w.service, "anna" if i % 2 else "bob") for i in range(8)]
    results = []
    barrier = threading.Barrier(8)

    def decide(n: int) -> None:
        barrier.wait()
        order = ids[n:] + ids[:n]
        if n % 2:
            results.append(w.service.approvals.client_approve(visits[n], order))
        else:
            results.append(
                w.service.approvals.client_reject(visits[n], order, reason=f"thread {n}")
            )

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    applied = [o.entry_id for r in results for o in r.applied]
    assert sorted(applied) == sorted(ids)  # every entry decided exactly once
    for entry_id in ids:
        history = w.service.approvals.history(entry_id)
        assert [e.after.version for e in history] == [1, 2]
        assert history[0].after == history[1].before


# --------------------------------------------------------------------------------------------------
# The staff's actions


def test_staff_actions_follow_the_workflow_and_keep_the_audit_trail() -> None:
    w = make_world()
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    assert w.service.approvals.withdraw(["w1"], by=EVA).all_applied
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    anna = visit_as(w.service, "anna")
    assert w.service.approvals.client_approve(anna, ["w1"]).all_applied
    with pytest.raises(ValidationError, match="needs a reason"):
        w.service.approvals.reopen(["w1"], by=MAX, reason="")
    assert w.service.approvals.reopen(["w1"], by=MAX, reason="wrong project").all_applied
    actions = [e.action for e in w.service.approvals.history("w1")]
    assert actions == [Action.SUBMIT, Action.WITHDRAW, Action.SUBMIT, Action.APPROVE, Action.REOPEN]
    refused = w.service.approvals.approve(["w2"], by=MAX)
    assert refused.not_allowed[0].entry_id == "w2"


def test_staff_actions_refuse_clients_and_submitting_without_a_policy() -> None:
    w = make_world(policy=ApprovalPolicy())
    with pytest.raises(ValidationError, match="client decides through client_decide"):
        w.service.approvals.act(Action.APPROVE, ["w1"], by=Actor(Party.CLIENT, "anna"))
    with pytest.raises(WorkflowError, match="approval is switched off"):
        w.service.approvals.submit(["w1"], by=EVA)
    result = w.service.approvals.submit_to_client(["nope"], by=MAX)
    assert result.not_found[0].why == "there is no entry 'nope' in the DataSource"


def test_access_codes_are_queued_for_the_links_contact() -> None:
    w = make_world()
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    issued = w.service.links.issue("acme-web", "anna")
    opening = w.service.access.open(issued.token, client="198.51.100.1")
    assert opening.needs_code
    assert opening.pending is not None
    expires = w.service.access.request_code(opening.pending, client="198.51.100.1").expires_at
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


def test_the_code_step_names_its_link_and_contact_and_binds_its_own_csrf_token() -> None:
    w = make_world()
    w.service.links.set_access_mode("acme-web", AccessMode.LINK_AND_CODE)
    pending: dict[str, str] = {}
    links = {}
    for contact_id in ("anna", "bob"):
        issued = w.service.links.issue("acme-web", contact_id)
        opening = w.service.access.open(issued.token, client="198.51.100.1")
        assert opening.pending is not None
        pending[contact_id], links[contact_id] = opening.pending, issued.link
    link = w.service.access.pending_link(pending["anna"])
    assert (link.id, link.portal_id, link.contact_id) == (links["anna"].id, "acme-web", "anna")
    anna = w.service.access.pending_contact(pending["anna"])
    assert anna is not None
    assert (anna.id, anna.email) == ("anna", "anna@acme.example")

    token = w.service.access.pending_csrf_token(pending["anna"])
    w.service.access.check_pending_csrf(pending["anna"], token)
    for wrong in (w.service.access.pending_csrf_token(pending["bob"]), "", None, token[:-1]):
        with pytest.raises(InvalidCsrfToken):
            w.service.access.check_pending_csrf(pending["anna"], wrong)

    for forged in ("forged.value.here", pending["anna"][:-2], 42):
        with pytest.raises(InvalidToken):
            w.service.access.pending_link(forged)
        with pytest.raises(InvalidToken):
            w.service.access.pending_contact(forged)

    # A contact the DataSource no longer lists gets no code (and no address on the page).
    without_anna = evolve(w.dataset, contacts=[c for c in w.dataset.contacts if c.id != "anna"])
    other = PortalService(
        MemoryDataSource(without_anna, w.store), w.store, mail=MAIL, secret_keys=[SECRET],
        clock=w.clock,
    )  # fmt: skip
    assert other.access.pending_contact(pending["anna"]) is None
    assert other.access.pending_contact(pending["bob"]) is not None

    w.clock.advance(w.service.access.policy.pending_lifetime)
    with pytest.raises(CodeExpired):
        w.service.access.pending_link(pending["anna"])


def test_dataset_entries_of_the_world() -> None:
    assert {e.id for e in dataset().entries} >= set(WEB)
