"""`clientportal webhook add/list/remove` and `clientportal worker --once`: an operator adds an
endpoint, the worker posts the events to a real local receiver, the list shows what happened."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from clientportal import ValidationError
from clientportal.ports import NewEvent
from clientportal.sql import SqlStore
from clientportal.webhooks import verify_signature

from .running import run

SECRET = "cli-webhook-secret-0123456789"


class _Hook(http.server.BaseHTTPRequestHandler):
    statuses: ClassVar[list[int]] = []
    types: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            verify_signature(self.headers.get("Clientportal-Signature"), body, SECRET)
        except ValidationError:
            self.send_response(400)
        else:
            self.types.append(self.headers["Clientportal-Event-Type"])
            self.send_response(self.statuses.pop(0) if self.statuses else 200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hook_url() -> Iterator[str]:
    _Hook.statuses, _Hook.types = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/in"
    server.shutdown()
    server.server_close()


def test_an_added_webhook_receives_the_events_and_the_list_tells(
    empty_db: str, hook_url: str
) -> None:
    code, out, _ = run(empty_db, "webhook", "list")
    assert (code, out) == (
        0,
        "no webhooks: add one with `clientportal webhook add URL --secret S`\n",
    )
    code, out, err = run(empty_db, "webhook", "add", hook_url, "--secret", SECRET)
    assert code == 0, err
    webhook_id = out.split()[1]
    _Hook.statuses = [500]
    store = SqlStore(f"sqlite:///{empty_db}")
    now = dt.datetime.now(dt.UTC)
    store.apply_changes([], events=[NewEvent(type="portal.updated", occurred_at=now)])
    code, out, _ = run(empty_db, "worker", "--once")
    assert code == 1  # a delivery failed: it will be retried
    assert "1 failed (will retry)" in out
    code, out, _ = run(empty_db, "webhook", "list")
    assert webhook_id in out
    assert f"HTTP 500 from {hook_url}" in out
    assert _Hook.types == ["portal.updated"]
    code, out, _ = run(empty_db, "webhook", "remove", webhook_id)
    assert (code, out) == (0, f"webhook {webhook_id} removed\n")
    code, _, err = run(empty_db, "webhook", "remove", webhook_id)
    assert code == 2
    assert "no webhook with id" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.com/x", "--secret", SECRET], "is not an http:// or https:// URL"),
        (["https://example.com/x", "--secret", "short"], "at least 16 characters"),
    ],
)
def test_a_bad_url_or_a_short_secret_is_refused(
    empty_db: str, args: list[str], message: str
) -> None:
    code, _, err = run(empty_db, "webhook", "add", *args)
    assert code == 2
    assert message in err


def test_a_callback_that_cannot_be_imported_is_named(empty_db: str) -> None:
    code, _, err = run(empty_db, "worker", "--once", "--callback", "x=no_such_module:f")
    assert code == 2
    assert "cannot import 'no_such_module'" in err
    code, _, err = run(empty_db, "worker", "--once", "--callback", "nonsense")
    assert "expected NAME=module:function" in err


def test_the_secret_can_come_from_the_environment_or_a_hidden_prompt(empty_db: str) -> None:
    env = {"CLIENTPORTAL_WEBHOOK_SECRET": SECRET}
    code, out, err = run(empty_db, "webhook", "add", "https://example.com/env", env=env)
    assert code == 0, err
    assert SECRET not in out
    other = SECRET + "-typed"
    code, out, err = run(
        empty_db, "webhook", "add", "https://example.com/typed", input=f"{other}\n{other}\n"
    )
    assert code == 0, err
    assert "Secret (at least 16 characters)" in out
    assert other not in out  # hidden: not echoed
    secrets = {w.url: w.secret for w in SqlStore(f"sqlite:///{empty_db}").webhooks()}
    assert secrets == {"https://example.com/env": SECRET, "https://example.com/typed": other}


def test_a_typed_secret_must_be_typed_twice_alike_and_long_enough(empty_db: str) -> None:
    mismatch = f"{SECRET}\nother-secret-0123\n"
    code, out, _ = run(empty_db, "webhook", "add", "https://example.com/x", input=mismatch)
    assert code == 1  # asked again, then no more input: aborted
    assert "do not match" in out
    code, out, _ = run(empty_db, "webhook", "add", "https://example.com/x", input="short\nshort\n")
    assert code == 1
    assert "at least 16 characters" in out
    assert SqlStore(f"sqlite:///{empty_db}").webhooks() == []
