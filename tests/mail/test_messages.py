"""The e-mails (clientportal.mail.messages): content per language, headers, determinism and
escaping."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import logging
import re
from email.message import EmailMessage
from email.utils import format_datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientportal import Contact, Dataset, Employee, Portal, PortalSettings, Project, TimeEntry
from clientportal.i18n import format_date_range, format_duration
from clientportal.mail.messages import (
    Mail,
    MailKind,
    Recipient,
    Sender,
    access_code,
    approval_requested,
    entries_approved,
    entries_rejected,
)
from clientportal.model import (
    SUPPORTED_LANGUAGES,
    ApprovalPolicy,
    ApprovalState,
    ApprovalStatus,
    Client,
    Workflow,
)
from clientportal.visibility import portal_view

UTC = dt.UTC
NOW = dt.datetime(2025, 2, 3, 9, 30, tzinfo=UTC)
URL = "https://portal.lumen.example/p/Zq8"
SENDER = Sender(name="Lumen BV", address="hours@lumen.example", message_id_domain="lumen.example")
ADMIN = Recipient(name="Mira Kos", address="mira@lumen.example")
PROJECTS = (
    Project(id="p1", client_id="c1", name="Zephyr Web", member_ids={"e1"}),
    Project(id="p2", client_id="c1", name="Orion", member_ids={"e2"}),
)
EMPLOYEES = (Employee(id="e1", name="Jan Jansen"), Employee(id="e2", name="Eva Novak"))
CONTACT = Contact(id="k1", client_id="c1", name="Ruud Visser", email="ruud@klant.example")
ENTRIES = (
    TimeEntry(
        id="t1", project_id="p1", employee_id="e1", date=dt.date(2025, 1, 28), seconds=27_000
    ),
    TimeEntry(id="t2", project_id="p2", employee_id="e2", date=dt.date(2025, 1, 30), seconds=3_600),
    TimeEntry(id="t3", project_id="p1", employee_id="e1", date=dt.date(2025, 2, 3), seconds=5_400),
)
REASON = "Te veel uren op dinsdag"
#: Everything the test data puts into an e-mail; none of it is text the library translates.
DATA = " ".join(
    [SENDER.name, ADMIN.name, ADMIN.address, URL, CONTACT.name, CONTACT.email, REASON, "Zephyr"]
    + [p.name for p in PROJECTS]
    + [e.name for e in EMPLOYEES]
)


def portal(language: str = "nl", name: str = "Zephyr") -> Portal:
    return Portal.create(
        id="po1",
        client_id="c1",
        name=name,
        projects=PROJECTS,
        created_at=NOW,
        language=language,
        contact_ids={"k1"},
    )


def request(language: str = "nl", **changes: object) -> Mail:
    arguments: dict[str, object] = {
        "portal": portal(language),
        "contact": CONTACT,
        "entries": ENTRIES,
        "projects": PROJECTS,
        "submitted_by": "Jan Jansen",
        "portal_url": URL,
        "link_valid_for": dt.timedelta(days=30),
        "sender": SENDER,
        "now": NOW,
    }
    arguments.update(changes)
    return approval_requested(**arguments)  # type: ignore[arg-type]


def rejected(language: str = "nl", **changes: object) -> Mail:
    arguments: dict[str, object] = {
        "portal": portal(language),
        "contact": CONTACT,
        "entries": ENTRIES[:2],
        "projects": PROJECTS,
        "employees": EMPLOYEES,
        "reason": REASON,
        "recipients": [ADMIN],
        "sender": SENDER,
        "now": NOW,
        "locale": language,
    }
    arguments.update(changes)
    return entries_rejected(**arguments)  # type: ignore[arg-type]


def approved(language: str = "nl") -> Mail:
    return entries_approved(
        portal=portal(language),
        contact=CONTACT,
        entries=ENTRIES,
        projects=PROJECTS,
        employees=EMPLOYEES,
        recipients=[ADMIN],
        sender=SENDER,
        now=NOW,
        locale=language,
    )


def code(language: str = "nl", **changes: object) -> Mail:
    arguments: dict[str, object] = {
        "portal": portal(language),
        "contact": CONTACT,
        "code": "482913",
        "valid_for": dt.timedelta(minutes=15),
        "sender": SENDER,
        "now": NOW,
    }
    arguments.update(changes)
    return access_code(**arguments)  # type: ignore[arg-type]


def text_of(mail: Mail) -> str:
    part = mail.message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def html_of(mail: Mail) -> str:
    part = mail.message.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def visible_html_text(markup: str) -> str:
    without_head = re.sub(r"<head>.*?</head>", " ", markup, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", without_head))


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


ALL_BUILDERS = {"request": request, "rejected": rejected, "approved": approved, "code": code}

#: Words an e-mail in that language shares with its English version, legitimately: the same word
#: in both languages (nl "project", "week", "per", "link"; es "total", "portal", "personal") or
#: e-mail/month abbreviations written the same way.
SHARED_WITH_ENGLISH = {
    "nl": {"in", "is", "of", "per", "project", "week", "code", "jan", "feb", "e", "mail", "link"},
    "de": {"portal", "code", "in", "jan", "feb", "e", "mail", "link"},
    "fr": {"client", "code", "contact", "date", "description", "message", "minutes", "total"}
    | {"e", "mail"},
    "es": {"portal", "total", "feb", "personal"},
    "pl": {"portal", "link"},
}


# --------------------------------------------------------------------------------------------------
# The acceptance rule: one language throughout


def test_a_dutch_portals_approval_email_is_entirely_dutch() -> None:
    mail = request("nl")
    text = text_of(mail)
    assert mail.message["Subject"] == "Uren wachten op uw goedkeuring: Zephyr"
    assert mail.message["Content-Language"] == "nl"
    assert text.startswith("Beste Ruud Visser,\n\n")
    assert "3 tijdregistraties (10 uur) in het portaal Zephyr wachten op uw goedkeuring." in text
    assert "Ingediend door: Jan Jansen" in text
    assert "Periode: 28 jan\u2009–\u20093 feb 2025" in text
    # Dutch numbers (decimal comma) and dates (day month year, Dutch month names)
    assert "Week 5 (27 jan\u2009–\u20092 feb 2025)  8,5 uur" in text
    assert "Week 6 (3–9 feb 2025)         1,5 uur" in text
    assert "Zephyr Web   9 uur" in text
    assert "Totaal      10 uur" in text
    assert "8.5" not in text
    assert "Uren bekijken\n" + URL in text
    assert "Deze link is persoonlijk en 30 dagen geldig. Stuur deze e-mail alstublieft niet" in text
    assert "Met vriendelijke groet,\nLumen BV" in text
    assert '<html lang="nl">' in html_of(mail)
    english = words(text_of(request("en"))) - words(DATA)
    assert english & words(text) <= SHARED_WITH_ENGLISH["nl"]
    assert not {"hours", "approval", "dear", "total", "regards", "review"} & words(text)


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != "en"])
@pytest.mark.parametrize("builder", sorted(ALL_BUILDERS))
def test_every_email_is_written_in_one_language_without_english_words(
    language: str, builder: str
) -> None:
    build = ALL_BUILDERS[builder]
    english_mail, mail = build("en"), build(language)
    english = words(text_of(english_mail) + " " + str(english_mail.message["Subject"]))
    english -= words(DATA)
    for shown in (
        text_of(mail) + " " + str(mail.message["Subject"]),
        visible_html_text(html_of(mail)),
    ):
        leaked = (english & words(shown)) - SHARED_WITH_ENGLISH[language]
        assert not leaked, f"{builder} in {language} contains English words {sorted(leaked)}"
        assert "%(" not in shown
    assert mail.message["Content-Language"] == language
    assert f'<html lang="{language}">' in html_of(mail)


@pytest.mark.parametrize(
    ("language", "week_line", "total"),
    [
        ("nl", "Week 5 (27 jan\u2009–\u20092 feb 2025)", "10 uur"),
        ("en", "Week 5 (Jan 27\u2009–\u2009Feb 2, 2025)", "10 hours"),
        ("de", "KW 5 (27. Jan.\u2009–\u20092. Feb. 2025)", "10 Stunden"),
        ("fr", "Semaine 5 (27 janv.\u2009–\u20092 févr. 2025)", "10\u00a0heures"),
        ("es", "Semana 5 (27 ene\u2009–\u20092 feb 2025)", "10 horas"),
        ("pl", "Tydzień 5 (27 sty–2 lut 2025)", "10 godzin"),
    ],
)
def test_approval_email_uses_the_languages_number_and_date_formats(
    language: str, week_line: str, total: str
) -> None:
    text = text_of(request(language))
    assert week_line in text
    assert format_duration(30_600, language, style="decimal") in text  # week 5: 8.5 hours
    assert text.count(total) >= 3  # the sentence and both tables' totals


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("nl", "Ruud Visser heeft 2 tijdregistraties afgekeurd: Zephyr"),
        ("en", "Ruud Visser rejected 2 time entries: Zephyr"),
        ("de", "Ruud Visser hat 2 Zeiteinträge abgelehnt: Zephyr"),
        ("fr", "Ruud Visser a refusé 2 saisies de temps – Zephyr"),
        ("es", "Ruud Visser ha rechazado 2 registros de horas: Zephyr"),
        ("pl", "Ruud Visser: odrzucono 2 wpisy czasu pracy – Zephyr"),
    ],
)
def test_rejection_subject_per_language(language: str, subject: str) -> None:
    assert rejected(language).message["Subject"] == subject


# --------------------------------------------------------------------------------------------------
# Approval requested


def test_approval_request_sums_hours_per_project_and_per_iso_week() -> None:
    mail = request("en")
    text = text_of(mail)
    assert "Orion         1 hour\nZephyr Web   9 hours\n" in text
    assert "Total       10 hours" in text
    assert "Week 5 (Jan 27\u2009–\u2009Feb 2, 2025)  8.5 hours" in text
    assert "Week 6 (Feb 3\u2009–\u20099, 2025)       1.5 hours" in text
    assert "3 time entries (10 hours) in the portal Zephyr are awaiting your approval." in text


def test_projects_with_the_same_name_are_listed_apart() -> None:
    twins = (
        Project(id="p1", client_id="c1", name="Support"),
        Project(id="p2", client_id="c1", name="Support"),
    )
    text = text_of(request("en", projects=twins))
    assert "Support   9 hours\nSupport    1 hour\n" in text


def test_iso_weeks_cross_the_new_year() -> None:
    entries = (
        TimeEntry(
            id="a", project_id="p1", employee_id="e1", date=dt.date(2024, 12, 30), seconds=60
        ),
        TimeEntry(
            id="b", project_id="p1", employee_id="e1", date=dt.date(2024, 12, 29), seconds=60
        ),
    )
    text = text_of(request("en", entries=entries))
    assert "Week 1 (Dec 30, 2024\u2009–\u2009Jan 5, 2025)" in text
    assert "Week 52 (Dec 23\u2009–\u200929, 2024)" in text
    assert text.index("Week 52") < text.index("Week 1 ")


def test_one_entry_reads_singular() -> None:
    text = text_of(request("nl", entries=ENTRIES[:1]))
    assert "1 tijdregistratie (7,5 uur) in het portaal Zephyr wacht op uw goedkeuring." in text
    text = text_of(request("pl", entries=ENTRIES[1:2]))
    assert "czeka 1 wpis czasu pracy (1 godzina)" in text


def test_approval_request_is_addressed_to_the_contact_from_the_company() -> None:
    message = request("de").message
    assert message["To"] == "Ruud Visser <ruud@klant.example>"
    assert message["From"] == "Lumen BV <hours@lumen.example>"
    assert message["Date"] == format_datetime(NOW)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_the_texts_name_the_company_the_from_line_its_sender() -> None:
    sender = Sender(
        "Pixel & Co hours", "hours@pixel.example", "pixel.example", company="Pixel & Co"
    )
    mail = request("nl", sender=sender)
    assert mail.message["From"] == "Pixel & Co hours <hours@pixel.example>"
    text = text_of(mail)
    assert "Met vriendelijke groet,\nPixel & Co\n" in text
    assert "contactpersoon bent voor het portaal" in text
    assert "bij Pixel & Co contactpersoon" in text
    assert "Pixel & Co hours" not in text


def test_the_portal_link_is_a_button_in_html_and_a_plain_url_in_text() -> None:
    mail = request("fr")
    assert f'<a href="{URL}"' in html_of(mail)
    assert "Vérifier les heures</a>" in html_of(mail)
    assert URL in text_of(mail)


def test_portal_records_from_the_visibility_filter_are_accepted() -> None:
    pending = ApprovalState(status=ApprovalStatus.PENDING_EXTERNAL, workflow=Workflow.EXTERNAL)
    data = Dataset(
        clients=[Client(id="c1", name="Klant")],
        contacts=[CONTACT],
        employees=EMPLOYEES,
        projects=PROJECTS,
        entries=[attrs.evolve(e, approval=pending) for e in ENTRIES],
    )
    shown = Portal.create(
        id="po1",
        client_id="c1",
        name="Zephyr",
        projects=PROJECTS,
        created_at=NOW,
        language="es",
        settings=PortalSettings(approval=True),
    )
    view = portal_view(shown, data, ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL))
    mail = request("es", portal=shown, entries=view.awaiting_approval, projects=view.projects)
    assert "3 registros de horas (10 horas) del portal Zephyr esperan su aprobación." in text_of(
        mail
    )


def test_an_unsupported_portal_language_falls_back_to_the_contacts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    contact = Contact(
        id="k1", client_id="c1", name="Ruud", email="ruud@klant.example", language="de"
    )
    with caplog.at_level(logging.WARNING, logger="clientportal.i18n"):
        mail = request("it", contact=contact)
    assert mail.language == "de"
    assert mail.message["Subject"] == "Stunden warten auf Ihre Freigabe: Zephyr"
    assert "portal language 'it'" in caplog.text


def test_an_approval_request_needs_entries_and_a_web_link() -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        request(entries=())
    with pytest.raises(ValueError, match="http"):
        request(portal_url="javascript:alert(1)")
    with pytest.raises(ValueError, match="timezone-aware"):
        request(now=dt.datetime(2025, 2, 3, 9, 30))
    with pytest.raises(ValueError, match="link_valid_for must be positive"):
        request(link_valid_for=dt.timedelta(0))


@pytest.mark.parametrize(
    ("language", "valid_for", "sentence"),
    [
        ("en", dt.timedelta(days=30), "This link is personal and works for 30 days. Please do not"),
        ("en", dt.timedelta(days=1), "This link is personal and works for 1 day. Please do not"),
        ("en", dt.timedelta(hours=11, minutes=1), "works for 12 hours. Please"),
        ("nl", dt.timedelta(days=1), "Deze link is persoonlijk en 1 dag geldig."),
        ("de", dt.timedelta(days=30), "Dieser Link ist persönlich und 30 Tage gültig. Bitte"),
        ("fr", dt.timedelta(days=7), "Ce lien est personnel et valable 7 jours. Veuillez"),
        ("es", dt.timedelta(days=30), "Este enlace es personal y válido durante 30 días."),
        ("pl", dt.timedelta(days=1), "Ten link jest osobisty i ważny przez 1 dzień."),
        ("pl", dt.timedelta(days=3), "Ten link jest osobisty i ważny przez 3 dni."),
        ("pl", dt.timedelta(hours=5), "ważny przez 5 godzin."),
    ],
)
def test_the_personal_link_says_how_long_it_works_in_the_emails_language(
    language: str, valid_for: dt.timedelta, sentence: str
) -> None:
    mail = request(language, link_valid_for=valid_for)
    assert sentence in text_of(mail)
    assert html.escape(sentence, quote=False) in html_of(mail)
    text = text_of(mail)
    assert text.index(URL) < text.index(sentence)  # right under the button


def test_without_a_lifetime_the_email_promises_nothing_about_the_link() -> None:
    text = text_of(request("en", link_valid_for=None))
    assert "personal" not in text
    assert URL in text


# --------------------------------------------------------------------------------------------------
# Decisions, to the company


def test_rejection_lists_the_entries_the_contact_and_the_reason() -> None:
    mail = rejected("en")
    text = text_of(mail)
    assert "Ruud Visser (ruud@klant.example) rejected 2 time entries in the portal Zephyr." in text
    assert "Reason given by Ruud Visser:\n\n> Te veel uren op dinsdag" in text
    assert "Jan 28, 2025  Jan Jansen  Zephyr Web  7.5 hours  –" in text
    assert "Jan 30, 2025  Eva Novak   Orion          1 hour  –" in text
    assert "Total                                 8.5 hours" in text
    assert mail.message["To"] == "Mira Kos <mira@lumen.example>"
    assert mail.message["Reply-To"] == "Ruud Visser <ruud@klant.example>"


def test_a_multi_line_reason_is_quoted_line_by_line() -> None:
    text = text_of(rejected("de", reason="Zu viel\nam Dienstag"))
    assert "> Zu viel\n> am Dienstag" in text
    assert "Zu viel<br>\nam Dienstag" in html_of(rejected("de", reason="Zu viel\nam Dienstag"))


def test_a_rejection_needs_a_reason_and_a_recipient() -> None:
    with pytest.raises(ValueError, match="reason"):
        rejected(reason="  ")
    with pytest.raises(ValueError, match="recipient"):
        rejected(recipients=[])


def test_the_company_email_is_written_in_the_companys_locale_not_the_portals() -> None:
    mail = entries_rejected(
        portal=portal("pl"),
        contact=CONTACT,
        entries=ENTRIES,
        projects=PROJECTS,
        employees=EMPLOYEES,
        reason=REASON,
        recipients=[ADMIN],
        sender=SENDER,
        now=NOW,
        locale="fr",
    )
    assert mail.language == "fr"
    assert "Motif indiqué par Ruud Visser\u00a0:" in text_of(mail)


def test_approval_notice_lists_the_entries_with_descriptions() -> None:
    entries = (
        TimeEntry(
            id="t9",
            project_id="p2",
            employee_id="e2",
            date=dt.date(2025, 1, 6),
            seconds=9_000,
            description="Review",
        ),
    )
    mail = entries_approved(
        portal=portal("nl"),
        contact=CONTACT,
        entries=entries,
        projects=PROJECTS,
        employees=EMPLOYEES,
        recipients=[ADMIN, Recipient("Piet", "piet@lumen.example")],
        sender=SENDER,
        now=NOW,
        locale="nl",
    )
    text = text_of(mail)
    assert mail.message["Subject"] == "Ruud Visser heeft 1 tijdregistratie goedgekeurd: Zephyr"
    assert "6 jan 2025  Eva Novak   Orion    2,5 uur  Review" in text
    assert mail.message["To"] == "Mira Kos <mira@lumen.example>, Piet <piet@lumen.example>"


# --------------------------------------------------------------------------------------------------
# One-time code


@pytest.mark.parametrize(
    ("language", "minutes", "validity"),
    [
        ("nl", 15, "De code is 15 minuten geldig en kan één keer worden gebruikt."),
        ("nl", 1, "De code is 1 minuut geldig en kan één keer worden gebruikt."),
        ("en", 15, "The code is valid for 15 minutes and can be used once."),
        ("de", 15, "Der Code ist 15 Minuten gültig und kann einmal verwendet werden."),
        ("fr", 15, "Le code est valable 15 minutes et ne peut être utilisé qu’une seule fois."),
        ("es", 15, "El código es válido durante 15 minutos y solo puede usarse una vez."),
        ("pl", 15, "Kod jest ważny przez 15 minut i można go użyć tylko raz."),
        ("pl", 3, "Kod jest ważny przez 3 minuty i można go użyć tylko raz."),
    ],
)
def test_access_code_email_shows_the_code_and_its_validity(
    language: str, minutes: int, validity: str
) -> None:
    mail = code(language, valid_for=dt.timedelta(minutes=minutes))
    text = text_of(mail)
    assert "\n    482913\n" in text
    assert validity in text
    assert ">482913</p>" in html_of(mail)


def test_the_access_codes_message_id_does_not_depend_on_the_code() -> None:
    first, second = code(code="111111"), code(code="999999")
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert "111111" not in first.message["Message-ID"]


def test_an_access_code_must_be_one_word_and_valid_for_some_time() -> None:
    with pytest.raises(ValueError, match="without spaces"):
        code(code="12 34")
    with pytest.raises(ValueError, match="positive"):
        code(valid_for=dt.timedelta(0))


# --------------------------------------------------------------------------------------------------
# Determinism and headers


@pytest.mark.parametrize("builder", sorted(ALL_BUILDERS))
def test_same_inputs_and_clock_give_the_same_bytes(builder: str) -> None:
    build = ALL_BUILDERS[builder]
    assert build("pl").message.as_bytes() == build("pl").message.as_bytes()


def test_message_id_is_derived_from_the_inputs_and_the_clock() -> None:
    first = request().message["Message-ID"]
    assert re.fullmatch(r"<approval_requested\.[0-9a-f]{32}@lumen\.example>", first)
    later = request(now=NOW + dt.timedelta(seconds=1)).message["Message-ID"]
    other = request(entries=ENTRIES[:2]).message["Message-ID"]
    assert len({first, later, other}) == 3


def test_a_given_message_id_is_used_as_is() -> None:
    assert request(message_id="<abc.1@x.example>").message["Message-ID"] == "<abc.1@x.example>"
    with pytest.raises(ValueError, match="message_id"):
        request(message_id="no-brackets@x.example")


def test_the_message_survives_a_round_trip_through_bytes() -> None:
    original = request("pl").message
    parsed = email.message_from_bytes(original.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == original["Subject"]
    body = parsed.get_body(("plain",))
    assert body is not None
    assert "W portalu Zephyr na Państwa zatwierdzenie czekają 3 wpisy" in body.get_content()


def test_sender_values_are_checked() -> None:
    with pytest.raises(ValueError, match="e-mail address"):
        Sender(name="Lumen", address="not an address", message_id_domain="lumen.example")
    with pytest.raises(ValueError, match="domain name"):
        Sender(name="Lumen", address="a@lumen.example", message_id_domain="bad domain")


# --------------------------------------------------------------------------------------------------
# Nothing a name or reason holds can become markup or a header


def test_markup_in_names_and_reasons_is_escaped_in_html() -> None:
    hostile = Contact(
        id="k1", client_id="c1", name='<img src=x onerror="alert(1)">', email="r@klant.example"
    )
    mail = rejected("en", contact=hostile, reason="<script>alert(1)</script>")
    markup = html_of(mail)
    assert "<script>" not in markup
    assert "<img" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "<script>alert(1)</script>" in text_of(mail)


def test_line_breaks_in_names_cannot_inject_headers() -> None:
    sneaky = Contact(id="k1", client_id="c1", name="Ruud\nBcc: all@x.example", email="r@k.example")
    message = request(
        "en", contact=sneaky, portal=portal("en", name="Zephyr\r\nBcc: x@y.z")
    ).message
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"])
    assert message["To"] == '"Ruud Bcc: all@x.example" <r@k.example>'


@given(reason=st.text(min_size=1).filter(lambda s: s.strip()))
def test_any_reason_reaches_the_company_intact_and_escaped(reason: str) -> None:
    mail = rejected("en", reason=reason)
    assert all(html.escape(line) in html_of(mail) for line in reason.splitlines())
    assert mail.kind is MailKind.ENTRIES_REJECTED


def test_email_date_header_matches_the_clock_in_its_zone() -> None:
    cet = dt.timezone(dt.timedelta(hours=1))
    mail = request(now=NOW.astimezone(cet))
    assert mail.message["Date"] == "Mon, 03 Feb 2025 10:30:00 +0100"
    assert format_date_range(dt.date(2025, 1, 28), dt.date(2025, 2, 3), "nl") in text_of(mail)


# --------------------------------------------------------------------------------------------------
# The package's names


def test_the_mail_package_exports_every_public_name_of_its_messages_and_templates() -> None:
    import clientportal.mail
    from clientportal.mail import messages, templates

    for module in (messages, templates):
        for name in module.__all__:
            assert getattr(clientportal.mail, name) is getattr(module, name), name
