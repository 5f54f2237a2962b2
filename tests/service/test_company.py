"""CompanySettings: the company's settings as a checked value; what MailSettings and the SMTP
login are made of."""

from __future__ import annotations

import attrs
import pytest

from clientportal.convert import structure, unstructure
from clientportal.errors import ConfigError, ValidationError
from clientportal.model import ApprovalPolicy, Workflow
from clientportal.service.company import (
    DEFAULT_APPROVAL,
    DEFAULT_SENDER_ADDRESS,
    DEFAULT_SENDER_NAME,
    CompanySettings,
    SmtpTls,
)


def test_the_defaults_make_a_working_company() -> None:
    company = CompanySettings()
    assert company.approval == DEFAULT_APPROVAL
    assert company.approval == ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)
    assert company.sender == (DEFAULT_SENDER_NAME, DEFAULT_SENDER_ADDRESS)
    mail = company.mail_settings("http://127.0.0.1:8000/")
    assert mail.base_url == "http://127.0.0.1:8000"
    assert mail.company_recipients == ()
    assert mail.message_id_domain == "localhost.localdomain"


def test_the_mail_settings_follow_the_company() -> None:
    company = CompanySettings(
        name="Pixel & Co",
        notify="office@pixel.example, Jo Jansen <jo@pixel.example>",
        notice_language="nl",
        base_url="https://portal.pixel.example/",
        sender_address="hours@pixel.example",
    )
    assert company.sender == ("Pixel & Co", "hours@pixel.example")  # the company's name
    mail = company.mail_settings("http://127.0.0.1:8000")
    assert mail.base_url == "https://portal.pixel.example"  # the stored one wins
    assert mail.sender_name == "Pixel & Co"
    assert mail.message_id_domain == "pixel.example"
    assert mail.company_recipients == (
        ("", "office@pixel.example"),
        ("Jo Jansen", "jo@pixel.example"),
    )
    assert mail.company_language == "nl"
    assert attrs.evolve(company, sender_name="Pixel hours").sender[0] == "Pixel hours"


def test_notice_recipients_are_parsed_each_once() -> None:
    company = CompanySettings(
        notify=[
            '"Jansen, Jo" <jo@pixel.example>, Café Büro <cafe@pixel.example>',
            "office@pixel.example",
            "  ",
            "office@pixel.example",
        ]
    )
    assert company.notify == (
        '"Jansen, Jo" <jo@pixel.example>',
        "Café Büro <cafe@pixel.example>",
        "office@pixel.example",
    )
    names = {a: n for n, a in company.mail_settings("http://x.example").company_recipients}
    assert names["jo@pixel.example"] == "Jansen, Jo"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"notify": "office@pixel.example, not an address"}, "notify must hold e-mail addresses"),
        ({"notify": "Jo <jo@pixel.example> and more"}, "got 'Jo <jo@pixel.example> and more'"),
        ({"notify": 5}, "notify must be a list of e-mail addresses"),
        ({"notice_language": "it"}, "notice_language must be a language the notices are"),
        ({"base_url": "127.0.0.1:8731"}, "did you mean http://127.0.0.1:8731?"),
        ({"base_url": "https://x.example/?a=1"}, "without query or fragment"),
        ({"sender_address": "hours@localhost"}, "sender_address must be an e-mail address"),
        ({"name": " "}, "name must not be empty"),
        ({"smtp_host": "smtp example"}, "smtp_host must be a host name"),
        ({"smtp_port": 0}, "smtp_port must be a port number from 1 to 65535"),
        ({"smtp_port": True}, "smtp_port must be a port number"),
        ({"smtp_password_env": "A-B"}, "smtp_password_env must be the name of an environment"),
        ({"smtp_username": "u"}, "the login 'u' needs a password"),
        ({"smtp_password": "p"}, "a password is set but no user name"),
        (
            {"smtp_username": "u", "smtp_password": "p", "smtp_password_env": "P"},
            "give the password or the environment variable that holds it, not both",
        ),
        ({"approval": "internal"}, "approval"),
    ],
)
def test_each_bad_setting_is_refused_naming_the_field(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        CompanySettings(**changes)  # type: ignore[arg-type]


def test_the_password_comes_from_the_settings_or_the_environment() -> None:
    stored = CompanySettings(smtp_username="portal", smtp_password="s3cret")
    assert stored.smtp_password_value({}) == "s3cret"
    assert "s3cret" not in repr(stored)
    from_env = CompanySettings(smtp_username="portal", smtp_password_env="PIXEL_PW")
    assert from_env.smtp_password_value({"PIXEL_PW": "from-env"}) == "from-env"
    with pytest.raises(ConfigError, match="PIXEL_PW, which is not set"):
        from_env.smtp_password_value({})
    with pytest.raises(ConfigError, match="PIXEL_PW, which is not set"):
        from_env.smtp_password_value({"PIXEL_PW": ""})
    assert CompanySettings().smtp_password_value({}) is None


def test_stored_settings_round_trip_and_are_checked_again_on_read() -> None:
    company = CompanySettings(
        name="Pixel & Co",
        notify=("office@pixel.example",),
        approval=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL, auto_forward=False),
        smtp_host="smtp.pixel.example",
        smtp_tls=SmtpTls.NONE,
        smtp_username="portal",
        smtp_password_env="PIXEL_PW",
    )
    data = unstructure(company)
    assert data["smtp_tls"] == "NONE"
    assert data["approval"] == {"enabled": True, "workflow": "EXTERNAL", "auto_forward": False}
    assert structure(data, CompanySettings) == company
    assert structure({}, CompanySettings) == CompanySettings()
    with pytest.raises(ValidationError) as caught:
        structure({"smtp_port": "25", "smtp_tls": "SSL", "colour": "red"}, CompanySettings)
    assert caught.value.errors == (
        "$.smtp_port: must be an integer, got str '25'",
        "$.smtp_tls: must be one of NONE, STARTTLS, TLS, got str 'SSL'",
        "$.colour: unknown field; CompanySettings has name, notify, notice_language, approval, "
        "base_url, sender_name, sender_address, smtp_host, smtp_port, smtp_tls, smtp_username, "
        "smtp_password, smtp_password_env",
    )
