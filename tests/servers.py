"""Real servers for the tests, started and stopped in one place: a WSGI app on waitress or an ASGI
app on uvicorn in a thread of the test process, and ``clientportal serve`` (or any long-running
command) as a subprocess."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

#: What ``clientportal serve`` prints first: ``... on http://127.0.0.1:<port> ...``.
SERVING = re.compile(r"on http://127\.0\.0\.1:(\d+)")


@contextmanager
def on_waitress(app: Any, sock: socket.socket | None = None) -> Iterator[int]:
    """``app`` on waitress in a thread, listening on ``sock`` (by default a new socket of
    127.0.0.1 on a free port): yields the port; the server is closed on exit."""
    waitress = pytest.importorskip("waitress", reason="the server needs waitress (the web extra)")
    sock = sock or socket.create_server(("127.0.0.1", 0))
    server = waitress.create_server(app, sockets=[sock], threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="test-waitress", daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


@contextmanager
def on_uvicorn(app: Any, *, access_log: bool = False) -> Iterator[int]:
    """The ASGI ``app`` on uvicorn in a thread, on a free port of 127.0.0.1, once it has started:
    yields the port. uvicorn's loggers are left as they are (``log_config=None``)."""
    uvicorn = pytest.importorskip("uvicorn", reason="the ASGI server needs uvicorn")
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=access_log)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def cli_env(**extra: str) -> dict[str, str]:
    """The environment an operator's shell gives the command (no test settings leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTPORTAL_")}
    env.update(extra)
    return env


def stop(process: subprocess.Popen[str], timeout: float = 20) -> None:
    """Terminate ``process`` and wait for it, reading what is left in its pipes; kill it if it
    has not ended after ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


@contextmanager
def serving(process: subprocess.Popen[str]) -> Iterator[int]:
    """A started ``clientportal serve --port 0`` (stdout and stderr pipes), once its first line
    says where it listens: yields that port; the process is stopped on exit."""
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = SERVING.search(line)
        if found is None:
            process.kill()
            _, err = process.communicate(timeout=20)
            raise AssertionError(f"serve did not start: {line!r} {err}")
        yield int(found[1])
    finally:
        stop(process)
