"""A company's own e-mail templates (clientportal.mail.templates): checked, sandboxed, escaped.

Templates are refused when saved if they use anything beyond the documented variables and the
small allowed subset of Jinja2, with the line and what is allowed; at send time a template that
fails anyway never stops the e-mail.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from email.message import EmailMessage

import pytest

from clientportal import (
    Contact,
    Employee,
    Portal,
    Project,
    TimeEntry,
    ValidationError,
)
from clientportal.mail import sandbox
from clientportal.mail.messages import (
    Mail,
    Recipient,
    Sender,
    access_code,
    approval_requested,
    entries_rejected,
)
from clientportal.mail.templates import (
    ALLOWED_FILTERS,
    TEMPLATE_VARIABLES,
    MailKind,
    MailTemplate,
    render_template,
    select_template,
    validate_template,
)

NOW = dt.datetime(2025, 2, 3, 9, 30, tzinfo=dt.UTC)
URL = "https://portal.lumen.example/p/Zq8"
SENDER = Sender(name="Lumen BV", address="hours@lumen.example", message_id_domain="lumen.example")
PROJECTS = (
    Project(id="p1", client_id="c1", name="Zephyr Web"),
    Project(id="p2", client_id="c1", name="Orion"),
)
CONTACT = Contact(id="k1", client_id="c1", name="Ruud Visser", email="ruud@klant.example")
ENTRIES = (
    TimeEntry(
        id="t1", project_id="p1", employee_id="e1", date=dt.date(2025, 1, 28), seconds=27_000
    ),
    TimeEntry(id="t2", project_id="p2", employee_id="e1", date=dt.date(2025, 1, 30), seconds=3_600),
)
APPROVAL = MailKind.APPROVAL_REQUESTED
GOOD_BODY = """Hallo {{ contact_name }},

{{ submitted_by }} heeft {{ total_hours }} voor u klaargezet ({{ entry_count }} regels).
{% for p in projects %}
- {{ p.name }}: {{ p.hours }}
{% endfor %}

Goedkeuren kan hier: {{ portal_url }}

{{ hours_by_week }}

Groet, {{ company_name }}"""


def portal(language: str = "nl") -> Portal:
    return Portal.create(
        id="po1",
        client_id="c1",
        name="Zephyr",
        projects=PROJECTS,
        created_at=NOW,
        language=language,
    )


def template(body: str = GOOD_BODY, subject: str = "Uren voor {{ portal_name }}") -> MailTemplate:
    return MailTemplate(kind=APPROVAL, subject=subject, body=body)


def request(custom: MailTemplate | None, contact: Contact = CONTACT) -> Mail:
    return approval_requested(
        portal=portal(),
        contact=contact,
        entries=ENTRIES,
        projects=PROJECTS,
        submitted_by="Jan Jansen",
        portal_url=URL,
        sender=SENDER,
        now=NOW,
        template=custom,
    )


def body(mail: Mail, kind: str) -> str:
    part = mail.message.get_body((kind,))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def problems(body_source: str, subject: str = "Uren", kind: MailKind = APPROVAL) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        MailTemplate.create(kind=kind, subject=subject, body=body_source)
    return list(caught.value.errors)


# --------------------------------------------------------------------------------------------------
# A good template


def test_a_valid_template_writes_the_email() -> None:
    mail = request(
        MailTemplate.create(kind=APPROVAL, subject="Uren voor {{ portal_name }}", body=GOOD_BODY)
    )
    text = body(mail, "plain")
    assert mail.custom_template
    assert mail.fallback_reason is None
    assert mail.message["Subject"] == "Uren voor Zephyr"
    assert text.startswith(
        "Hallo Ruud Visser,\n\nJan Jansen heeft 8,5 uur voor u klaargezet (2 regels)."
    )
    assert "- Orion: 1 uur\n- Zephyr Web: 7,5 uur\n" in text
    assert f"Goedkeuren kan hier: {URL}" in text
    assert "Week 5 (27 jan\u2009–\u20092 feb 2025)  8,5 uur" in text
    assert mail.message["Content-Language"] == "nl"


def test_a_template_can_say_how_long_the_personal_link_works() -> None:
    custom = MailTemplate.create(
        kind=APPROVAL, subject="Uren", body="Uw link ({{ link_valid_for }}): {{ portal_url }}"
    )
    mail = approval_requested(
        portal=portal(),
        contact=CONTACT,
        entries=ENTRIES,
        projects=PROJECTS,
        submitted_by="Jan Jansen",
        portal_url=URL,
        link_valid_for=dt.timedelta(days=30),
        sender=SENDER,
        now=NOW,
        template=custom,
    )
    assert body(mail, "plain").strip() == f"Uw link (30 dagen): {URL}"
    assert body(request(custom), "plain").strip() == f"Uw link (): {URL}"  # no lifetime given


def test_the_html_part_has_paragraphs_a_link_and_the_librarys_tables() -> None:
    markup = body(request(template()), "html")
    assert f'Goedkeuren kan hier: <a href="{URL}">{URL}</a>' in markup
    assert '<div style="margin:0 0 16px 0;">Hallo Ruud Visser,</div>' in markup
    assert "<br>\n- Orion: 1 uur<br>" in markup
    assert "<table" in markup
    assert "<td" in markup


@pytest.mark.parametrize("kind", list(MailKind))
def test_every_documented_variable_can_be_used(kind: MailKind) -> None:
    source = " ".join("{{ %s }}" % name for name in sorted(TEMPLATE_VARIABLES[kind]))  # noqa: UP031
    validate_template(MailTemplate(kind=kind, subject="{{ portal_name }}", body=source))


def test_filters_tests_conditions_and_loop_attributes_are_allowed() -> None:
    source = (
        "{{ contact_name|upper }} {{ portal_name|lower|truncate(10) }} {{ period|default('-') }}\n"
        "{% if entry_count > 1 and entry_count is number %}\n{{ entry_count - 1 }} more\n"
        "{% endif %}\n"
        "{% for w in weeks %}\n{{ loop.index }}. {{ w.label ~ ': ' ~ w.hours }}\n{% else %}\n"
        "none\n{% endfor %}\n"
        "{{ portal_url }} {{ projects|length }} {{ weeks[0].hours }}"
    )
    subject = "{{ portal_name|title }}"
    mail = request(MailTemplate.create(kind=APPROVAL, subject=subject, body=source))
    assert mail.custom_template
    assert body(mail, "plain") == (
        "RUUD VISSER zephyr 28–30 jan 2025\n"
        "1 more\n"
        "1. Week 5 (27 jan\u2009–\u20092 feb 2025): 8,5 uur\n"
        f"{URL} 2 8,5 uur\n"
    )
    assert set(ALLOWED_FILTERS) >= {"upper", "lower", "truncate", "default", "length"}


# --------------------------------------------------------------------------------------------------
# Refused when saved, with the line and what is allowed


def test_an_unknown_variable_names_its_line_and_the_known_ones() -> None:
    (problem,) = problems("{{ portal_url }}\n\nHallo {{ klant_naam }}")
    assert problem.startswith("body, line 3: unknown variable 'klant_naam'")
    assert "contact_name" in problem
    assert "submitted_by" in problem


def test_a_syntax_error_names_its_line() -> None:
    (problem,) = problems("{{ portal_url }}\n{% if entry_count %}\nno end")
    assert problem.startswith("body, line 3: syntax error:")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ ''.__class__ }}", "the attribute '__class__' is not allowed"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "the attribute '__mro__' is not"),
        ("{{ cycler.__init__.__globals__ }}", "unknown variable 'cycler'"),
        ("{{ cycler.__init__.__globals__ }}", "the attribute '__globals__' is not allowed"),
        ("{{ projects[0]._private }}", "the attribute '_private' is not allowed"),
        ("{{ projects[0]['__class__'] }}", "[...] may only hold a whole number"),
        ("{{ projects.pop() }}", "calling a function or method is not allowed"),
        ("{{ range(10) }}", "calling a function or method is not allowed"),
        ("{{ lipsum() }}", "unknown variable 'lipsum'"),
        ("{{ contact_name|attr('__class__') }}", "the filter 'attr' is not allowed"),
        ("{{ contact_name|safe }}", "the filter 'safe' is not allowed"),
        ("{{ '%s'|format(contact_name) }}", "the filter 'format' is not allowed"),
        ("{{ projects|map(attribute='name')|join }}", "the filter 'map' is not allowed"),
        ("{{ contact_name|truncate(entry_count) }}", "must be plain values"),
        ("{% import 'x.html' as x %}", "{% import %} is not allowed"),
        ("{% from 'x.html' import y %}", "{% from ... import %} is not allowed"),
        ("{% include 'x.html' %}", "{% include %} is not allowed"),
        ("{% extends 'x.html' %}", "{% extends %} is not allowed"),
        ("{% macro m() %}x{% endmacro %}", "{% macro %} is not allowed"),
        ("{% set x = 1 %}", "{% set %} is not allowed"),
        ("{% autoescape false %}{{ contact_name }}{% endautoescape %}", "{% autoescape %}"),
        ("{{ 9 ** 9 ** 9 }}", "the ** operator is not allowed"),
        ("{{ 'a' * 100000 }}", "the * operator is not allowed"),
        ("{% for p in projects %}{% for w in weeks %}{% endfor %}{% endfor %}", "loop inside"),
        ("{% for p in projects recursive %}{{ loop(p) }}{% endfor %}", "recursive loops"),
        ("{{ entry_count is sameas 1 }}", "the test 'sameas' is not allowed"),
    ],
)
def test_forbidden_constructs_are_refused_with_what_is_allowed(source: str, expected: str) -> None:
    found = problems("{{ portal_url }}\n" + source)
    assert any(expected in p for p in found), found
    assert all(p.startswith(("body, line 2:", "body, line 1:")) for p in found), found


def test_a_template_without_the_required_variable_is_refused() -> None:
    assert problems("Keur het goed in het portaal.") == [
        "body: {{ portal_url }} is missing; the approval_requested e-mail must show it "
        "(add it to the subject or body)"
    ]
    assert any("{{ code }} is missing" in p for p in problems("Hi", kind=MailKind.ACCESS_CODE))


def test_the_subject_must_be_one_nonempty_line() -> None:
    assert "subject, line 2: the subject must be a single line" in problems(
        "{{ portal_url }}", subject="Uren\nBcc: x@example.com"
    )
    assert "subject: empty; write a subject" in problems("{{ portal_url }}", subject=" ")


def test_every_problem_is_reported_at_once() -> None:
    source = "{{ a }}\n{{ b.__class__ }}\n{% include 'x' %}"
    assert len(problems(source)) == 5  # a, b, __class__, include, the missing portal_url
    with pytest.raises(ValidationError) as caught:
        validate_template(template(source))
    assert "the approval_requested e-mail template cannot be used (5 problems)" in str(caught.value)


def test_a_loop_variable_is_known_only_inside_its_loop() -> None:
    validate_template(template("{{ portal_url }}{% for p in projects %}{{ p.name }}{% endfor %}"))
    assert problems("{{ portal_url }}{% for p in projects %}{% endfor %}{{ p.name }}") == [
        "body, line 1: unknown variable 'p'; the approval_requested e-mail knows: "
        + ", ".join(sorted(TEMPLATE_VARIABLES[APPROVAL]))
    ]


# --------------------------------------------------------------------------------------------------
# Escaping: neither the company nor a client can put markup into the HTML part


def test_markup_in_variables_is_escaped_in_html_and_kept_in_text() -> None:
    hostile = Contact(
        id="k1", client_id="c1", name="<script>alert(1)</script>", email="r@k.example"
    )
    mail = request(
        template("Hallo {{ contact_name }} {{ contact_name|upper }} {{ portal_url }}"), hostile
    )
    markup = body(mail, "html")
    assert "<script>" not in markup
    assert "<SCRIPT>" not in markup
    assert "Hallo &lt;script&gt;alert(1)&lt;/script&gt; &lt;SCRIPT&gt;" in markup
    assert "Hallo <script>alert(1)</script>" in body(mail, "plain")


def test_markup_in_the_template_text_itself_is_escaped_in_html() -> None:
    source = (
        '<img src=x onerror="alert(1)"> <a href="https://evil.example">klik</a> {{ portal_url }}'
    )
    markup = body(request(template(source)), "html")
    assert "<img" not in markup
    assert '<a href="https://evil.example">' not in markup
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in markup


def test_string_constants_in_expressions_are_escaped_too() -> None:
    markup = body(request(template("{{ '<b>' ~ contact_name ~ '</b>' }} {{ portal_url }}")), "html")
    assert "&lt;b&gt;Ruud Visser&lt;/b&gt;" in markup


@pytest.mark.parametrize("autoescape", [False, True])
def test_the_sandbox_is_a_second_gate_behind_validation(autoescape: bool) -> None:
    from jinja2.exceptions import SecurityError, TemplateAssertionError, UndefinedError

    env = sandbox.environment(autoescape=autoescape)
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__ }}").render()
    with pytest.raises((SecurityError, UndefinedError)):  # no globals: cycler is undefined
        env.from_string("{{ cycler.__init__.__globals__ }}").render()
    with pytest.raises(UndefinedError):
        env.from_string("{{ cycler }}").render()
    with pytest.raises(TemplateAssertionError):
        env.from_string("{{ 'x'|attr('__class__') }}")
    assert env.globals == {}
    assert set(env.filters) == set(ALLOWED_FILTERS)


# --------------------------------------------------------------------------------------------------
# A broken template never stops the e-mail


def test_an_invalid_template_falls_back_to_the_standard_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = MailTemplate(kind=APPROVAL, subject="Uren", body="{{ portal_url }} {{ nope }}")
    with caplog.at_level(logging.WARNING, logger="clientportal.mail.messages"):
        mail = request(broken)
    assert not mail.custom_template
    assert mail.fallback_reason is not None
    assert "unknown variable 'nope'" in mail.fallback_reason
    assert "could not be used" in caplog.text
    assert mail.message["Subject"] == "Uren wachten op uw goedkeuring: Zephyr"
    assert body(mail, "plain").startswith("Beste Ruud Visser,")


def test_a_template_failing_while_rendering_falls_back() -> None:
    mail = request(template("{{ portal_url }} {{ entry_count + contact_name }}"))
    assert not mail.custom_template
    assert mail.fallback_reason is not None
    assert "rendering failed" in mail.fallback_reason
    assert "Uren bekijken" in body(mail, "plain")


def test_a_template_whose_output_explodes_is_stopped_and_falls_back() -> None:
    source = (
        "{{ portal_url }}"
        "{% for c in hours_by_week %}{{ hours_by_week }}{{ hours_by_week }}{% endfor %}"
    )
    mail = request(template(source))
    assert not mail.custom_template
    assert mail.fallback_reason is not None
    assert "grew past" in mail.fallback_reason


def test_a_template_of_another_kind_is_not_used() -> None:
    other = MailTemplate.create(kind=MailKind.ACCESS_CODE, subject="Code", body="{{ code }}")
    mail = request(other)
    assert not mail.custom_template
    assert mail.fallback_reason == "the template is for access_code e-mails, not approval_requested"


def test_custom_templates_for_the_other_kinds() -> None:
    code_mail = access_code(
        portal=portal("de"),
        contact=CONTACT,
        code="482913",
        valid_for=dt.timedelta(minutes=10),
        sender=SENDER,
        now=NOW,
        template=MailTemplate.create(
            kind=MailKind.ACCESS_CODE,
            subject="Ihr Code für {{ portal_name }}",
            body="Code: {{ code }} ({{ valid_for }}, {{ valid_minutes }})",
        ),
    )
    assert code_mail.custom_template
    assert body(code_mail, "plain") == "Code: 482913 (10 Minuten, 10)\n"
    rejected = entries_rejected(
        portal=portal(),
        contact=CONTACT,
        entries=ENTRIES,
        projects=PROJECTS,
        employees=[Employee(id="e1", name="Jan Jansen")],
        reason="<b>te veel</b>",
        recipients=[Recipient("Mira", "mira@lumen.example")],
        sender=SENDER,
        now=NOW,
        locale="nl",
        template=MailTemplate.create(
            kind=MailKind.ENTRIES_REJECTED,
            subject="Afgekeurd door {{ contact_name }}",
            body="Reden: {{ reason }}\n{% for e in entries %}{{ e.date }} {{ e.employee }} "
            "{{ e.hours }}\n{% endfor %}{{ entries_table }}",
        ),
    )
    assert rejected.custom_template
    assert body(rejected, "plain").startswith(
        "Reden: <b>te veel</b>\n28 jan 2025 Jan Jansen 7,5 uur\n30 jan 2025 Jan Jansen 1 uur\n"
    )
    assert "Reden: &lt;b&gt;te veel&lt;/b&gt;" in body(rejected, "html")


def test_render_needs_exactly_the_variables_of_its_kind() -> None:
    with pytest.raises(ValueError, match="needs exactly the values"):
        render_template(template(), {"contact_name": "x"})


# --------------------------------------------------------------------------------------------------
# Choosing a template, and staying out of `import clientportal`


def test_the_most_specific_template_wins() -> None:
    default = MailTemplate(kind=APPROVAL, subject="d", body="{{ portal_url }}")
    default_nl = MailTemplate(kind=APPROVAL, subject="dnl", body="{{ portal_url }}", language="nl")
    own = MailTemplate(kind=APPROVAL, subject="p", body="{{ portal_url }}", portal_id="po1")
    own_nl = MailTemplate(
        kind=APPROVAL, subject="pnl", body="{{ portal_url }}", portal_id="po1", language="nl"
    )
    other = MailTemplate(kind=APPROVAL, subject="x", body="{{ portal_url }}", portal_id="po2")
    code = MailTemplate(kind=MailKind.ACCESS_CODE, subject="c", body="{{ code }}")
    every = [code, other, default, default_nl, own, own_nl]

    def pick(templates: list[MailTemplate], language: str = "nl") -> str | None:
        chosen = select_template(templates, APPROVAL, portal_id="po1", language=language)
        return None if chosen is None else chosen.subject

    assert pick(every) == "pnl"
    assert pick(every, "nl-BE") == "pnl"
    assert pick(every, "de") == "p"
    assert pick([code, other, default, default_nl]) == "dnl"
    assert pick([code, other, default, default_nl], "de") == "d"
    assert pick([code, other]) is None


def test_importing_the_package_and_the_mail_modules_leaves_jinja2_unloaded() -> None:
    code = (
        "import sys, clientportal, clientportal.i18n, clientportal.mail, "
        "clientportal.mail.messages, clientportal.mail.templates, clientportal.mail.sandbox\n"
        "print('jinja2' in sys.modules, 'markupsafe' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False"]


def test_sending_a_standard_email_does_not_need_jinja2() -> None:
    code = (
        "import sys, datetime as dt\n"
        "from clientportal import Contact, Portal\n"
        "from clientportal.mail.messages import Sender, access_code\n"
        "now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)\n"
        "portal = Portal.create(id='p', client_id='c', name='P', projects=(), created_at=now)\n"
        "contact = Contact(id='k', client_id='c', name='K', email='k@x.example')\n"
        "sender = Sender(name='S', address='s@x.example', message_id_domain='x.example')\n"
        "access_code(portal=portal, contact=contact, code='1', valid_for=dt.timedelta(minutes=5),"
        " sender=sender, now=now)\n"
        "print('jinja2' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_the_mail_package_imports_the_builders_and_babel_only_when_they_are_used() -> None:
    code = (
        "import sys, clientportal\n"
        "from clientportal.mail import MailKind, MailTemplate, select_template\n"
        "print('babel' in sys.modules, 'clientportal.mail.messages' in sys.modules)\n"
        "from clientportal.mail import Mail, approval_requested\n"
        "from clientportal.mail import messages\n"
        "print('babel' in sys.modules, messages.Mail is Mail)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False", "True", "True"]
