"""Finding 13: the mail-template validator raised a raw RecursionError on deep nesting, let
through templates that fail to compile, and ``{{ entries.index }}`` rendered a memory address.
Each is now refused when the template is set, with the library's own error, or at worst renders
as a failure (and the standard text goes out), never as a Python repr."""

from __future__ import annotations

import datetime as dt

import pytest

from clientportal import Contact, Portal, Project, TimeEntry, ValidationError
from clientportal.mail.messages import Sender, access_code, approval_requested
from clientportal.mail.templates import MailKind, MailTemplate, render_template

NOW = dt.datetime(2025, 2, 3, 9, 30, tzinfo=dt.UTC)
SENDER = Sender(name="Lumen BV", address="hours@lumen.example", message_id_domain="lumen.example")
CONTACT = Contact(id="k1", client_id="c1", name="Ruud Visser", email="ruud@klant.example")
PROJECTS = (Project(id="p1", client_id="c1", name="Zephyr Web"),)
PORTAL = Portal.create(id="po1", client_id="c1", name="Zephyr", projects=PROJECTS, created_at=NOW)
ENTRIES = (
    TimeEntry(id="t1", project_id="p1", employee_id="e1", date=dt.date(2025, 1, 28), seconds=3600),
)


def refused(kind: MailKind, body: str, subject: str = "Hours") -> str:
    with pytest.raises(ValidationError) as caught:
        MailTemplate.create(kind=kind, subject=subject, body=body)
    return "\n".join(caught.value.errors)


@pytest.mark.parametrize(
    "body",
    [
        "{{ code }} {{ " + "(" * 2000 + "code" + ")" * 2000 + " }}",
        "{% if code %}" * 400 + "{{ code }}" + "{% endif %}" * 400,
        "{{ code }} {{ " + "-" * 3000 + "1 }}",
        "{{ code }} {{ " + " + ".join(["valid_minutes"] * 400) + " }}",
    ],
    ids=["brackets", "ifs", "signs", "sum"],
)
def test_finding_13_deep_nesting_is_a_validation_error(body: str) -> None:
    """Finding 13: deep nesting is refused with a ValidationError naming the part, never a raw
    RecursionError."""
    problem = refused(MailKind.ACCESS_CODE, body)
    assert "body" in problem
    assert "nested too deeply" in problem


def test_finding_13_a_deep_subject_is_named_as_the_subject() -> None:
    """Finding 13: the error says which part is nested too deeply."""
    subject = "{{ " + "(" * 1500 + "portal_name" + ")" * 1500 + " }}"
    problem = refused(MailKind.ACCESS_CODE, "{{ code }}", subject=subject)
    assert problem.startswith("subject")
    assert "nested too deeply" in problem


def test_finding_13_a_template_that_does_not_compile_is_refused_when_set() -> None:
    """Finding 13: every expression is compiled at validation time: a template that cannot be
    compiled (here: a loop that assigns to the special ``loop`` variable) is refused when set,
    not found out when mail is sent."""
    body = "{{ code }}{% for loop in contact_name %}x{% endfor %}"
    problem = refused(MailKind.ACCESS_CODE, body)
    assert "body, line 1" in problem
    assert "loop" in problem


@pytest.mark.parametrize(
    "body",
    [
        "{{ portal_url }} {{ entries.index }}",
        "{{ portal_url }} {{ projects.count }}",
        "{{ portal_url }} {{ contact_name.index }}",
        "{{ portal_url }} {{ weeks['index'] }}",
    ],
)
def test_finding_13_attributes_of_a_plain_variable_are_refused(body: str) -> None:
    """Finding 13: ``entries.index`` and the like read a method of a list or a string: the
    template is refused when set, with what to do instead."""
    kind = MailKind.APPROVAL_REQUESTED
    if "entries" in body:
        kind = MailKind.ENTRIES_APPROVED
        body = body.replace("{{ portal_url }} ", "")
    problem = refused(kind, body)
    assert "has no attributes" in problem


def test_finding_13_a_method_never_renders_as_its_repr() -> None:
    """Finding 13: a method reached through a loop variable (``x.index`` on a character) is
    undefined when rendered: the template fails and the standard text goes out, no repr."""
    template = MailTemplate.create(
        kind=MailKind.APPROVAL_REQUESTED,
        subject="Hours",
        body="{{ portal_url }}{% for x in contact_name %}{{ x.index }}{% endfor %}",
    )
    mail = approval_requested(
        portal=PORTAL,
        contact=CONTACT,
        entries=ENTRIES,
        projects=PROJECTS,
        submitted_by="Jan",
        portal_url="https://portal.lumen.example/p/x",
        sender=SENDER,
        now=NOW,
        template=template,
    )
    raw = mail.message.as_string()
    assert "built-in method" not in raw
    assert " at 0x" not in raw
    assert not mail.custom_template
    assert mail.fallback_reason is not None
    assert "index" in mail.fallback_reason


def test_finding_13_the_rendering_itself_refuses_methods() -> None:
    """Finding 13: rendered directly, a method is an error naming it, not its repr."""
    template = MailTemplate(
        kind=MailKind.ACCESS_CODE,
        subject="Code",
        body="{{ code }}{% for x in portal_name %}{{ x.upper }}{% endfor %}",
    )
    mail = access_code(
        portal=PORTAL,
        contact=CONTACT,
        code="123456",
        valid_for=dt.timedelta(minutes=15),
        sender=SENDER,
        now=NOW,
    )
    assert mail  # the standard e-mail builds
    with pytest.raises(ValidationError) as caught:
        render_template(
            template,
            {
                "company_name": "Lumen",
                "portal_name": "Zephyr",
                "language": "en",
                "contact_name": "Ruud",
                "code": "123456",
                "valid_minutes": 15,
                "valid_for": "15 minutes",
            },
        )
    assert "built-in method" not in str(caught.value)
