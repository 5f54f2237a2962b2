"""What the journeys share: reading the e-mails people receive, serving a WSGI app for real, and
running the ``clientportal`` command as an operator does."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import waitress

_LINK = re.compile(r"https?://[^\s<>\"']+")


def text_of(message: EmailMessage) -> str:
    """The plain-text part of ``message`` (what a phone's mail app shows without images)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, f"no text part in {message['Subject']!r}"
    return str(part.get_content())  # type: ignore[attr-defined]


def links_in(message: EmailMessage, base: str) -> list[str]:
    """Every URL in the text part of ``message`` that starts with ``base``."""
    return [u.rstrip(".,;)") for u in _LINK.findall(text_of(message)) if u.startswith(base)]


def to_addresses(message: EmailMessage) -> set[str]:
    """The addresses in ``message``'s To header."""
    return {a.addr_spec for a in message["To"].addresses}


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` (WSGI) on waitress in a thread on a free port: yields its base URL."""
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = waitress.create_server(app, sockets=[sock], threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="journey-waitress", daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def cli_env(**extra: str) -> dict[str, str]:
    """The environment an operator's shell gives the command (no test settings leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTPORTAL_")}
    env.update(extra)
    return env


def clientportal(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``clientportal ARGS`` as a subprocess; its output, or a failure with what it said."""
    done = subprocess.run(
        [sys.executable, "-m", "clientportal.cli", *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"clientportal {' '.join(args)} -> {done.returncode}:\n{done.stdout}{done.stderr}"
    )
    return done.stdout


@contextmanager
def running(args: Sequence[str], *, cwd: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    """``clientportal ARGS`` as a long-running subprocess, once it listens on ``port``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "clientportal.cli", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                out = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"clientportal {' '.join(args)} stopped:\n{out}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"nothing listens on {port} after 60 s") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
