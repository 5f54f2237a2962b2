"""No secret key, token, session value, CSRF token, pending value, code or client address ever
appears in a repr, an exception (message, args, chained context) or a log record."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

import pytest

from clientportal import (
    AccessDenied,
    AccessGate,
    AccessMode,
    ConfigError,
    Portal,
    TokenBucketLimiter,
)
from clientportal.access import AccessCodec
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
KEY = "an-old-secret-key-of-32-characters!"
NEW_KEY = b"a-new-secret-key-of-32-bytes-long!!"
CLIENT = "203.0.113.77"


class Scenario:
    """Everything the access layer hands out, and every secret among it."""

    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.portal = Portal(
            id="portal-1", client_id="client-1", name="Acme", created_at=T0, contact_ids={"alice"}
        )
        self.coded = Portal(
            id="portal-2", client_id="client-1", name="Acme", created_at=T0, contact_ids={"bob"}
        )
        self.store = MemoryPortalStore([self.portal, self.coded])
        self.log = MemoryAccessLog()
        self.limiter = TokenBucketLimiter(capacity=1000, refill_every=dt.timedelta(seconds=1))
        self.gate = AccessGate(
            self.store,
            [KEY, NEW_KEY],
            log=self.log,
            clock=self.clock,
            client_limiter=self.limiter,
        )
        self.gate.links.set_access_mode("portal-2", AccessMode.LINK_AND_CODE)
        self.issued = self.gate.links.issue("portal-1", "alice")
        self.opening = self.gate.open(self.issued.token, client=CLIENT)
        assert self.opening.session is not None
        self.grant = self.opening.session
        self.visit = self.gate.check_session(self.grant.value, client=CLIENT)
        self.coded_issued = self.gate.links.issue("portal-2", "bob")
        self.coded_opening = self.gate.open(self.coded_issued.token, client=CLIENT)
        assert self.coded_opening.pending is not None
        self.pending = self.coded_opening.pending
        self.delivery = self.gate.request_code(self.pending, client=CLIENT)
        self.code_record = self.store.get_code(self.coded_issued.link.id)
        self.claim = self.gate.check_token(self.issued.token)

    def secrets(self) -> dict[str, str]:
        return {
            "old key": KEY,
            "new key": NEW_KEY.decode(),
            "new key as bytes": repr(NEW_KEY),
            "token": self.issued.token,
            "token secret": self.claim.secret,
            "coded token": self.coded_issued.token,
            "session value": self.grant.value,
            "session id": self.visit.session_id,
            "csrf token": self.grant.csrf_token,
            "pending value": self.pending,
            "code": self.delivery.code,
            "client address": CLIENT,
        }

    def objects(self) -> list[object]:
        return [
            self.gate,
            self.gate.codec,
            self.store,
            self.log,
            self.limiter,
            self.clock,
            self.issued,
            self.issued.link,
            self.opening,
            self.grant,
            self.visit,
            self.coded_opening,
            self.delivery,
            self.code_record,
            self.claim,
            *self.log.events,
        ]


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, secret in secrets.items() if secret in text]


def test_reprs_and_strs_never_contain_a_secret() -> None:
    scenario = Scenario()
    secrets = scenario.secrets()
    for obj in scenario.objects():
        assert leaks(repr(obj), secrets) == [], type(obj).__name__
        assert leaks(str(obj), secrets) == [], type(obj).__name__


def refusals(scenario: Scenario) -> Iterator[AccessDenied]:
    """Provoke every kind of refusal with inputs that carry secrets."""
    gate = scenario.gate
    token = scenario.issued.token
    attempts: list[Callable[[], object]] = [
        lambda: gate.open(token[:-1] + ("A" if token[-1] != "A" else "E"), client=CLIENT),
        lambda: gate.open(token + token, client=CLIENT),
        lambda: gate.open(scenario.grant.value, client=CLIENT),
        lambda: gate.check_session(token, client=CLIENT),
        lambda: gate.check_session(scenario.grant.value[:-3], client=CLIENT),
        lambda: gate.check_csrf(scenario.visit, scenario.grant.csrf_token[::-1], client=CLIENT),
        lambda: (
            gate.verify_code(scenario.pending, "000000", client=CLIENT)
            if scenario.delivery.code != "000000"
            else gate.verify_code(scenario.pending, "111111", client=CLIENT)
        ),
        lambda: gate.verify_code(token, scenario.delivery.code, client=CLIENT),
        lambda: AccessCodec(KEY).read_link_token(token),  # signed with the newest key
    ]
    for attempt in attempts:
        with pytest.raises(AccessDenied) as caught:
            attempt()
        yield caught.value
    gate.links.revoke(scenario.issued.link.id)
    revoked: list[Callable[[], object]] = [
        lambda: gate.open(token, client=CLIENT),
        lambda: gate.check_session(scenario.grant.value, client=CLIENT),
    ]
    for attempt in revoked:
        with pytest.raises(AccessDenied) as caught:
            attempt()
        yield caught.value


def test_exceptions_never_carry_a_secret_nor_a_chained_itsdangerous_error() -> None:
    scenario = Scenario()
    secrets = scenario.secrets()
    seen = 0
    for error in refusals(scenario):
        seen += 1
        for text in (str(error), repr(error), repr(error.args)):
            assert leaks(text, secrets) == [], type(error).__name__
        assert error.__cause__ is None
        assert error.__context__ is None
    assert seen == 11


def test_key_errors_never_show_the_key() -> None:
    short = "tiny-secret"
    with pytest.raises(ConfigError) as caught:
        AccessCodec([KEY, short])
    assert short not in str(caught.value)
    assert KEY not in str(caught.value)


def test_log_records_never_contain_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        scenario = Scenario()
        list(refusals(scenario))
    secrets = scenario.secrets()
    assert caplog.records, "refusals are logged"
    for record in caplog.records:
        assert leaks(record.getMessage(), secrets) == []
        assert leaks(repr(record.args), secrets) == []


def test_the_access_log_never_contains_a_token_or_address() -> None:
    scenario = Scenario()
    list(refusals(scenario))
    secrets = scenario.secrets()
    assert len(scenario.log.events) > 10
    for event in scenario.log.events:
        assert leaks(repr(event), secrets) == []
        for value in (event.link_id, event.portal_id, event.client_hash, event.reason):
            assert value is None or leaks(value, secrets) == []
