"""Benchmark: how long a failed open takes, for every reason it fails, over SQLite.

Finding 11 of the review: a revoked or expired link took ~7.8 ms to refuse and a never-issued one
~4.3 ms, so timing told which links exist. Now every failure does the same lookups, limiter calls
and log write. This script opens a token of each failure kind in interleaved rounds against a
``SqlStore`` on a SQLite file (the store is also the access log and, when it keeps shared rate
limits, the limiters), and prints the median time of each kind and the ratio of the slowest
median to the fastest. Target: ratio <= 1.25 (no timing is asserted in the tests: they compare
the calls made instead, ``tests/security/test_sec_open_timing.py``).

Run: ``.venv/bin/python benchmarks/open_timing.py [--rounds N]``. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from attrs import evolve

import clientportal.sql as cs
from clientportal import AccessDenied, AccessGate, Portal, TokenBucketLimiter
from clientportal.access import AccessCodec, LinkClaim, new_secret
from clientportal.memory import ManualClock
from clientportal.ports import RateLimiter, RateLimits
from clientportal.sql.testing import ready_for_tests

TARGET = 1.25
KEY = "benchmark-secret-key-0123456789-abc"
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def _portal(portal_id: str, **changes: object) -> Portal:
    portal = Portal(
        id=portal_id, client_id="c", name="Acme", created_at=T0, contact_ids={"alice", "bob"}
    )
    return evolve(portal, **changes)


def _limiter(store: cs.SqlStore, name: str) -> RateLimiter:
    """A limiter that never blocks (the rounds repeat every failure), kept by the store when it
    keeps shared rate limits, so its writes are timed too."""
    second = dt.timedelta(seconds=1)
    if isinstance(store, RateLimits):
        return store.rate_limiter(name, capacity=10**6, refill_every=second)
    return TokenBucketLimiter(capacity=10**6, refill_every=second)


def failing_tokens(store: cs.SqlStore, clock: ManualClock) -> tuple[AccessGate, dict[str, str]]:
    """A gate over ``store`` and a token for every kind of failure."""
    for portal_id in ("live", "superseded", "inactive"):
        store.put_portal(_portal(portal_id))
    gate = AccessGate(
        store,
        KEY,
        log=store,
        clock=clock,
        client_limiter=_limiter(store, "open"),
        prefix_limiter=_limiter(store, "open_prefix"),
        link_limiter=_limiter(store, "open_link"),
    )
    good = gate.links.issue("live", "alice")
    revoked = gate.links.issue("live", "alice")
    gate.links.revoke(revoked.link.id)
    expiring = gate.links.issue("live", "alice", expires_at=T0 + dt.timedelta(minutes=1))
    superseded = gate.links.issue("superseded", "alice")
    gate.links.revoke_all("superseded")
    inactive = gate.links.issue("inactive", "alice")
    store.put_portal(_portal("inactive", active=False))
    removed = gate.links.issue("live", "bob")
    store.put_portal(_portal("live", contact_ids={"alice"}))
    clock.advance(dt.timedelta(minutes=2))

    def signed(codec: AccessCodec, link_id: str) -> str:
        claim = LinkClaim(link_id=link_id, generation=0, secret=new_secret(), issued_at=T0)
        return codec.link_token(claim)

    other_key = AccessCodec("another-benchmark-key-0123456789-xyz")
    return gate, {
        "malformed": "not-a-token-at-all",
        "wrong signature": signed(other_key, good.link.id),
        "never issued": signed(gate.codec, "never-issued-link"),
        "wrong secret": signed(gate.codec, good.link.id),
        "revoked": revoked.token,
        "expired": expiring.token,
        "superseded": superseded.token,
        "inactive portal": inactive.token,
        "contact removed": removed.token,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        engine = ready_for_tests(cs.create_engine(f"sqlite:///{Path(folder) / 'open.sqlite3'}"))
        try:
            gate, tokens = failing_tokens(cs.SqlStore(engine), ManualClock(T0))
            times: dict[str, list[float]] = {kind: [] for kind in tokens}
            for round_ in range(args.rounds):
                for kind, token in tokens.items():
                    client = f"10.{round_ % 250}.{len(times[kind]) % 250}.1"
                    start = time.perf_counter()
                    try:
                        gate.open(token, client=client)
                    except AccessDenied:
                        pass
                    else:
                        raise AssertionError(f"the {kind} token opened")
                    times[kind].append(time.perf_counter() - start)
        finally:
            engine.dispose()
    medians = {kind: statistics.median(spent) * 1000 for kind, spent in times.items()}
    width = max(map(len, medians))
    for kind, median in medians.items():
        print(f"{kind:<{width}}  {median:7.3f} ms")
    ratio = max(medians.values()) / min(medians.values())
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print(f"slowest / fastest median: {ratio:.3f} (target <= {TARGET}): {verdict}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
