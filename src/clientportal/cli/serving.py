"""``clientportal serve``: the portals on waitress, and an outbox worker beside them.

``--workers N`` (N > 1) serves from N processes that share one listening socket, and delivers the
e-mails from one more: see :mod:`clientportal.cli.workers`.

Behind a reverse proxy that terminates TLS: ``--trusted-proxy ADDR`` (repeatable) believes that
proxy's ``X-Forwarded-For`` and ``X-Forwarded-Proto`` (and nobody else's), ``--secure-cookies``
marks the cookies ``Secure`` although the proxy speaks http to us, and ``--hsts`` sends
``Strict-Transport-Security``.
"""

from __future__ import annotations

import os
import socket
import sys
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
    from .workers import Run

F = TypeVar("F", bound=Callable[..., Any])

#: How ``serve`` runs waitress, in one process or in each worker. The portal decides
#: which X-Forwarded-* headers to believe (--trusted-proxy), so waitress must hand them over
#: rather than drop them.
WAITRESS_OPTIONS: dict[str, Any] = {
    "ident": "clientportal",
    "clear_untrusted_proxy_headers": False,
}
#: Threads of each serving process (``--threads``), by database. A page is Python's work, and
#: Python runs one thread at a time: on SQLite (in the process) more threads only make every page
#: wait longer for its turn (the approvals page on 2 cores, 4 connections: 8 threads 108–123
#: req/s with a p99 of 70–86 ms, 2 threads 140–170 req/s and 37–49 ms); on PostgreSQL a thread
#: waiting for the server's answer leaves the CPU to another (the overview at 1M entries: 4
#: threads 117–163 req/s, 2 threads 99).
DEFAULT_THREADS = {"sqlite": 2, "postgresql": 4}
MAX_THREADS = 64
_POOL_SIZE = 5  # SQLAlchemy's default, kept when the threads need no more
#: Seconds between the outbox worker's rounds when the outbox is empty.
OUTBOX_INTERVAL = 2.0


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

    def __init__(self, host: str, port: int, threads: int = DEFAULT_THREADS["sqlite"]) -> None:
        import waitress  # type: ignore[import-untyped]

        self._app: Any = None
        try:
            self.server = waitress.create_server(
                self._dispatch, host=host, port=port, threads=threads, **WAITRESS_OPTIONS
            )
        except OSError as error:
            raise cannot_listen(host, port, error) from None
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
        self._app = wsgi_app(service, proxy)
        stop = _start_outbox_worker(store, service.clock, mailer)
        try:
            self.server.run()
        except KeyboardInterrupt:  # pragma: no cover - interactive
            pass
        finally:
            stop.set()
            self.server.close()


def default_threads(db: str) -> int:
    """The ``--threads`` of a database URL when none is given (:data:`DEFAULT_THREADS`)."""
    return DEFAULT_THREADS["sqlite" if db.startswith("sqlite") else "postgresql"]


def pool_size_for(threads: int) -> int:
    """The connections a serving process's pool keeps: each of its ``threads`` holds one while
    it answers a request (a page's reads share it), the outbox worker one more; at least
    SQLAlchemy's default."""
    return max(_POOL_SIZE, threads + 2)


def cannot_listen(host: str, port: int, error: OSError) -> click.ClickException:
    """The error of an address ``serve`` cannot listen on."""
    if isinstance(error, socket.gaierror):
        return click.ClickException(
            f"cannot listen on {host}:{port} ({error.strerror or error}): give --host an "
            "address of this machine (127.0.0.1, 0.0.0.0, ::1) or a name that resolves to one"
        )
    return click.ClickException(
        f"cannot listen on {host}:{port} ({error.strerror or error}): another server may be "
        "running there; pick another port with --port N, or --port 0 for a free one"
    )


def wsgi_app(service: PortalService, proxy: ProxyChoice | None = None) -> Any:
    """The WSGI app ``serve`` runs: the portal of ``service`` as the proxy options say."""
    from ..web import make_wsgi_app

    proxy = ProxyChoice() if proxy is None else proxy
    return make_wsgi_app(
        service,
        trusted_proxies=proxy.trusted,
        secure_cookies=True if proxy.secure_cookies else None,
        hsts=proxy.hsts,
    )


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
        kwargs={"stop": stop, "clock": clock, "interval": OUTBOX_INTERVAL},
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


def _workers(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    from .workers import MAX_WORKERS, can_fork

    if not 1 <= value <= MAX_WORKERS:
        raise click.BadParameter(
            f"{value} is not a number of processes from 1 to {MAX_WORKERS}: 1 serves from this "
            f"process; start with one worker per CPU ({os.cpu_count() or 1} on this machine)"
        )
    if value > 1 and not can_fork():
        raise click.BadParameter(
            f"{value} workers need fork(), which {sys.platform} does not have: serve with one "
            "(the default), or run several `clientportal serve` on their own ports behind "
            "your proxy"
        )
    return value


def _announce(
    obj: Context, service: PortalService, base_url: str, mailer: SmtpMailer | None, workers: int
) -> None:
    """The start-up lines: where the portal is served (on stdout), links and e-mails."""
    processes = f" with {workers} workers" if workers > 1 else ""
    click.echo(f"serving {obj.safe_db} on {base_url}{processes} (Ctrl+C stops)")
    if service.mail.base_url != base_url:
        click.echo(f"links are built on the base URL {service.mail.base_url}", err=True)
    click.echo(mail_note(mailer, obj.safe_db), err=True)


def _serve_workers(
    obj: Context,
    store: SqlStore,
    mailer: SmtpMailer | None,
    proxy: ProxyChoice,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
) -> None:
    """Serve from ``workers`` processes forked after binding, and deliver the e-mails from one
    more, until SIGTERM or SIGINT (see :mod:`.workers`)."""
    from .workers import Child, Supervisor, listen, serve_socket

    try:
        sock = listen(host, port)
    except OSError as error:
        raise cannot_listen(host, port, error) from None
    with sock:
        base_url = http_url(host, sock.getsockname()[1])
        service = obj.service(base_url=base_url)
        app = wsgi_app(service, proxy)  # built once: every worker runs a copy of it
        _announce(obj, service, base_url, mailer, workers)
        engine = store.engine
        engine.dispose()  # the supervisor holds no connection that a fork would copy

        def serve_requests(stop: threading.Event) -> None:
            engine.dispose(close=False)  # this process's own pool, never the parent's
            serve_socket(sock, app, stop, threads=threads, **WAITRESS_OPTIONS)

        children = [Child("worker", serve_requests) for _ in range(workers)]
        if mailer is not None:
            children.append(Child("outbox worker", _deliver(store, mailer, service)))
        Supervisor(children).run()


def _deliver(store: SqlStore, mailer: SmtpMailer, service: PortalService) -> Run:
    """What the outbox process runs: the outbox worker until it is asked to stop."""

    def deliver(stop: threading.Event) -> None:
        from ..smtp import run_outbox_worker

        store.engine.dispose(close=False)
        run_outbox_worker(store, mailer, stop=stop, clock=service.clock, interval=OUTBOX_INTERVAL)

    return deliver


@click.command()
@server_options
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    callback=_workers,
    metavar="N",
    help="Serve from N processes (1 to 64) that share the port and the database; one more "
    "delivers the e-mails. Needs fork (Linux, macOS).",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, MAX_THREADS),
    metavar="N",
    help="Requests each process answers at once (default: 2 on SQLite, 4 on PostgreSQL). Fewer "
    "give pages a steadier time on a busy CPU; more overlap slow downloads and database waits.",
)
@proxy_options
@smtp_options
@with_context
def serve(
    obj: Context,
    host: str,
    port: int,
    workers: int,
    threads: int | None,
    trusted_proxies: tuple[str, ...],
    secure_cookies: bool,
    hsts: bool,
    smtp: SmtpChoice,
) -> None:
    """Serve the portals of the database (WSGI on waitress), and deliver its e-mails to the
    stored SMTP server (or --smtp). --workers N serves from N processes. Behind a reverse proxy
    that terminates TLS, give --trusted-proxy ADDR, --secure-cookies and --hsts."""
    threads = default_threads(obj.db) if threads is None else threads
    obj.pool_size = pool_size_for(threads)
    store = obj.store  # fail early, before binding, when the schema is missing
    mailer = smtp_mailer(smtp.apply(obj.company))
    proxy = ProxyChoice(trusted_proxies, secure_cookies, hsts)
    if workers > 1:
        _serve_workers(
            obj, store, mailer, proxy, host=host, port=port, workers=workers, threads=threads
        )
        return
    server = Server(host, port, threads)
    service = obj.service(base_url=server.base_url)
    _announce(obj, service, server.base_url, mailer, workers)
    server.run(service, store, mailer, proxy)
