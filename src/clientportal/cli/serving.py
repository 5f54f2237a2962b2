"""``clientportal serve``: the portals on waitress, and an outbox worker beside them.

Behind a reverse proxy that terminates TLS: ``--trusted-proxy ADDR`` (repeatable) believes that
proxy's ``X-Forwarded-For`` and ``X-Forwarded-Proto`` (and nobody else's), ``--secure-cookies``
marks the cookies ``Secure`` although the proxy speaks http to us, and ``--hsts`` sends
``Strict-Transport-Security``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click
from attrs import frozen

from .context import DEFAULT_HOST, DEFAULT_PORT, Context, http_url, with_context
from .delivery import SmtpChoice, describe, smtp_mailer, smtp_options

if TYPE_CHECKING:
    from ..ports import Clock
    from ..service import PortalService
    from ..smtp import SmtpMailer
    from ..sql import SqlStore

F = TypeVar("F", bound=Callable[..., Any])


def server_options(fn: F) -> F:
    """``--host`` and ``--port``: where ``serve`` and ``demo`` listen (``--port 0``: a free one)."""
    fn = click.option(
        "--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535)
    )(fn)
    return click.option("--host", default=DEFAULT_HOST, show_default=True)(fn)


@frozen
class ProxyChoice:
    """What ``serve``'s proxy options asked for."""

    trusted: tuple[str, ...] = ()
    secure_cookies: bool = False
    hsts: bool = False


def _trusted_proxy(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    from ..web.security import TrustedProxies

    for value in values:
        try:
            TrustedProxies.parse([value])
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not an IP address or network: give the proxy's address as it "
                "connects to us (127.0.0.1, 10.0.0.2) or its network (10.0.0.0/8)"
            ) from None
    return values


def proxy_options(fn: F) -> F:
    """``--trusted-proxy``, ``--secure-cookies`` and ``--hsts``: serving behind a TLS proxy."""
    fn = click.option(
        "--hsts",
        is_flag=True,
        help="Send Strict-Transport-Security (a year, subdomains too) on https requests, or on "
        "all with --secure-cookies.",
    )(fn)
    fn = click.option(
        "--secure-cookies",
        is_flag=True,
        help="Mark the cookies Secure (with the __Host- prefix) although the proxy in front "
        "speaks http to us.",
    )(fn)
    return click.option(
        "--trusted-proxy",
        "trusted_proxies",
        multiple=True,
        metavar="ADDR",
        callback=_trusted_proxy,
        help="A reverse proxy (address or network; repeatable) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; from anybody else they are ignored.",
    )(fn)


class Server:
    """waitress bound first (``--port 0`` picks a free port), so links name the real address."""

    def __init__(self, host: str, port: int) -> None:
        import waitress  # type: ignore[import-untyped]

        self._app: Any = None
        try:
            # The portal decides which X-Forwarded-* headers to believe (--trusted-proxy), so
            # waitress must hand them over rather than drop them.
            self.server = waitress.create_server(
                self._dispatch,
                host=host,
                port=port,
                threads=8,
                ident="clientportal",
                clear_untrusted_proxy_headers=False,
            )
        except OSError as error:
            raise click.ClickException(
                f"cannot listen on {host}:{port} ({error.strerror}): another server may be "
                "running there; pick another port with --port N, or --port 0 for a free one"
            ) from None
        self.base_url = http_url(host, self.server.effective_port)

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._app(environ, start_response)

    def run(
        self,
        service: PortalService,
        store: SqlStore,
        mailer: SmtpMailer | None,
        proxy: ProxyChoice | None = None,
    ) -> None:
        """Serve ``service`` until interrupted, delivering the outbox with ``mailer`` when
        given; ``proxy`` says what the reverse proxy in front of the portal does."""
        from ..web import make_wsgi_app

        proxy = ProxyChoice() if proxy is None else proxy
        self._app = make_wsgi_app(
            service,
            trusted_proxies=proxy.trusted,
            secure_cookies=True if proxy.secure_cookies else None,
            hsts=proxy.hsts,
        )
        stop = _start_outbox_worker(store, service.clock, mailer)
        try:
            self.server.run()
        except KeyboardInterrupt:  # pragma: no cover - interactive
            pass
        finally:
            stop.set()
            self.server.close()


def _start_outbox_worker(
    store: SqlStore, clock: Clock, mailer: SmtpMailer | None
) -> threading.Event:
    stop = threading.Event()
    if mailer is None:
        return stop
    from ..smtp import run_outbox_worker

    worker = threading.Thread(
        target=run_outbox_worker,
        args=(store, mailer),
        kwargs={"stop": stop, "clock": clock, "interval": 2.0},
        name="clientportal-outbox",
        daemon=True,
    )
    worker.start()
    return stop


def mail_note(mailer: SmtpMailer | None, db: str) -> str:
    """Where the e-mails go, for the start-up message."""
    if mailer is not None:
        return f"e-mails go to {describe(mailer)}"
    return (
        f"no SMTP server: e-mails wait in the outbox (`clientportal --db {db} outbox list`); "
        "give --smtp HOST:PORT, or store one with `clientportal company set --smtp-host HOST`"
    )


@click.command()
@server_options
@proxy_options
@smtp_options
@with_context
def serve(
    obj: Context,
    host: str,
    port: int,
    trusted_proxies: tuple[str, ...],
    secure_cookies: bool,
    hsts: bool,
    smtp: SmtpChoice,
) -> None:
    """Serve the portals of the database (WSGI on waitress), and deliver its e-mails to the
    stored SMTP server (or --smtp). Behind a reverse proxy that terminates TLS, give
    --trusted-proxy ADDR, --secure-cookies and --hsts."""
    store = obj.store  # fail early, before binding, when the schema is missing
    mailer = smtp_mailer(smtp.apply(obj.company))
    server = Server(host, port)
    service = obj.service(base_url=server.base_url)
    click.echo(f"serving {obj.safe_db} on {server.base_url} (Ctrl+C stops)")
    if service.mail.base_url != server.base_url:
        click.echo(f"links are built on the base URL {service.mail.base_url}", err=True)
    click.echo(mail_note(mailer, obj.safe_db), err=True)
    server.run(service, store, mailer, ProxyChoice(trusted_proxies, secure_cookies, hsts))
