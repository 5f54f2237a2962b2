"""Benchmark: the gate's token check against a bare itsdangerous ``loads`` of the same token.

``AccessGate.check_token`` refuses over-long and non-canonical input before any cryptography, then
verifies the signature and the payload's shape. Next to it, a bare
``URLSafeTimedSerializer.loads`` of the same token with the same keys and salt. Both are timed in
interleaved rounds (best round wins) and the ratio is printed. Target: ratio <= 1.3. For context it
also prints the rate of full opens and session checks against the in-memory store (no target:
those sign a session, look records up and write the access log).

Run: ``.venv/bin/python benchmarks/tokens.py [--calls N] [--rounds R]``. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial

from itsdangerous import URLSafeTimedSerializer

from clientportal import AccessGate, Portal, TokenBucketLimiter
from clientportal.access import AccessCodec
from clientportal.memory import ManualClock, MemoryAccessLog, MemoryPortalStore

TARGET = 1.3
OLD_KEY = "benchmark-old-secret-key-0123456789"
NEW_KEY = "benchmark-new-secret-key-0123456789"


def per_second(fn: Callable[[], object], calls: int, rounds: int) -> float:
    """The best rate of ``fn`` over ``rounds`` rounds of ``calls`` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, time.perf_counter() - start)
    return calls / best


def compare(
    gate_check: Callable[[], object], bare_check: Callable[[], object], calls: int, rounds: int
) -> tuple[float, float]:
    """Rates of both checks, measured in alternating rounds so drift hits both alike."""
    gate_rate = bare_rate = 0.0
    for _ in range(rounds):
        gate_rate = max(gate_rate, per_second(gate_check, calls, 1))
        bare_rate = max(bare_rate, per_second(bare_check, calls, 1))
    return gate_rate, bare_rate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    portal = Portal(
        id="portal", client_id="client", name="Client", created_at=now, contact_ids={"contact"}
    )
    worst = 0.0
    for label, keys in [("one key", [NEW_KEY]), ("rotation: two keys", [OLD_KEY, NEW_KEY])]:
        store = MemoryPortalStore([portal])
        gate = AccessGate(
            store,
            keys,
            log=MemoryAccessLog(),
            clock=ManualClock(now),
            client_limiter=TokenBucketLimiter(capacity=10, refill_every=dt.timedelta(seconds=1)),
        )
        token = gate.links.issue("portal", "contact").token
        bare = URLSafeTimedSerializer(keys, salt=AccessCodec.link_salt)
        assert gate.check_token(token).link_id == bare.loads(token)[0]

        gate_rate, bare_rate = compare(
            partial(gate.check_token, token),
            partial(bare.loads, token),
            args.calls,
            args.rounds,
        )
        ratio = bare_rate / gate_rate  # time per check, gate over bare
        worst = max(worst, ratio)
        print(
            f"{label:<20} gate.check_token {gate_rate:>9,.0f}/s   "
            f"bare URLSafeTimedSerializer.loads {bare_rate:>9,.0f}/s   "
            f"ratio {ratio:.2f} (target <= {TARGET})"
        )

    session = gate.open(token, client="192.0.2.1").session
    assert session is not None
    opens = per_second(lambda: gate.open(token, client="192.0.2.1"), args.calls // 4, args.rounds)
    checks = per_second(
        lambda: gate.check_session(session.value, client="192.0.2.1"),
        args.calls // 4,
        args.rounds,
    )
    print(f"for context: full gate.open {opens:,.0f}/s, gate.check_session {checks:,.0f}/s")
    print(f"worst ratio {worst:.2f}: {'OK' if worst <= TARGET else 'ABOVE TARGET'}")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
