"""The e-mails about expenses and trips (``mail/messages.py``, ``mail/content.py``,
``mail/items.py``): approval requests and the company's notices list every kind of item, a
section per kind, as the portal shows it; the custom templates can use them.

The e-mails about hours alone are tested in ``test_messages.py`` (they read as they always did).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.message import EmailMessage

import pytest
from attrs import evolve

from clientportal import Contact, Employee, Portal, Project
from clientportal.mail import MailKind, MailTemplate
from clientportal.mail.messages import (
    Mail,
    Recipient,
    Sender,
    approval_requested,
    entries_approved,
    entries_rejected,
)
from clientportal.model import ApprovalStatus
from clientportal.public import PortalEntry, PortalExpense, PortalTrip

NOW = dt.datetime(2025, 2, 3, 9, 30, tzinfo=dt.UTC)
URL = "https://portal.lumen.example/p/Zq8"
SENDER = Sender(name="Lumen BV", address="hours@lumen.example", message_id_domain="lumen.example")
ADMIN = Recipient(name="Mira Kos", address="mira@lumen.example")
PROJECTS = (Project(id="p1", client_id="c1", name="Zephyr Web"),)
EMPLOYEES = (Employee(id="e1", name="Jan Jansen"), Employee(id="e2", name="Eva Novak"))
CONTACT = Contact(id="k1", client_id="c1", name="Ruud Visser", email="ruud@klant.example")
PENDING = ApprovalStatus.PENDING_EXTERNAL

ENTRY = PortalEntry(
    "a1", "p1", "e2", dt.date(2025, 1, 27), 5400, "Design", None, True, PENDING, 1, None, None
)
TRAIN = PortalExpense(
    "x1", "p1", "e1", dt.date(2025, 1, 28), Decimal("120"), "EUR", "Train", "travel", True, True,
    PENDING, 1,
)  # fmt: skip
LICENCE = PortalExpense(
    "x2", "p1", "e2", dt.date(2025, 1, 29), Decimal("30.5"), "USD", None, None, True, False,
    PENDING, 1,
)  # fmt: skip
VISIT = PortalTrip(
    "t1", "p1", "e1", dt.date(2025, 1, 30), Decimal("45.5"), "Site visit", "Utrecht", "Delft",
    True, PENDING, 1, Decimal("0.23"), Decimal("10.47"), "EUR",
)  # fmt: skip
#: A trip as a portal without amounts shows it: distance only.
DRIVE = PortalTrip(
    "t2", "p1", "e2", dt.date(2025, 1, 31), Decimal("12"), None, None, None, True, PENDING, 1,
    None, None, None,
)  # fmt: skip


def portal(language: str = "en") -> Portal:
    return Portal.create(
        id="po1",
        client_id="c1",
        name="Zephyr",
        projects=PROJECTS,
        created_at=NOW,
        language=language,
        contact_ids={"k1"},
    )


def request(**changes: object) -> Mail:
    arguments: dict[str, object] = {
        "portal": portal(),
        "contact": CONTACT,
        "entries": (ENTRY,),
        "expenses": (TRAIN, LICENCE),
        "trips": (VISIT,),
        "projects": PROJECTS,
        "employees": EMPLOYEES,
        "submitted_by": "Jan Jansen",
        "portal_url": URL,
        "link_valid_for": dt.timedelta(days=30),
        "sender": SENDER,
        "now": NOW,
    }
    arguments.update(changes)
    return approval_requested(**arguments)  # type: ignore[arg-type]


def notice(reason: str | None = "Too much", **changes: object) -> Mail:
    arguments: dict[str, object] = {
        "portal": portal(),
        "contact": CONTACT,
        "entries": (ENTRY,),
        "expenses": (TRAIN, LICENCE),
        "trips": (VISIT,),
        "projects": PROJECTS,
        "employees": EMPLOYEES,
        "recipients": [ADMIN],
        "sender": SENDER,
        "now": NOW,
        "locale": "en",
    }
    arguments.update(changes)
    if reason is None:
        return entries_approved(**arguments)  # type: ignore[arg-type]
    return entries_rejected(reason=reason, **arguments)  # type: ignore[arg-type]


def text_of(mail: Mail) -> str:
    part = mail.message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def html_of(mail: Mail) -> str:
    part = mail.message.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def subject(mail: Mail) -> str:
    return str(mail.message["Subject"])


# --------------------------------------------------------------------------------------------------
# Approval requests


def test_a_request_lists_the_hours_the_expenses_and_the_trips() -> None:
    mail = request()
    assert subject(mail) == "Hours and costs awaiting your approval: Zephyr"
    text = text_of(mail)
    assert (
        "1 time entry (1.5 hours), 2 expenses (€120.00 + $30.50), and 1 trip (45.5 km) in the "
        "portal Zephyr are awaiting your approval." in text
    )
    assert "Period: Jan 27\u2009–\u200930, 2025" in text
    assert "Zephyr Web  1.5 hours" in text  # the hours per project, as before
    assert "Jan 28, 2025  Jan Jansen  Zephyr Web  Train                 €120.00\n" in text
    assert "Jan 29, 2025  Eva Novak   Zephyr Web  –                      $30.50\n" in text
    assert "Total                                              €120.00 + $30.50\n" in text
    assert "Site visit (Utrecht → Delft)   45.5 km  €10.47\n" in text
    assert text.index("Hours per project") < text.index("Expenses") < text.index("Trips")
    assert "Review in the portal\n" + URL in text
    assert "<th" in html_of(mail)
    assert "Site visit (Utrecht → Delft)" in html_of(mail)


@pytest.mark.parametrize(
    ("entries", "expenses", "trips", "expected"),
    [
        ((), (TRAIN,), (), "Expenses awaiting your approval: Zephyr"),
        ((), (), (DRIVE,), "Trips awaiting your approval: Zephyr"),
        ((), (TRAIN,), (DRIVE,), "Expenses and trips awaiting your approval: Zephyr"),
        ((ENTRY,), (), (DRIVE,), "Hours and costs awaiting your approval: Zephyr"),
        ((ENTRY,), (), (), "Hours awaiting your approval: Zephyr"),
    ],
)
def test_the_request_subject_names_the_kinds_that_wait(
    entries: tuple[PortalEntry, ...],
    expenses: tuple[PortalExpense, ...],
    trips: tuple[PortalTrip, ...],
    expected: str,
) -> None:
    assert subject(request(entries=entries, expenses=expenses, trips=trips)) == expected


def test_a_request_without_hours_has_no_hour_tables_and_trips_without_money_no_amount() -> None:
    text = text_of(request(entries=(), expenses=(), trips=(DRIVE,)))
    assert "Hours per project" not in text
    assert "1 trip (12 km) in the portal Zephyr is awaiting your approval." in text
    assert "Amount" not in text
    assert "Jan 31, 2025  Eva Novak  Zephyr Web  –               12 km\n" in text


def test_a_request_lists_the_first_rows_of_each_kind_and_counts_them_all() -> None:
    more = tuple(evolve(TRAIN, id=f"x{i}", date=dt.date(2025, 1, i)) for i in range(1, 6))
    text = text_of(request(expenses=more, max_rows=2))
    assert "5 expenses (€600.00)" in text
    assert "Showing 1–2 of 5" in text
    assert text.count("Train") == 2


def test_a_request_needs_an_item_of_some_kind() -> None:
    with pytest.raises(ValueError, match="at least one entry, expense or trip"):
        request(entries=(), expenses=(), trips=())
    with pytest.raises(ValueError, match="max_rows"):
        request(max_rows=0)


# --------------------------------------------------------------------------------------------------
# The company's notice


def test_a_rejection_notice_has_a_section_per_kind_and_the_reason() -> None:
    mail = notice()
    assert subject(mail) == "Ruud Visser rejected 1 time entry, 2 expenses, and 1 trip: Zephyr"
    text = text_of(mail)
    assert text.startswith(
        "Ruud Visser (ruud@klant.example) rejected 1 time entry, 2 expenses, and 1 trip in the "
        "portal Zephyr.\n\nReason given by Ruud Visser:\n\n> Too much\n\nHours\n\n"
    )
    assert "Jan 27, 2025  Eva Novak  Zephyr Web  1.5 hours  Design\n" in text
    assert "\n\nExpenses\n\n" in text
    assert "Jan 28, 2025  Jan Jansen  Zephyr Web  Train                 €120.00\n" in text
    assert "\n\nTrips\n\n" in text
    assert "Jan 30, 2025  Jan Jansen  Zephyr Web  Site visit (Utrecht → Delft)   45.5 km" in text
    assert "The items are marked as rejected. Correct them and submit them again" in text
    assert mail.kind is MailKind.ENTRIES_REJECTED


def test_an_approval_notice_of_expenses_alone_names_only_expenses() -> None:
    mail = notice(None, entries=(), trips=())
    assert subject(mail) == "Ruud Visser approved 2 expenses: Zephyr"
    text = text_of(mail)
    assert "\nHours\n" not in text
    assert "Trips" not in text
    assert "Expenses" in text
    assert "Licence" not in text  # the portal showed no description: neither does the notice


def test_a_notice_lists_the_first_rows_of_each_kind() -> None:
    text = text_of(notice(max_rows=1))
    assert "Showing 1–1 of 2" in text  # the expenses
    assert text.count("Showing") == 1  # one entry, one trip: all listed
    assert "€120.00 + $30.50" in text  # the total covers both expenses


def test_an_expense_and_an_entry_with_the_same_id_are_different_emails() -> None:
    twin = evolve(TRAIN, id="a1")
    as_entry = notice(expenses=(), trips=()).message["Message-ID"]
    with_twin = notice(expenses=(twin,), trips=()).message["Message-ID"]
    as_expense = notice(entries=(), expenses=(twin,), trips=()).message["Message-ID"]
    assert len({as_entry, with_twin, as_expense}) == 3


# --------------------------------------------------------------------------------------------------
# Custom templates


def test_a_custom_template_can_place_the_expenses_and_trips() -> None:
    template = MailTemplate.create(
        kind=MailKind.ENTRIES_APPROVED,
        subject="{{ contact_name }}: {{ item_summary }}",
        body=(
            "{{ expense_count }} expenses, {{ trip_count }} trips, {{ entry_count }} entries\n\n"
            "{{ expenses_table }}\n\n{{ trips_table }}"
        ),
    )
    mail = notice(None, template=template)
    assert mail.custom_template
    assert subject(mail) == (
        "Ruud Visser: 1 time entry (1.5 hours), 2 expenses (€120.00 + $30.50), and 1 trip (45.5 km)"
    )
    text = text_of(mail)
    assert text.startswith("2 expenses, 1 trips, 1 entries\n\n")
    assert "Train" in text
    assert "Site visit (Utrecht → Delft)" in text
    assert "<table" in html_of(mail)
    empty = text_of(notice(None, template=template, expenses=(), trips=()))
    assert empty.strip() == "0 expenses, 0 trips, 1 entries"
