"""How the commands reach the mail server: the company's stored SMTP settings, or this run's
``--smtp`` options (``serve``, ``demo``, ``outbox deliver`` and ``outbox worker``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click
from attrs import frozen

from ..service.company import SmtpTls
from .context import smtp_address

if TYPE_CHECKING:
    from ..service.company import CompanySettings
    from ..smtp import Security, SmtpMailer

R = TypeVar("R")

#: The mailer's word for each TLS mode.
_SECURITY: dict[SmtpTls, Security] = {
    SmtpTls.NONE: "plain",
    SmtpTls.STARTTLS: "starttls",
    SmtpTls.TLS: "ssl",
}
_SAID = {SmtpTls.NONE: "no TLS", SmtpTls.STARTTLS: "STARTTLS", SmtpTls.TLS: "TLS"}
#: The options that name each field of the SMTP settings (for messages).
SMTP_OPTIONS = {
    "smtp_host": "--smtp-host",
    "smtp_port": "--smtp-port",
    "smtp_tls": "--smtp-tls",
    "smtp_username": "--smtp-username",
    "smtp_password": "--smtp-password",
    "smtp_password_env": "--smtp-password-env",
}


@frozen
class SmtpChoice:
    """This run's ``--smtp`` options: a server (``address``) instead of the stored one, and its
    TLS mode and login; or, without ``address``, changes to the stored server's."""

    address: tuple[str, int] | None = None
    tls: SmtpTls | None = None
    username: str | None = None
    password_env: str | None = None

    def apply(self, company: CompanySettings) -> CompanySettings:
        """``company`` with this run's SMTP server; a usage error when the options make no
        server (a TLS mode or login without ``--smtp`` and no stored server)."""
        if self.username is not None and self.password_env is None:
            raise click.UsageError(
                "--smtp-username needs --smtp-password-env VAR, the environment variable that "
                "holds the password"
            )
        if (
            self.password_env is not None
            and self.username is None
            and (self.address is not None or company.smtp_username is None)
        ):
            raise click.UsageError("--smtp-password-env goes with --smtp-username NAME")
        changes: dict[str, Any] = {}
        if self.address is not None:
            host, port = self.address
            changes = {
                "smtp_host": host,
                "smtp_port": port,
                "smtp_tls": self.tls or SmtpTls.NONE,
                "smtp_username": self.username,
                "smtp_password": None,
                "smtp_password_env": self.password_env,
            }
        elif self.tls is not None or self.password_env is not None:
            if company.smtp_host is None:
                raise click.UsageError(
                    "--smtp-tls, --smtp-username and --smtp-password-env go with an SMTP server: "
                    "give --smtp HOST:PORT, or store one with "
                    "`clientportal company set --smtp-host HOST`"
                )
            if self.tls is not None:
                changes["smtp_tls"] = self.tls
            if self.password_env is not None:
                changes["smtp_username"] = self.username or company.smtp_username
                changes["smtp_password"] = None
                changes["smtp_password_env"] = self.password_env
        try:
            return attrs.evolve(company, **changes) if changes else company
        except ValueError as error:
            raise click.UsageError(options_named(str(error))) from None


def options_named(message: str) -> str:
    """A settings message with its field names written as the options that set them."""
    for name, option in SMTP_OPTIONS.items():
        message = re.sub(rf"\b{name}\b", option, message)
    return message


_TLS_CHOICE = click.Choice([t.value for t in SmtpTls])


def smtp_options(fn: Callable[..., R]) -> Callable[..., R]:
    """``--smtp HOST:PORT``, ``--smtp-tls``, ``--smtp-username`` and ``--smtp-password-env``,
    given to the command as one :class:`SmtpChoice` named ``smtp``."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        smtp: str | None,
        smtp_tls: str | None,
        smtp_username: str | None,
        smtp_password_env: str | None,
        **kwargs: Any,
    ) -> R:
        choice = SmtpChoice(
            smtp_address(smtp) if smtp is not None else None,
            SmtpTls(smtp_tls) if smtp_tls is not None else None,
            smtp_username,
            smtp_password_env,
        )
        return fn(*args, smtp=choice, **kwargs)

    options = (
        click.option(
            "--smtp",
            default=None,
            metavar="HOST:PORT",
            help="Send the e-mails to this SMTP server (this run only; default: the stored one).",
        ),
        click.option(
            "--smtp-tls",
            type=_TLS_CHOICE,
            default=None,
            help="Encryption of --smtp (default: none) or of the stored server.",
        ),
        click.option("--smtp-username", default=None, help="Log in to the SMTP server as this."),
        click.option(
            "--smtp-password-env",
            default=None,
            metavar="VAR",
            help="The environment variable that holds the SMTP password.",
        ),
    )
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def smtp_mailer(company: CompanySettings) -> SmtpMailer | None:
    """The mailer for the company's SMTP server, or ``None`` when it has none."""
    if company.smtp_host is None:
        return None
    from ..smtp import SmtpMailer

    return SmtpMailer(
        company.smtp_host,
        company.smtp_port,
        security=_SECURITY[company.smtp_tls],
        username=company.smtp_username,
        password=company.smtp_password_value(),
        timeout=15,
    )


def describe(mailer: SmtpMailer) -> str:
    """Where ``mailer`` sends, for people: ``smtp.example.com:587 (STARTTLS, login as portal)``."""
    tls = next(t for t, word in _SECURITY.items() if word == mailer.security)
    login = f", login as {mailer.username}" if mailer.username else ""
    return f"{mailer.host}:{mailer.port} ({_SAID[tls]}{login})"
