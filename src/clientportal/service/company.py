"""The company's settings: who it is, who hears of its clients' decisions, how hours are approved,
where the portal lives and how its e-mails leave.

:class:`CompanySettings` is a value checked when it is made. A backend keeps it (the
``clientportal`` command stores it as JSON in ``cp_settings`` through
:class:`clientportal.sql.SqlSettingsStore`, read back with :func:`clientportal.convert.structure`,
so a stored value is checked again), and the
application builds the service from it: :meth:`CompanySettings.mail_settings` gives the
:class:`~clientportal.service.MailSettings`, :attr:`CompanySettings.approval` is the
:class:`~clientportal.ApprovalPolicy`, and the ``smtp_*`` fields say how to reach the mail server.
Every field has a default, so ``CompanySettings()`` is a working (if anonymous) company.

Whether a URL, an address or a language is acceptable is decided once, by
:class:`~clientportal.service.MailSettings`: the fields here are checked by asking it.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterable, Mapping
from email.utils import parseaddr
from typing import Any

import attrs
from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import ConfigError
from ..model import SUPPORTED_LANGUAGES, ApprovalPolicy, Workflow
from .notify import MailSettings

__all__ = [
    "DEFAULT_APPROVAL",
    "DEFAULT_SENDER_ADDRESS",
    "DEFAULT_SENDER_NAME",
    "CompanySettings",
    "SmtpTls",
]

#: The approval policy of a company that has not chosen one: a manager approves first, then the
#: client, and internally approved hours go to the client at once.
DEFAULT_APPROVAL = ApprovalPolicy(enabled=True, workflow=Workflow.INTERNAL_EXTERNAL)
#: The sender's name when neither a sender name nor a company name is set.
DEFAULT_SENDER_NAME = "Client portal"
#: The sender's address when none is set: a reserved name that no real server accepts mail from,
#: so an unconfigured sender shows up at the first delivery.
DEFAULT_SENDER_ADDRESS = "portal@localhost.localdomain"

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOST = re.compile(r"[A-Za-z0-9_.:\[\]-]+")


class SmtpTls(enum.Enum):
    """How the connection to the SMTP server is encrypted."""

    #: No encryption: only for a server on this machine or a trusted network.
    NONE = "none"
    #: A plain connection upgraded with STARTTLS (usually port 587).
    STARTTLS = "starttls"
    #: TLS from the first byte (usually port 465).
    TLS = "tls"


def _mail_accepts(**fields: Any) -> bool:
    """Whether :class:`MailSettings` accepts ``fields`` (the rest filled with good values)."""
    values: dict[str, Any] = {
        "sender_name": "Company",
        "sender_address": "portal@example.com",
        "message_id_domain": "example.com",
        "base_url": "https://portal.example.com",
    }
    values.update(fields)
    try:
        MailSettings(**values)
    except (TypeError, ValueError):
        return False
    return True


def _optional_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        cv.non_empty_text(None, attribute, value)


def _named(name: str, address: str) -> str:
    """``Name <address>`` (the name quoted when it holds a special character), or the address."""
    if not name:
        return address
    if any(c in name for c in ',;:<>@()[]"\\'):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def _pieces(text: str) -> list[str]:
    """``text`` cut at the commas that are not inside quotes or angle brackets."""
    pieces, current, quoted, angled = [], "", False, False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "<>" and not quoted:
            angled = char == "<"
        elif char == "," and not quoted and not angled:
            pieces.append(current)
            current = ""
            continue
        current += char
    return [p.strip() for p in [*pieces, current] if p.strip()]


def _address(piece: str) -> str | None:
    """``piece`` as ``"address"`` or ``"Name <address>"``, or ``None`` when it is not one
    address (nothing of it may be left over)."""
    name, address = parseaddr(piece)
    leftover = piece.replace(address, "", 1).replace("\\", "").replace(name, "", 1)
    for part in ("<", ">", '"'):
        leftover = leftover.replace(part, "")
    if not address or leftover.strip() or not _mail_accepts(company_recipients=[address]):
        return None
    return _named(name, address)


def _to_addresses(value: object) -> tuple[str, ...]:
    """Addresses as a tuple, each once: one string may hold several, separated by commas. What is
    not an address is kept as it was given, for the validator to name."""
    if isinstance(value, str):
        value = [value]
    items = list(value) if isinstance(value, Iterable) else []
    if not isinstance(value, Iterable) or not all(isinstance(item, str) for item in items):
        raise TypeError(f"notify must be a list of e-mail addresses, got {value!r}")
    found = [_address(piece) or piece for item in items for piece in _pieces(item)]
    return tuple(dict.fromkeys(found))


def _recipients(_: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        if _address(item) is None:
            raise ValueError(
                f"{attribute.name} must hold e-mail addresses such as 'office@example.com' or "
                f"'Office <office@example.com>', got {item!r}"
            )


def _notice_language(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    primary = value.replace("-", "_").split("_")[0].lower() if isinstance(value, str) else ""
    if primary not in SUPPORTED_LANGUAGES or not _mail_accepts(company_language=value):
        raise ValueError(
            f"{attribute.name} must be a language the notices are written in "
            f"({', '.join(SUPPORTED_LANGUAGES)}), got {value!r}"
        )


def _base_url(value: object) -> object:
    return value.rstrip("/") if isinstance(value, str) else value


def _url(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not _mail_accepts(base_url=value):
        bare = isinstance(value, str) and "://" not in value
        hint = f" (did you mean http://{value}?)" if bare else ""
        raise ValueError(
            f"{attribute.name} must be an http(s) URL without query or fragment, such as "
            f"'https://portal.example.com', got {value!r}{hint}"
        )


def _sender_address(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    domain = value.rpartition("@")[2] if isinstance(value, str) else ""
    if not _mail_accepts(sender_address=value, message_id_domain=domain):
        raise ValueError(
            f"{attribute.name} must be an e-mail address such as 'hours@example.com', got {value!r}"
        )


def _host(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not _HOST.fullmatch(value)):
        raise ValueError(
            f"{attribute.name} must be a host name or address such as 'smtp.example.com', "
            f"got {value!r}"
        )


def _port(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
        raise ValueError(f"{attribute.name} must be a port number from 1 to 65535, got {value!r}")


def _env_name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not _ENV_NAME.fullmatch(value)):
        raise ValueError(
            f"{attribute.name} must be the name of an environment variable such as "
            f"'SMTP_PASSWORD', got {value!r}"
        )


@frozen(kw_only=True)
class CompanySettings:
    """The company's settings, as ``clientportal company set`` stores them.

    ``name`` is the company's name (the sender's name when ``sender_name`` is not set).
    ``notify`` are the people told when a client approves or rejects hours (nobody when empty),
    in ``notice_language``. ``approval`` is the company's approval workflow. ``base_url`` is the
    public URL of the portal (``None``: the address it is served on). ``sender_name`` and
    ``sender_address`` are the From of every e-mail. ``smtp_host`` (``None``: no server stored),
    ``smtp_port`` (``None``: the usual port of ``smtp_tls``), ``smtp_tls`` and a login with
    ``smtp_username`` and either ``smtp_password`` (stored as it is; never shown) or
    ``smtp_password_env``, the environment variable that holds the password when mail is sent.
    """

    name: str | None = field(default=None, validator=_optional_text)
    notify: tuple[str, ...] = field(default=(), converter=_to_addresses, validator=_recipients)
    notice_language: str = field(default="en", validator=_notice_language)
    approval: ApprovalPolicy = field(
        default=DEFAULT_APPROVAL, validator=v.instance_of(ApprovalPolicy)
    )
    base_url: str | None = field(default=None, converter=_base_url, validator=_url)
    sender_name: str | None = field(default=None, validator=_optional_text)
    sender_address: str | None = field(default=None, validator=_sender_address)
    smtp_host: str | None = field(default=None, validator=_host)
    smtp_port: int | None = field(default=None, validator=_port)
    smtp_tls: SmtpTls = field(default=SmtpTls.STARTTLS, validator=v.instance_of(SmtpTls))
    smtp_username: str | None = field(default=None, validator=_optional_text)
    smtp_password: str | None = field(default=None, repr=False, validator=_optional_text)
    smtp_password_env: str | None = field(default=None, validator=_env_name)

    def __attrs_post_init__(self) -> None:
        if self.smtp_password is not None and self.smtp_password_env is not None:
            raise ValueError(
                "smtp_password and smtp_password_env: give the password or the environment "
                "variable that holds it, not both"
            )
        has_password = self.smtp_password is not None or self.smtp_password_env is not None
        if self.smtp_username is None and has_password:
            raise ValueError(
                "smtp_username: a password is set but no user name to log in with; give the "
                "user name too (or remove the password)"
            )
        if self.smtp_username is not None and not has_password:
            raise ValueError(
                f"smtp_password: the login {self.smtp_username!r} needs a password: give "
                "smtp_password_env (the environment variable that holds it) or smtp_password"
            )

    @property
    def sender(self) -> tuple[str, str]:
        """The From of every e-mail as ``(name, address)``, with the defaults filled in."""
        name = self.sender_name or self.name or DEFAULT_SENDER_NAME
        return name, self.sender_address or DEFAULT_SENDER_ADDRESS

    def mail_settings(self, base_url: str) -> MailSettings:
        """The service's :class:`~clientportal.service.MailSettings`, on :attr:`base_url` or,
        when it is not set, on ``base_url`` (the address the portal is served on)."""
        name, address = self.sender
        return MailSettings(
            sender_name=name,
            sender_address=address,
            message_id_domain=address.rpartition("@")[2],
            base_url=self.base_url or base_url,
            company_recipients=self.notify,
            company_language=self.notice_language,
            company_name=self.name,
        )

    def smtp_password_value(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The SMTP password: the stored one, or the one in :attr:`smtp_password_env` (read
        from ``environ``, the process environment by default). Raises
        :class:`~clientportal.ConfigError` when that variable is not set."""
        if self.smtp_password_env is None:
            return self.smtp_password
        environ = os.environ if environ is None else environ
        value = environ.get(self.smtp_password_env)
        if not value:
            raise ConfigError(
                [
                    f"the SMTP password is read from the environment variable "
                    f"{self.smtp_password_env}, which is not set: set it where the mail is sent"
                ],
                subject="the SMTP login",
            )
        return value
