"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a port the system picks, keeping
every message it accepts (and refusing on request). Used by the SMTP, outbox, CLI and journey tests.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from clientportal.smtp import SmtpMailer

HOST = "127.0.0.1"


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses on request: the first
    ``refuse_data`` DATA commands with ``data_reply``, and any recipient in ``refuse_rcpt``."""

    def __init__(
        self,
        *,
        refuse_data: int = 0,
        data_reply: str = "451 4.3.0 Try again later",
        refuse_rcpt: frozenset[str] = frozenset(),
    ) -> None:
        self.refuse_data = refuse_data
        self.data_reply = data_reply
        self.refuse_rcpt = refuse_rcpt
        self.refused = 0
        self.received: list[tuple[str, tuple[str, ...], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refused < self.refuse_data:
                self.refused += 1
                return self.data_reply
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.received.append((envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted"

    @property
    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]).strip() for _, _, m in self.received]


class _Controller(Controller):
    """aiosmtpd's controller on port 0: reads the port the system chose before using it."""

    def _trigger_server(self) -> None:
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 in a thread, for one test."""

    def __init__(self, inbox: Inbox, **options: Any) -> None:
        self.inbox = inbox
        self.controller = _Controller(
            inbox, hostname=HOST, port=0, server_hostname="smtp.test", ready_timeout=10, **options
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def mailer(self, **options: Any) -> SmtpMailer:
        options.setdefault("security", "plain")
        return SmtpMailer(HOST, self.port, local_hostname="client.test", timeout=5, **options)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """The messages received, once there are at least ``count`` (fails after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.inbox.lock:
                messages = [m for _, _, m in self.inbox.received]
            if len(messages) >= count:
                return messages
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(messages)} e-mails arrived, expected {count}")
            time.sleep(0.05)
