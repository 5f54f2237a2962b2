"""``clientportal serve --workers N``: a pre-fork supervisor.

The supervisor (the process the command started) binds the listening socket once, then forks the
child processes: N workers that serve that socket each on their own waitress (the kernel hands
every new connection to one of them) and, when the portal has an SMTP server, one outbox
process, so the e-mails are delivered by one process however many workers serve.

It restarts a child that dies (one line on stderr names it, how it ended and who takes its
place) and gives up with an error when children keep dying at start-up. SIGTERM or SIGINT stops
every child gracefully (a worker stops accepting, finishes the requests in flight, then exits)
and waits for them; a second signal kills them at once.

The supervisor runs no thread and holds no database connection when it forks, so every child
starts from a clean copy; each child still renews its engine's pool before its first query
(``engine.dispose(close=False)``), as SQLAlchemy asks of a forked process. Pre-forking needs
``os.fork`` (Linux, the BSDs, macOS): elsewhere ``serve`` runs one process.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import Any, NoReturn

import click
from attrs import define, frozen

__all__ = [
    "MAX_WORKERS",
    "Child",
    "Supervisor",
    "can_fork",
    "ended",
    "listen",
    "serve_socket",
]

#: The most workers ``serve`` starts.
MAX_WORKERS = 64
#: Seconds a new child must live to count as started; a shorter life is a failed start.
STARTUP_GRACE = 10.0
#: Failed starts in a row after which the supervisor stops everything and reports an error.
MAX_FAILED_STARTS = 5
#: Seconds a stopping worker may take to finish the requests in flight.
STOP_GRACE = 10.0
#: How often a child looks at its stop flag (and whether its supervisor still lives).
_TICK = 0.2

_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}

#: What a child runs: given the event that is set when it should stop, it returns when done.
Run = Callable[[threading.Event], None]


def can_fork() -> bool:
    """True where the workers can be forked (``os.fork`` exists: not on Windows)."""
    return hasattr(os, "fork") and sys.platform != "win32"


def listen(host: str, port: int, *, backlog: int = 1024) -> socket.socket:
    """A TCP socket listening on ``host:port`` (``port`` 0: a free one), bound as waitress binds
    its own (address reuse on, IPv6 only for an IPv6 address), to be shared by the workers.
    Raises :class:`OSError` (:class:`socket.gaierror` for a host that does not resolve)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock


def serve_socket(
    sock: socket.socket,
    app: Any,
    stop: threading.Event,
    *,
    grace: float = STOP_GRACE,
    **adjustments: Any,
) -> None:
    """Serve the WSGI ``app`` on waitress over ``sock``, a listening socket other processes may
    share, until ``stop`` is set; then stop accepting, finish the requests in flight (for at most
    ``grace`` seconds) and close. ``adjustments`` go to :func:`waitress.create_server`."""
    import waitress  # type: ignore[import-untyped]
    from waitress import wasyncore

    sockets: dict[int, Any] = {}
    server = waitress.create_server(app, map=sockets, sockets=[sock], **adjustments)
    try:
        while not stop.is_set():
            wasyncore.loop(timeout=_TICK, map=sockets, count=1)
        server.accepting = False  # the other workers (or the next start) take the new ones
        deadline = time.monotonic() + grace
        while _busy(server, sockets) and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=sockets, count=1)
    finally:
        server.task_dispatcher.shutdown(timeout=grace)
        wasyncore.close_all(sockets)


def _busy(server: Any, sockets: dict[int, Any]) -> bool:
    """True while ``server`` has a request being read, served or sent (idle keep-alive
    connections do not count: they are closed)."""
    from waitress.channel import HTTPChannel  # type: ignore[import-untyped]

    tasks = server.task_dispatcher
    if tasks.active_count or tasks.queue:
        return True
    return any(
        isinstance(channel, HTTPChannel)
        and (channel.requests or channel.request is not None or channel.total_outbufs_len)
        for channel in list(sockets.values())
    )


@frozen
class Child:
    """A child process the supervisor keeps running: its name in messages, what it runs."""

    name: str
    run: Run


@define
class _Slot:
    """One place for a child: its process while it runs, and whom it replaces."""

    child: Child
    pid: int | None = None
    started: float = 0.0
    replacing: str | None = None


class Supervisor:
    """Forks one process per ``children`` entry, keeps each running and stops them all on
    SIGTERM or SIGINT (see the module's docstring). Run it in the main thread of a process that
    runs no other thread; messages go to ``echo`` (stderr by default)."""

    def __init__(
        self,
        children: Sequence[Child],
        *,
        startup_grace: float = STARTUP_GRACE,
        max_failed_starts: int = MAX_FAILED_STARTS,
        stop_grace: float = STOP_GRACE,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self._slots = [_Slot(child) for child in children]
        self._startup_grace = startup_grace
        self._max_failed_starts = max_failed_starts
        self._stop_grace = stop_grace
        self._echo = echo or (lambda line: click.echo(line, err=True))
        self._signals = 0
        self._failed_starts = 0
        self._failure: str | None = None
        self._wakeup: tuple[int, int] | None = None

    @property
    def pids(self) -> list[int]:
        """The processes running now."""
        return [slot.pid for slot in self._slots if slot.pid is not None]

    def run(self) -> None:
        """Start the children, restart those that die, and return once stopped by a signal;
        raise :class:`click.ClickException` when they keep dying at start-up."""
        with self._signal_handlers():
            try:
                while not self._signals and self._failure is None:
                    self._fill()
                    self._wait(1.0)
                    self._reap()
            finally:
                self._stop_all()
        if self._failure is not None:
            raise click.ClickException(self._failure)

    # -- starting ------------------------------------------------------------------------------

    def _fill(self) -> None:
        """Start a process in every empty slot; forget old failed starts once all have lived
        through their start-up."""
        now = time.monotonic()
        if self._failed_starts and all(
            slot.pid is not None and now - slot.started >= self._startup_grace
            for slot in self._slots
        ):
            self._failed_starts = 0
        for slot in self._slots:
            if slot.pid is None and self._failure is None:
                self._spawn(slot)

    def _spawn(self, slot: _Slot) -> None:
        assert self._wakeup is not None
        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # what is buffered would be written by the child too
        # Signals wait until the child has its own handlers (and the supervisor its slot).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
        except OSError as error:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            self._failed(f"cannot start a {slot.child.name} process ({error.strerror})")
            return
        if pid == 0:
            _child_main(slot.child.run, parent, self._wakeup, mask)
        slot.pid, slot.started = pid, time.monotonic()
        if slot.replacing is not None:
            self._echo(f"{slot.replacing}: {slot.child.name} {pid} takes its place")
            slot.replacing = None
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def _failed(self, what: str) -> None:
        """Count a failed start; give up after too many in a row."""
        self._failed_starts += 1
        if self._failed_starts >= self._max_failed_starts:
            self._failure = (
                f"the workers keep dying at start-up: {self._failed_starts} in a row died within "
                f"{self._startup_grace:g} seconds of starting (the last: {what}); see the errors "
                "above, or run `clientportal serve --workers 1` to see them in one process"
            )

    # -- watching ------------------------------------------------------------------------------

    def _reap(self, *, stopping: bool = False) -> None:
        """Collect every child that has ended; unless ``stopping``, note it for its
        replacement."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = next((s for s in self._slots if s.pid == pid), None)
            if slot is None:
                continue
            slot.pid = None
            if stopping:
                continue
            what = f"{slot.child.name} {pid} {ended(status)}"
            if time.monotonic() - slot.started < self._startup_grace:
                self._failed(what)
            if self._failure is None:
                slot.replacing = what

    def _wait(self, timeout: float) -> None:
        """Sleep until a signal arrives (a child ended, or a stop) or ``timeout`` passes."""
        assert self._wakeup is not None
        read_end = self._wakeup[0]
        ready, _, _ = select.select([read_end], [], [], max(timeout, 0.0))
        if ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(read_end, 512):
                    pass

    @contextlib.contextmanager
    def _signal_handlers(self) -> Iterator[None]:
        """SIGTERM and SIGINT ask to stop; SIGCHLD (and both) wake :meth:`_wait`."""
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        self._wakeup = (read_end, write_end)

        def stop(_number: int, _frame: FrameType | None) -> None:
            self._signals += 1

        handled = {
            signal.SIGTERM: stop,
            signal.SIGINT: stop,
            signal.SIGCHLD: lambda _number, _frame: None,
        }
        previous = {number: signal.signal(number, handler) for number, handler in handled.items()}
        old_wakeup = signal.set_wakeup_fd(write_end)
        try:
            yield
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for number, handler in previous.items():
                signal.signal(number, handler)
            os.close(read_end)
            os.close(write_end)
            self._wakeup = None

    # -- stopping ------------------------------------------------------------------------------

    def _stop_all(self) -> None:
        """SIGTERM to every child, then wait for them; SIGKILL to those still running after the
        grace period, or at once on another SIGTERM or SIGINT."""
        if not self.pids:
            return
        self._echo(f"stopping {len(self.pids)} processes (their requests in flight finish first)")
        signals = self._signals
        for pid in self.pids:
            _send(pid, signal.SIGTERM)
        deadline = time.monotonic() + self._stop_grace + 5
        while self.pids and time.monotonic() < deadline and self._signals <= signals:
            self._wait(deadline - time.monotonic())
            self._reap(stopping=True)
        for pid in self.pids:
            _send(pid, signal.SIGKILL)
        for slot in self._slots:
            if slot.pid is not None:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(slot.pid, 0)
                slot.pid = None


def ended(status: int) -> str:
    """How a process ended, from its wait status: ``exited with status 1``, ``was killed by
    SIGKILL``."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with status {code}"


def _send(pid: int, number: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)


def _child_main(
    run: Run, parent: int, wakeup: tuple[int, int], mask: set[int | signal.Signals]
) -> NoReturn:
    """The life of a forked child: replace the supervisor's signal set-up with its own, run, and
    exit without running the supervisor's clean-up (``os._exit``); a crash prints its
    traceback."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for fd in wakeup:
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        stop = _stop_event(parent)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        run(stop)
        code = 0
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _stop_event(parent: int) -> threading.Event:
    """An event set once this child receives SIGTERM or SIGINT, or its supervisor is gone.

    The signal handler only flips a flag (it may interrupt the main thread while that holds the
    event's lock); a small thread turns the flag into the event."""
    asked: list[bool] = []

    def ask(_number: int, _frame: FrameType | None) -> None:
        asked.append(True)

    signal.signal(signal.SIGTERM, ask)
    signal.signal(signal.SIGINT, ask)
    stop = threading.Event()

    def watch() -> None:
        while not asked and os.getppid() == parent:
            time.sleep(_TICK)
        stop.set()

    threading.Thread(target=watch, name="clientportal-stop", daemon=True).start()
    return stop
