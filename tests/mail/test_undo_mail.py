"""The company's notice of an undo (``mail/undo.py``): which items a contact took their decision
back on, in the company's language, never silently."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from test_messages import (
    ADMIN,
    CONTACT,
    DATA,
    EMPLOYEES,
    ENTRIES,
    NOW,
    PROJECTS,
    SENDER,
    SHARED_WITH_ENGLISH,
    html_of,
    portal,
    text_of,
    visible_html_text,
    words,
)

from clientportal import Expense
from clientportal.mail.messages import Mail
from clientportal.mail.templates import MailKind, MailTemplate
from clientportal.mail.undo import entries_undone
from clientportal.model import SUPPORTED_LANGUAGES

EXPENSE = Expense(
    id="x1",
    project_id="p1",
    employee_id="e1",
    date=dt.date(2025, 1, 29),
    amount=Decimal("42.50"),
    currency="EUR",
    description="Train ticket",
)


def undone(language: str = "en", **changes: object) -> Mail:
    arguments: dict[str, object] = {
        "portal": portal(language),
        "contact": CONTACT,
        "entries": ENTRIES,
        "projects": PROJECTS,
        "employees": EMPLOYEES,
        "recipients": [ADMIN],
        "sender": SENDER,
        "now": NOW,
        "locale": language,
    }
    arguments.update(changes)
    return entries_undone(**arguments)  # type: ignore[arg-type]


def test_the_notice_names_the_contact_the_items_and_what_to_do() -> None:
    mail = undone()
    assert mail.kind is MailKind.ENTRIES_UNDONE
    message = mail.message
    assert str(message["Subject"]).strip() == (
        "Ruud Visser took back their decision on 3 time entries: Zephyr"
    )
    assert message["To"] == "Mira Kos <mira@lumen.example>"
    assert "ruud@klant.example" in str(message["Reply-To"])
    text = text_of(mail)
    assert "Ruud Visser (ruud@klant.example) took back their approval or rejection" in text
    assert "do not invoice them until Ruud Visser has decided" in text
    for name in ("Jan Jansen", "Eva Novak", "Zephyr Web", "Orion"):
        assert name in text
    assert not mail.secret


def test_expenses_are_listed_in_their_own_section() -> None:
    mail = undone(entries=ENTRIES[:1], expenses=[EXPENSE])
    text = text_of(mail)
    assert "1 time entry and 1 expense" in str(mail.message["Subject"])
    assert "Expenses" in text
    assert "Train ticket" in text


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
def test_the_notice_is_written_in_the_companys_language_without_english_words(
    language: str,
) -> None:
    english_mail, mail = undone("en"), undone(language)
    english = words(text_of(english_mail) + " " + str(english_mail.message["Subject"]))
    english -= words(DATA)
    for shown in (
        text_of(mail) + " " + str(mail.message["Subject"]),
        visible_html_text(html_of(mail)),
    ):
        # French and Spanish "a" ("a annulé", "a la") is not the English article.
        leaked = (english & words(shown)) - SHARED_WITH_ENGLISH[language] - {"a"}
        assert not leaked, f"the undo notice in {language} has English words {sorted(leaked)}"
        assert "%(" not in shown
    assert mail.message["Content-Language"] == language


def test_the_same_inputs_give_the_same_message_id_and_other_items_another() -> None:
    first = undone().message["Message-ID"]
    assert undone().message["Message-ID"] == first
    assert undone(entries=ENTRIES[:1]).message["Message-ID"] != first


def test_a_companys_own_template_words_the_notice() -> None:
    template = MailTemplate(
        kind=MailKind.ENTRIES_UNDONE,
        subject="Undo by {{ contact_name }}",
        body="{{ contact_name }} took back {{ entry_count }} entries ({{ total_hours }}).",
    )
    mail = undone(template=template)
    assert str(mail.message["Subject"]) == "Undo by Ruud Visser"
    assert "took back 3 entries" in text_of(mail)


def test_a_notice_without_items_or_recipients_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        undone(entries=[])
    with pytest.raises(ValueError, match="at least one recipient"):
        undone(recipients=[])
    with pytest.raises(ValueError, match="max_rows"):
        undone(max_rows=0)
