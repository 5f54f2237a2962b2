"""The reminder policy never approves for a contact it did not warn, and never forgets items a
contact took their decision back on (found by review)."""

from __future__ import annotations

import attrs

from clientportal import ApprovalStatus
from clientportal.service.reminders import ReminderReport
from service.test_reminders import asked, utc
from worlds import OPEN_ON_WEB, visit_as


def _statuses(w: object) -> set[ApprovalStatus]:
    store = w.store  # type: ignore[attr-defined]
    return {s.status for s in store.approval_states(frozenset(OPEN_ON_WEB)).values()}


def test_no_auto_approval_without_the_warning_even_when_no_worker_ran_in_its_window() -> None:
    w = asked()
    # No worker ran during the warning window; one comes back after the approval's time: it
    # warns now, and approves only the full notice (2 days) later.
    late = w.run(utc(3, 12, 9))
    assert late.warnings == 2
    assert late.auto_approved == 0
    assert _statuses(w) == {ApprovalStatus.PENDING_EXTERNAL}
    assert w.run(utc(3, 13, 9)).auto_approved == 0
    assert w.run(utc(3, 14, 9, 1)).auto_approved == len(OPEN_ON_WEB)
    assert _statuses(w) == {ApprovalStatus.APPROVED}


def test_items_the_contact_undid_are_reminded_and_approved_again() -> None:
    w = asked()
    anna = visit_as(w.service, "anna")
    w.clock.set(utc(3, 2, 10))
    w.service.approvals.client_approve(anna, OPEN_ON_WEB)
    w.clock.set(utc(3, 2, 10, 5))
    assert len(w.service.approvals.client_undo(anna, OPEN_ON_WEB).applied) == len(OPEN_ON_WEB)
    total = ReminderReport()
    for day in range(3, 20):
        total += w.run(utc(3, day, 9))
    assert total.reminders > 0
    assert total.auto_approved == len(OPEN_ON_WEB)
    assert _statuses(w) == {ApprovalStatus.APPROVED}


def test_long_portal_and_contact_ids_still_make_a_valid_once_key() -> None:
    from clientportal import ApprovalPolicy, MemoryDataSource, MemoryStore, PortalService, Workflow
    from clientportal.memory import ManualClock
    from clientportal.model import Contact
    from service.test_reminders import POLICY
    from worlds import MAIL, MAX, SECRET, T0, acme_portal, service_dataset

    long_contact = "c" * 190
    data = service_dataset()
    data = attrs.evolve(
        data, contacts=(*data.contacts, Contact(long_contact, "acme", "Long", "long@acme.example"))
    )
    store = MemoryStore()
    store.put_portal(acme_portal(id="p" * 190, contact_ids=frozenset({long_contact})))
    clock = ManualClock(T0)
    service = PortalService(
        MemoryDataSource(data, store),
        store,
        mail=MAIL,
        secret_keys=[SECRET],
        clock=clock,
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        reminders=POLICY,
    )
    service.approvals.submit(OPEN_ON_WEB, by=MAX)
    clock.set(utc(3, 4, 8))
    assert service.reminders.run().reminders == 1
