"""Who is asked about which item (``service/notify.py``: ``Notifier.audiences``, ``unasked``,
``warn_unasked``; ``service/approvals.py``): coverage is worked out per item, its kind and id,
with each portal's scope, not per project. A portal is asked only about the items it shows its
client (the ones its client can then decide on); an item that awaits the client though no portal
shows it to a contact is logged as "nobody was asked", naming its kind and id, and its applied
outcome says so to the staff.

Through the whole service over ``MemoryDataSource`` and ``MemoryStore``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from attrs import evolve

from clientportal import (
    ApprovalStatus,
    Expense,
    ItemKind,
    ItemRef,
    MemoryDataSource,
    MemoryStore,
    Portal,
    PortalSettings,
    Trip,
)
from clientportal.errors import ChangedMeanwhile
from clientportal.ports import ApprovalChange, NewEvent, OutboxMessage
from clientportal.service import DecisionResult, Outcome
from clientportal.service.decision_items import nobody_asked_why
from worlds import (
    APPROVING,
    DAY0,
    EVA,
    MAX,
    ServiceWorld,
    acme_portal,
    mails,
    service_dataset,
    service_world,
    text_of,
    visit_as,
)

LICENCE = ItemRef.expense("x2")
LUNCH = ItemRef.expense("x3")  # not billable
VISIT = ItemRef.trip("t1")

EXPENSES = (
    Expense("x2", "web", "tom", DAY0, Decimal("30.50"), "USD", description="Licence"),
    Expense("x3", "web", "eva", DAY0, Decimal("15"), "EUR", description="Lunch", billable=False),
)
TRIPS = (Trip("t1", "web", "eva", DAY0 + dt.timedelta(days=1), Decimal("45.5"), "Site visit"),)

#: Every kind shown, non-billable expenses and trips not (as PortalSettings has it by default).
COSTS = evolve(APPROVING, show_expenses=True, show_trips=True)
#: Hours alone, every project of Acme's.
HOURS = acme_portal(
    id="acme-hours", name="Acme hours", project_ids={"web", "app"}, contact_ids={"bob"}
)

NOBODY = "nobody was asked"


def world(*portals: Portal, store: MemoryStore | None = None) -> ServiceWorld:
    """The service world with Acme's expenses and trips on project web, and ``portals``."""
    data = evolve(service_dataset(extra_entries=25), expenses=EXPENSES, trips=TRIPS)
    store = MemoryStore() if store is None else store
    return service_world(
        portals=portals, data=data, source=MemoryDataSource(data, store), store=store
    )


def acme(settings: PortalSettings) -> Portal:
    """Acme's portal on project web, for Anna and Bob, with ``settings``."""
    return acme_portal(settings=settings)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "clientportal.service" and r.levelno == logging.WARNING
    ]


def statuses(result: DecisionResult) -> list[tuple[ItemKind, str, ApprovalStatus | None]]:
    return [(o.kind, o.entry_id, o.state.status if o.state else None) for o in result.outcomes]


# --------------------------------------------------------------------------------------------------
# Items no portal shows: nobody is asked, and the staff hear of it


def test_a_non_billable_expense_no_portal_shows_is_named_as_nobody_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = world(acme(COSTS))  # shows expenses, but not the non-billable ones
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        result = w.service.approvals.submit([LUNCH], by=EVA)
    assert statuses(result) == [(ItemKind.EXPENSE, "x3", ApprovalStatus.PENDING_EXTERNAL)]
    assert mails(w.store) == []
    [warning] = warnings_of(caplog)
    assert NOBODY in warning
    assert "expense 'x3' (project 'web')" in warning
    # The staff learn it from the step's result too, with what to do.
    [applied] = result.applied
    assert applied.why == nobody_asked_why(EXPENSES[1])
    assert "show_expenses and show_non_billable_amounts on" in (applied.why or "")
    assert "withdraw the expense" in (applied.why or "")
    # Nobody was asked because nobody can decide: the portal does not show the lunch.
    anna = visit_as(w.service, "anna")
    assert [o.outcome for o in w.service.approvals.client_approve(anna, [LUNCH]).outcomes] == [
        Outcome.NOT_FOUND
    ]


def test_a_portal_that_shows_the_non_billable_expense_is_asked_about_it_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shows_all = acme_portal(
        id="acme-all",
        name="Acme all",
        contact_ids={"anna"},
        settings=evolve(COSTS, show_non_billable_amounts=True),
    )
    w = world(acme(COSTS), shows_all)
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        result = w.service.approvals.submit([LUNCH], by=EVA)
    assert result.all_applied
    assert result.applied[0].why is None
    assert warnings_of(caplog) == []
    [request] = mails(w.store)
    assert str(request["To"]) == "Anna de Vries <anna@acme.example>"
    assert str(request["Subject"]).strip().endswith(": Acme all")
    assert "Lunch" in text_of(request)
    anna = visit_as(w.service, "anna", "acme-all")
    assert w.service.approvals.client_approve(anna, [LUNCH]).all_applied


def test_hours_a_portal_does_not_show_are_not_covered_by_its_expenses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Approval on, expenses shown, hours not: the portal lets its client approve, but not hours.
    w = world(acme(evolve(COSTS, show_hours=False, show_trips=False)))
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        result = w.service.approvals.submit(["w1"], by=EVA)
    assert statuses(result) == [(ItemKind.ENTRY, "w1", ApprovalStatus.PENDING_EXTERNAL)]
    assert mails(w.store) == []
    [warning] = warnings_of(caplog)
    assert NOBODY in warning
    assert "entry 'w1' (project 'web')" in warning
    assert "show_hours on" in (result.applied[0].why or "")


def test_in_one_batch_the_shown_kind_is_asked_about_and_the_hidden_one_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = world(acme(evolve(COSTS, show_hours=False)))
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        result = w.service.approvals.submit(["w1", LICENCE, VISIT], by=MAX)
    assert result.all_applied
    assert [o.why is None for o in result.outcomes] == [False, True, True]
    sent = mails(w.store)
    assert len(sent) == 2  # Anna and Bob, about the licence and the visit
    for request in sent:
        text = text_of(request)
        assert "1 expense ($30.50) and 1 trip (45.5 km) in the portal" in text
        assert "time entr" not in text
    [warning] = warnings_of(caplog)
    assert "1 item(s)" in warning
    assert "entry 'w1'" in warning
    assert "expense" not in warning
    assert "trip" not in warning


def test_expenses_a_portal_does_not_show_are_not_covered_by_its_hours(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = world(acme(APPROVING))  # approval on, hours shown, expenses and trips not
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        result = w.service.approvals.submit(["w1", LICENCE, VISIT], by=MAX)
    assert result.all_applied
    assert [o.why is None for o in result.outcomes] == [True, False, False]
    assert "show_expenses on" in (result.outcomes[1].why or "")
    assert "show_trips on" in (result.outcomes[2].why or "")
    sent = mails(w.store)
    assert len(sent) == 2
    for request in sent:
        text = text_of(request)
        assert "1 time entry (7.5 hours) in the portal Acme website is awaiting" in text
        assert "Licence" not in text
        assert "Site visit" not in text
    [warning] = warnings_of(caplog)
    assert "2 item(s)" in warning
    assert "expense 'x2' (project 'web'), trip 't1' (project 'web')" in warning
    anna = visit_as(w.service, "anna")
    refused = w.service.approvals.client_approve(anna, [LICENCE, VISIT])
    assert [o.outcome for o in refused.outcomes] == [Outcome.NOT_FOUND] * 2


def test_the_warning_names_the_first_twenty_and_counts_them_all(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = world(acme(evolve(COSTS, show_hours=False)))
    ids = [f"x{i:05d}" for i in range(25)]
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        assert w.service.approvals.submit(ids, by=MAX).all_applied
    [warning] = warnings_of(caplog)
    assert warning.startswith("25 item(s) now await the client's approval")
    assert "entry 'x00019'" in warning
    assert "'x00020'" not in warning
    assert warning.endswith(" and 5 more")


class RacingStore(MemoryStore):
    """A store where somebody else gets in first, once, on the time entry ``victim``."""

    victim: str | None = None

    def apply_changes(
        self,
        changes: Sequence[ApprovalChange],
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
        **written: Any,
    ) -> None:
        victim, self.victim = self.victim, None
        if victim is not None and any(c.entry_id == victim for c in changes):
            raise ChangedMeanwhile([victim], kinds=[ItemKind.ENTRY.value])
        super().apply_changes(changes, outbox, events, **written)


def test_only_the_items_stored_are_named(caplog: pytest.LogCaptureFixture) -> None:
    store = RacingStore()
    w = world(acme(evolve(COSTS, show_hours=False)), store=store)
    store.victim = "w1"
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        result = w.service.approvals.submit(["w1", "w3"], by=MAX)
    assert [o.outcome for o in result.outcomes] == [Outcome.CHANGED_MEANWHILE, Outcome.APPLIED]
    assert NOBODY not in (result.outcomes[0].why or "")
    assert NOBODY in (result.outcomes[1].why or "")
    [warning] = warnings_of(caplog)
    assert warning.startswith("1 item(s)")
    assert "entry 'w3'" in warning
    assert "'w1'" not in warning


# --------------------------------------------------------------------------------------------------
# A covered batch of every kind: one e-mail per contact, listing what their portal shows


def test_a_mixed_batch_asks_each_contact_about_exactly_what_their_portal_shows(
    caplog: pytest.LogCaptureFixture,
) -> None:
    every_kind = acme_portal(
        contact_ids={"anna"}, settings=evolve(COSTS, show_non_billable_amounts=True)
    )
    w = world(every_kind, HOURS)
    batch: list[str | ItemRef] = ["w1", "a1", LICENCE, LUNCH, VISIT]
    with caplog.at_level(logging.WARNING, logger="clientportal.service"):
        result = w.service.approvals.submit(batch, by=MAX)
    assert result.all_applied
    assert all(o.why is None for o in result.outcomes)
    assert warnings_of(caplog) == []
    sent = {str(m["To"]): m for m in mails(w.store)}
    assert sorted(sent) == ["Anna de Vries <anna@acme.example>", "Bob Jones <bob@acme.example>"]
    anna = sent["Anna de Vries <anna@acme.example>"]
    assert str(anna["Subject"]).strip() == "Hours and costs awaiting your approval: Acme website"
    text = text_of(anna)
    assert "1 time entry (7.5 hours), 2 expenses" in text
    assert "and 1 trip (45.5 km) in the portal Acme website" in text
    assert all(shown in text for shown in ("Licence", "Lunch", "Site visit"))
    assert "\nWebsite  7.5 hours" in text
    assert "\nApp " not in text  # project app is not in her portal
    bob = sent["Bob Jones <bob@acme.example>"]
    assert str(bob["Subject"]).strip() == "Hours awaiting your approval: Acme hours"
    text = text_of(bob)
    assert "2 time entries (11.5 hours) in the portal Acme hours are awaiting" in text
    assert "\nApp " in text
    assert "\nWebsite " in text
    assert not any(hidden in text for hidden in ("Licence", "Lunch", "Site visit", "expense"))
    # Each contact can decide on exactly what they were asked about.
    decided = w.service.approvals.client_approve(visit_as(w.service, "anna"), batch)
    assert [o.outcome is Outcome.APPLIED for o in decided.outcomes] == [
        True,
        False,
        True,
        True,
        True,
    ]
    by_bob = w.service.approvals.client_approve(visit_as(w.service, "bob", "acme-hours"), batch)
    assert [o.outcome is Outcome.APPLIED for o in by_bob.outcomes] == [
        False,  # w1: Anna approved it first
        True,
        False,
        False,
        False,
    ]
