"""The reminders' e-mails (``mail/reminders.py``, ``mail/reminder_notices.py``): what the contact,
the other contacts and the company read, in their languages; the company's templates; refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from clientportal import Contact, Employee, ItemKind, Portal, Project
from clientportal.mail import MailKind, MailTemplate
from clientportal.mail.messages import Recipient, Sender
from clientportal.mail.reminder_notices import StaffItem, auto_approved, staff_reminder
from clientportal.mail.reminders import Awaiting, auto_approval_warning, escalation, reminder
from clientportal.model import ApprovalStatus
from clientportal.public import PortalEntry, PortalExpense

NOW = dt.datetime(2026, 3, 4, 8, 0, tzinfo=dt.UTC)
URL = "https://portal.lumen.example/open/Zq8"
SENDER = Sender(name="Lumen BV", address="hours@lumen.example", message_id_domain="lumen.example")
OFFICE = Recipient(name="Mira Kos", address="mira@lumen.example")
PENDING = ApprovalStatus.PENDING_EXTERNAL
CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PORTAL = Portal(id="p", client_id="c1", name="Zephyr", language="en", created_at=CREATED)
RUUD = Contact(id="k1", client_id="c1", name="Ruud Visser", email="ruud@klant.example")
LOTTE = Contact(id="k2", client_id="c1", name="Lotte <b>Bakker</b>", email="lotte@klant.example")
ENTRIES = (
    PortalEntry(
        "a1",
        "p1",
        "e2",
        dt.date(2026, 3, 2),
        5400,
        "Design <i>",
        None,
        True,
        PENDING,
        1,
        None,
        None,
    ),
    PortalEntry(
        "a2", "p1", "e1", dt.date(2026, 3, 1), 3600, None, None, True, PENDING, 1, None, None
    ),
)
TRAIN = PortalExpense(
    "x1", "p1", "e1", dt.date(2026, 3, 2), Decimal("120"), "EUR", "Train", "travel", True, True,
    PENDING, 1,
)  # fmt: skip
AWAITING = Awaiting(
    ENTRIES,
    (TRAIN,),
    (),
    (Project(id="p1", client_id="c1", name="Zephyr Web"),),
    (Employee(id="e1", name="Jan Jansen"), Employee(id="e2", name="Eva Nowak")),
)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_the_reminder_digest_lists_everything_that_awaits_with_the_personal_link() -> None:
    mail = reminder(
        portal=PORTAL,
        contact=RUUD,
        awaiting=AWAITING,
        number=2,
        asked_on=dt.date(2026, 3, 2),
        portal_url=URL,
        sender=SENDER,
        now=NOW,
        link_valid_for=dt.timedelta(days=30),
    )
    assert mail.kind is MailKind.REMINDER
    assert mail.secret  # the personal link: the outbox drops the text once sent
    message = mail.message
    assert str(message["To"]) == "Ruud Visser <ruud@klant.example>"
    assert str(message["Subject"]) == "Reminder: approval awaited in Zephyr"
    body = text(message)
    assert "still await your approval (asked since Mar 2, 2026)" in body
    assert "2 time entries (2.5 hours) and 1 expense (€120.00)" in body
    assert body.index("Jan Jansen") < body.index("Eva Nowak")  # oldest first
    assert "Train" in body
    assert URL in body
    assert "works for 30 days" in body
    assert "Design &lt;i&gt;" in html(message)


def test_the_escalation_names_who_was_asked_and_goes_to_the_other_contact() -> None:
    mail = escalation(
        portal=PORTAL,
        contact=LOTTE,
        asked=RUUD,
        awaiting=AWAITING,
        asked_on=dt.date(2026, 3, 2),
        portal_url=URL,
        sender=SENDER,
        now=NOW,
    )
    assert mail.kind is MailKind.REMINDER_ESCALATION
    assert "lotte@klant.example" in str(mail.message["To"])
    assert "Ruud Visser was asked on Mar 2, 2026 to approve" in text(mail.message)
    assert str(mail.message["Subject"]) == "Still unanswered: approval in Zephyr"
    assert "<b>Bakker" not in html(mail.message)  # names are escaped


def test_the_warning_says_when_the_policy_approves_in_the_portal_language_and_zone() -> None:
    polish = Portal(id="p", client_id="c1", name="Zephyr", language="pl", created_at=CREATED)
    mail = auto_approval_warning(
        portal=polish,
        contact=RUUD,
        awaiting=AWAITING,
        approve_at=dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC),
        time_zone=AMSTERDAM,
        portal_url=URL,
        sender=SENDER,
        now=NOW,
    )
    assert mail.kind is MailKind.AUTO_APPROVAL_WARNING
    assert mail.language == "pl"
    body = text(mail.message)
    assert "zostaną automatycznie zaakceptowane" in body
    assert "10 marca 2026 09:00 (Europe/Amsterdam)" in body  # 08:00 UTC is 09:00 there
    assert "Lumen BV" in body


def test_a_company_template_words_the_reminder() -> None:
    template = MailTemplate.create(
        kind=MailKind.REMINDER,
        subject="Nog {{ entry_count }} open ({{ reminder_number }})",
        body="Beste {{ contact_name }}, sinds {{ asked_since }}: {{ item_summary }}\n"
        "{{ portal_url }}",
    )
    mail = reminder(
        portal=PORTAL,
        contact=RUUD,
        awaiting=AWAITING,
        number=3,
        asked_on=dt.date(2026, 3, 2),
        portal_url=URL,
        sender=SENDER,
        now=NOW,
        template=template,
    )
    assert mail.custom_template
    assert str(mail.message["Subject"]) == "Nog 2 open (3)"
    assert URL in text(mail.message)


def test_the_staff_digest_and_the_policy_notice_are_in_the_company_language() -> None:
    items = [
        StaffItem(
            kind=ItemKind.ENTRY,
            id="w1",
            date=dt.date(2026, 3, 2),
            employee="Eva",
            project="Web",
            worth="7,5 uur",
            since=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        )
    ]
    digest = staff_reminder(
        items=items,
        total=3,
        recipients=[OFFICE],
        sender=SENDER,
        now=NOW,
        locale="nl",
        time_zone=AMSTERDAM,
    )
    assert digest.kind is MailKind.STAFF_REMINDER
    assert not digest.secret
    assert str(digest.message["Subject"]) == "Wachten op goedkeuring door medewerkers: 3"
    body = text(digest.message)
    assert "Eva" in body
    assert "7,5 uur" in body
    notice = auto_approved(
        portal=PORTAL,
        awaiting=AWAITING,
        recipients=[OFFICE],
        sender=SENDER,
        now=NOW,
        locale="de",
    )
    assert str(notice.message["To"]) == "Mira Kos <mira@lumen.example>"
    assert "durch die Erinnerungsregel automatisch freigegeben" in text(notice.message)


def test_empty_digests_and_bad_numbers_are_refused() -> None:
    nothing = Awaiting()
    common = {"portal": PORTAL, "contact": RUUD, "sender": SENDER, "now": NOW, "portal_url": URL}
    with pytest.raises(ValueError, match="at least one entry"):
        reminder(awaiting=nothing, number=1, asked_on=dt.date(2026, 3, 2), **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="1 or more"):
        reminder(awaiting=AWAITING, number=0, asked_on=dt.date(2026, 3, 2), **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs at least one item"):
        staff_reminder(
            items=[], total=0, recipients=[OFFICE], sender=SENDER, now=NOW, locale="en",
            time_zone=AMSTERDAM,
        )  # fmt: skip
    with pytest.raises(ValueError, match="needs a recipient"):
        auto_approved(
            portal=PORTAL, awaiting=AWAITING, recipients=[], sender=SENDER, now=NOW, locale="en"
        )
