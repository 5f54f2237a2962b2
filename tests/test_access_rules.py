"""The access package's pure rules at their edges: where a link's status, a code's lifetime, a
session's idle time or a signed value's age tips over, what the random helpers draw, and the
defaults a host relies on. Worked examples, each edge from both sides (``tools/mutants.py`` checks
that these tests notice when a rule is moved by one)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from hashlib import sha1
from math import log2

import pytest
from attrs import evolve
from itsdangerous import URLSafeTimedSerializer

from clientportal import (
    AccessPolicy,
    CodeExpired,
    InvalidCsrfToken,
    InvalidToken,
    Link,
    LinkStatus,
    SessionExpired,
)
from clientportal.access import (
    AccessCodec,
    LinkClaim,
    OneTimeCode,
    PendingClaim,
    SessionClaim,
    new_code,
    new_secret,
    random_id,
    secret_digest,
)
from clientportal.access.admission import admit
from clientportal.access.keys import (
    MIN_KEY_BITS,
    MIN_KEY_BYTES,
    MIN_KEY_CHARACTERS,
    estimated_bits,
    key_problem,
)
from clientportal.access.randomness import CODE_DIGITS
from clientportal.access.records import OK, AccessAction, AccessEvent, PortalAccess, SessionRecord
from clientportal.errors import GenerationMismatch, LinkExpired, LinkRevoked, PortalInactive
from clientportal.model import Portal

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
KEY = "Vq3-xT9_pL2mZr8Kc5Wn0Yb7"
OTHER_KEY = "Hd4_sE1-gU6jNa2Rf8Ot5Qi3"
HASH = secret_digest("the-secret")


def fixed(*chunks: bytes):  # type: ignore[no-untyped-def]
    """A random source that returns ``chunks`` in turn (and counts how often it was asked)."""
    queue = iter(chunks)

    def source(n: int) -> bytes:
        source.calls += 1  # type: ignore[attr-defined]
        return next(queue)[:n]

    source.calls = 0  # type: ignore[attr-defined]
    return source


# --------------------------------------------------------------------------------------------------
# randomness


def test_random_id_is_the_url_safe_base64_of_the_bytes_drawn() -> None:
    assert random_id(fixed(b"\x00" * 12)) == "A" * 16
    assert random_id(fixed(b"\xff" * 12)) == "_" * 16
    # A leading "-" would read as an option on a command line: it becomes "_".
    assert random_id(fixed(b"\xfb" * 3), size=3) == "__v7"
    assert random_id(fixed(b"\x00\xfb" * 6)) == "APsA-wD7APsA-wD7"  # only a leading one
    with pytest.raises(ValueError, match="returned 11 bytes where 12 were asked"):
        random_id(fixed(b"\x00" * 11))
    assert len(new_secret(fixed(b"\x01" * 16))) == 22  # 128 bits
    with pytest.raises(ValueError, match="returned 12 bytes where 16 were asked"):
        new_secret(fixed(b"\x01" * 12))


def test_new_code_redraws_at_and_above_the_limit_and_pads_to_six_digits() -> None:
    limit = (2**32 // 10**6) * 10**6
    assert CODE_DIGITS == 6
    source = fixed(limit.to_bytes(4, "big"), (limit - 1).to_bytes(4, "big"))
    assert new_code(source) == "999999"
    assert source.calls == 2
    assert new_code(fixed((7).to_bytes(4, "big"))) == "000007"
    assert new_code(fixed((10**6 + 42).to_bytes(4, "big"))) == "000042"


def test_new_code_gives_up_after_64_unusable_draws() -> None:
    source = fixed(*itertools.repeat(b"\xff\xff\xff\xff", 100))
    with pytest.raises(ValueError, match="no usable value in 64 draws"):
        new_code(source)
    assert source.calls == 64
    late = fixed(*([b"\xff\xff\xff\xff"] * 63), (5).to_bytes(4, "big"))
    assert new_code(late) == "000005"


def test_secret_digest_is_the_sha256_hex_of_the_utf8_text() -> None:
    assert secret_digest("é") == hashlib.sha256("é".encode()).hexdigest()


# --------------------------------------------------------------------------------------------------
# records


def link(**changes: object) -> Link:
    values: dict[str, object] = {
        "id": "l1",
        "portal_id": "p1",
        "secret_hash": HASH,
        "created_at": T0,
    }
    values.update(changes)
    return Link(**values)  # type: ignore[arg-type]


def test_link_status_revoked_wins_over_superseded_which_wins_over_expired() -> None:
    now = T0 + dt.timedelta(days=1)
    everything = link(revoked_at=now, expires_at=now, generation=1)
    assert everything.status(now=now, generation=2) is LinkStatus.REVOKED
    assert everything.status(now=now - SECOND, generation=2) is LinkStatus.SUPERSEDED
    assert everything.status(now=now - SECOND, generation=1) is LinkStatus.ACTIVE
    assert link(expires_at=now).status(now=now, generation=0) is LinkStatus.EXPIRED
    assert link(expires_at=now).status(now=now - SECOND, generation=0) is LinkStatus.ACTIVE
    assert link().status(now=now, generation=0) is LinkStatus.ACTIVE


def test_a_link_is_shared_without_a_contact_and_matches_only_its_secret() -> None:
    assert link().shared
    assert not link(contact_id="kim").shared
    assert link().matches("the-secret")
    assert not link().matches("the-secret ")


@pytest.mark.parametrize("generation", [-1, True, 1.0, "1"])
def test_a_generation_is_a_whole_number_from_zero(generation: object) -> None:
    with pytest.raises(ValueError, match="generation must be a whole number >= 0"):
        link(generation=generation)
    with pytest.raises(ValueError, match="generation must be a whole number >= 0"):
        PortalAccess(portal_id="p1", generation=generation)  # type: ignore[arg-type]
    assert link(generation=0).generation == 0


@pytest.mark.parametrize("digest", [HASH.upper(), HASH[:-1], HASH + "0", 64 * "g", None])
def test_a_secret_hash_is_64_lowercase_hex_digits(digest: object) -> None:
    with pytest.raises(ValueError, match="must be a SHA-256 hex digest"):
        link(secret_hash=digest)


def test_optional_times_of_a_link_must_be_aware_when_given() -> None:
    naive = dt.datetime(2026, 3, 2, 9, 0)
    for name in ("expires_at", "revoked_at", "last_used_at"):
        with pytest.raises((TypeError, ValueError), match=name):
            link(**{name: naive})
        assert getattr(link(**{name: None}), name) is None


def test_a_code_expires_at_its_expiry_and_a_session_idles_out_at_its_timeout() -> None:
    code = OneTimeCode(id="c1", link_id="l1", code_hash=HASH, created_at=T0,
                       expires_at=T0 + dt.timedelta(minutes=15))  # fmt: skip
    assert not code.expired(T0 + dt.timedelta(minutes=15) - SECOND)
    assert code.expired(T0 + dt.timedelta(minutes=15))
    assert code.attempts == 0
    record = SessionRecord(id_hash=HASH, link_id="l1", code_verified=False, created_at=T0,
                           last_seen_at=T0)  # fmt: skip
    week = dt.timedelta(days=7)
    assert not record.idle(now=T0 + week - SECOND, timeout=week)
    assert record.idle(now=T0 + week, timeout=week)


def test_an_access_event_is_allowed_only_when_its_reason_is_ok() -> None:
    assert OK == "ok"
    assert AccessEvent(at=T0, action=AccessAction.OPEN, reason=OK).allowed
    assert not AccessEvent(at=T0, action=AccessAction.OPEN, reason="expired").allowed


def test_the_access_policys_defaults() -> None:
    policy = AccessPolicy()
    assert policy.session_lifetime == dt.timedelta(days=30)
    assert policy.session_idle_timeout == dt.timedelta(days=7)
    assert policy.link_lifetime == dt.timedelta(days=180)
    assert policy.code_lifetime == dt.timedelta(minutes=15)
    assert policy.code_attempts == 5
    assert policy.pending_lifetime == dt.timedelta(hours=1)
    assert PortalAccess(portal_id="p1").generation == 0


def test_the_access_policy_refuses_durations_under_a_second_and_attempts_outside_1_to_100() -> None:
    assert AccessPolicy(code_lifetime=SECOND).code_lifetime == SECOND
    assert AccessPolicy(link_lifetime=None).link_lifetime is None
    with pytest.raises(ValueError, match="code_lifetime must be at least one second"):
        AccessPolicy(code_lifetime=SECOND / 2)
    with pytest.raises(ValueError, match="link_lifetime must be at least one second"):
        AccessPolicy(link_lifetime=dt.timedelta(0))
    with pytest.raises(TypeError, match=r"session_lifetime must be a datetime\.timedelta"):
        AccessPolicy(session_lifetime=30)  # type: ignore[arg-type]
    assert AccessPolicy(code_attempts=1).code_attempts == 1
    assert AccessPolicy(code_attempts=100).code_attempts == 100
    for attempts in (0, 101, True, 2.0):
        with pytest.raises(ValueError, match="code_attempts must be a whole number from 1 to 100"):
            AccessPolicy(code_attempts=attempts)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# the codec


CODEC = AccessCodec(KEY)


def session_claim(at: dt.datetime = T0) -> SessionClaim:
    return SessionClaim(link_id="l1", generation=0, session_id="s" * 22, code_verified=True,
                        issued_at=at)  # fmt: skip


def test_a_signed_value_at_the_length_limit_is_read_and_one_character_over_is_not() -> None:
    token = CODEC.link_token(LinkClaim(link_id="l1", generation=0, secret="x", issued_at=T0))

    class Exact(AccessCodec):
        max_length = len(token)

    class Short(AccessCodec):
        max_length = len(token) - 1

    assert Exact(KEY).read_link_token(token).link_id == "l1"
    with pytest.raises(InvalidToken):
        Short(KEY).read_link_token(token)
    assert AccessCodec.max_length == 256


def test_values_signed_up_to_a_minute_ahead_are_accepted_and_later_ones_not() -> None:
    for skew, accepted in ((dt.timedelta(minutes=1), True), (dt.timedelta(seconds=61), False)):
        value = CODEC.session_value(session_claim(T0 + skew))
        pending = CODEC.pending_value(PendingClaim(link_id="l1", generation=0, issued_at=T0 + skew))
        if accepted:
            assert CODEC.read_session(value, now=T0).code_verified
            assert CODEC.read_pending(pending, now=T0).link_id == "l1"
        else:
            with pytest.raises(InvalidToken):
                CODEC.read_session(value, now=T0)
            with pytest.raises(InvalidToken):
                CODEC.read_pending(pending, now=T0)


def test_a_session_and_a_code_step_end_exactly_at_their_lifetimes() -> None:
    value = CODEC.session_value(session_claim())
    end = T0 + AccessPolicy().session_lifetime
    assert CODEC.session_expires_at(session_claim()) == end
    assert CODEC.read_session(value, now=end - SECOND).link_id == "l1"
    with pytest.raises(SessionExpired):
        CODEC.read_session(value, now=end)
    pending = CODEC.pending_value(PendingClaim(link_id="l1", generation=3, issued_at=T0))
    hour = dt.timedelta(hours=1)
    assert CODEC.read_pending(pending, now=T0 + hour - SECOND).generation == 3
    with pytest.raises(CodeExpired, match="open the link again"):
        CODEC.read_pending(pending, now=T0 + hour)


def test_a_code_matches_with_spaces_or_dashes_and_under_any_key_but_nothing_else() -> None:
    record = OneTimeCode(id="c1", link_id="l1", code_hash=CODEC.hash_code("c1", "123456"),
                         created_at=T0, expires_at=T0 + dt.timedelta(minutes=15))  # fmt: skip
    assert CODEC.code_matches(record, "123456")
    assert CODEC.code_matches(record, "123 456")
    assert CODEC.code_matches(record, "12-34-56")
    assert CODEC.code_matches(record, "123456".center(32))
    assert not CODEC.code_matches(record, "123456".center(33))
    for wrong in ("123457", "1234567", "12345", "１２３４５６", "12345a", ""):
        assert not CODEC.code_matches(record, wrong), wrong
    assert AccessCodec([KEY, OTHER_KEY]).code_matches(record, "123456")  # rotated: old key
    assert not AccessCodec(OTHER_KEY).code_matches(record, "123456")
    assert CODEC.hash_code("c2", "123456") != record.code_hash  # bound to the code's id


def test_csrf_tokens_belong_to_their_session_and_client_hashes_to_the_newest_key() -> None:
    token = CODEC.csrf_token("session-a")
    CODEC.check_csrf("session-a", token)
    for wrong in (CODEC.csrf_token("session-b"), token[:-1], token + "A", None):
        with pytest.raises(InvalidCsrfToken):
            CODEC.check_csrf("session-a", wrong)
    AccessCodec([OTHER_KEY, KEY]).check_csrf("session-a", token)
    rotated = AccessCodec([KEY, OTHER_KEY])
    assert rotated.client_hash("192.0.2.1") == AccessCodec(OTHER_KEY).client_hash("192.0.2.1")
    assert CODEC.client_hash("192.0.2.1") != rotated.client_hash("192.0.2.1")
    assert len(CODEC.client_hash("192.0.2.1")) == 32
    assert repr(CODEC).startswith("AccessCodec(<1 secret key>, policy=")
    assert repr(rotated).startswith("AccessCodec(<2 secret keys>, policy=")


def test_a_value_is_signed_at_an_aware_time_only() -> None:
    naive = dt.datetime(2026, 3, 2, 9, 0)
    with pytest.raises(ValueError, match="signing time must be timezone-aware"):
        CODEC.session_value(session_claim(naive))
    value = CODEC.session_value(session_claim(T0 + dt.timedelta(microseconds=999_999)))
    assert CODEC.read_session(value, now=T0 + SECOND).issued_at == T0  # whole seconds


def test_no_secret_shows_in_the_repr_of_a_claim_or_a_record() -> None:
    """Secrets, hashes of secrets and session ids never reach a log line through ``repr``."""
    records = [
        (LinkClaim(link_id="l1", generation=0, secret="s3cr3t-part", issued_at=T0), "s3cr3t-part"),
        (session_claim(), "s" * 22),
        (link(), HASH),
        (OneTimeCode(id="c1", link_id="l1", code_hash=HASH, created_at=T0, expires_at=T0), HASH),
        (SessionRecord(id_hash=HASH, link_id="l1", code_verified=True, created_at=T0,
                       last_seen_at=T0), HASH),
    ]  # fmt: skip
    for record, secret in records:
        assert secret not in repr(record), type(record).__name__
        assert "l1" in repr(record)


class _NoOffset(dt.tzinfo):
    """A tzinfo without an offset: a datetime with it is naive in every comparison."""

    def utcoffset(self, _: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, _: dt.datetime | None) -> dt.timedelta | None:
        return None


def test_a_signing_time_whose_timezone_has_no_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="signing time must be timezone-aware"):
        CODEC.session_value(session_claim(dt.datetime(2026, 3, 2, 9, tzinfo=_NoOffset())))


def test_a_genuine_signature_over_a_payload_of_the_wrong_shape_is_an_invalid_token() -> None:
    def signed(salt: str, payload: list[object]) -> str:
        serializer = URLSafeTimedSerializer(KEY, salt=salt, signer_kwargs={"digest_method": sha1})
        return str(serializer.dumps(payload))

    for payload in (["l1", 0, "sid"], ["l1", 0, "sid", 1, "extra"], ["l1", 0, "sid", 2]):
        with pytest.raises(InvalidToken):
            CODEC.read_session(
                signed(AccessCodec.session_salt, payload), now=dt.datetime.now(dt.UTC)
            )
    for payload in (["l1"], ["l1", 0, "x"], ["l1", -1]):
        with pytest.raises(InvalidToken):
            CODEC.read_pending(
                signed(AccessCodec.pending_salt, payload), now=dt.datetime.now(dt.UTC)
            )


@pytest.mark.parametrize("stored", ["１２３４５６", "abcdef", "12345a", "1234567", "12345"])
def test_only_six_ascii_digits_can_match_whatever_code_was_stored(stored: str) -> None:
    """A code is six ASCII digits: even a record made from something else never matches it."""
    record = OneTimeCode(id="c1", link_id="l1", code_hash=CODEC.hash_code("c1", stored),
                         created_at=T0, expires_at=T0 + dt.timedelta(minutes=15))  # fmt: skip
    assert CODEC.code_matches(record, stored) is False
    assert CODEC.code_matches(record, "x" * 33) is False
    assert CODEC.code_matches(record, 123456) is False  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# secret keys


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("a", log2(26)),
        ("A", log2(26)),
        ("1", log2(10)),
        ("!", log2(33)),
        ("é", 7.0),
        ("aA1!", 4 * log2(95)),
        ("aé", 2 * log2(154)),
        ("aaaa", log2(26)),  # repeats
        ("ab", 2 * log2(26)),  # two characters are no run yet
        ("abcd", 2 * log2(26)),  # a run goes on
        ("dcba", 2 * log2(26)),
        ("abca", 3 * log2(26)),
        ("abab", 3 * log2(26)),  # a pattern of 2 repeats
        ("axbaxb", 5 * log2(26)),  # of 3
        ("qwertyuioqwertyuio", 18 * log2(26)),  # of 9: longer than the patterns looked for
        ("", 0.0),
    ],
)
def test_estimated_bits_count_the_surprising_characters_times_the_pool(
    text: str, bits: float
) -> None:
    assert estimated_bits(text) == pytest.approx(bits)


def test_a_key_needs_16_bytes_8_different_characters_and_56_bits() -> None:
    assert (MIN_KEY_BYTES, MIN_KEY_CHARACTERS, MIN_KEY_BITS) == (16, 8, 56)
    edge = "éàüöñçøå"  # 16 bytes, 8 different characters, 8 × 7 = 56 bits: just enough
    assert len(edge.encode()) == 16
    assert estimated_bits(edge) == 56.0
    assert key_problem(edge) is None
    seven = "zLLz7L#mLQLQ2#7Lzzm#"  # plenty of bits, 7 different characters
    assert estimated_bits(seven) > 100
    assert key_problem(seven) == (
        "has only 7 different characters: a key needs at least 8, and should be random"
    )
    assert key_problem("x" * 15) == "has 15 bytes: use at least 16 random bytes"


PLACEHOLDER_PHRASES = [
    "changeme", "replaceme", "yoursecret", "yourkey", "secretkeyhere", "keygoeshere",
    "insertkey", "insertsecret", "longrandomsecret", "randomsecretfrom", "supersecret",
    "placeholder", "notasecret", "notsecret", "dontuseinproduction", "donotuseinproduction",
]  # fmt: skip
PLACEHOLDER_KEYS = [
    "secret", "secretkey", "mysecretkey", "mysecret", "password", "passwordpassword", "default",
    "defaultsecretkey", "testsecretkey", "development", "developmentsecretkey", "flasksecretkey",
    "djangosecretkey", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm",
]  # fmt: skip


@pytest.mark.parametrize("phrase", PLACEHOLDER_PHRASES)
def test_a_key_holding_a_placeholder_phrase_is_refused(phrase: str) -> None:
    spelled = "-".join(phrase[i : i + 3] for i in range(0, len(phrase), 3)).upper()
    assert key_problem(f"Vq3x9{spelled}Zr8Kc5") == "is a placeholder from an example, not a secret"


@pytest.mark.parametrize("word", PLACEHOLDER_KEYS)
def test_a_key_that_is_a_placeholder_as_a_whole_is_refused(word: str) -> None:
    key = " ".join(word.title()).ljust(16, "_")
    assert key_problem(key) == "is a placeholder from an example, not a secret"
    assert key_problem(f"Vq3x9{word}Zr8Kc5") != "is a placeholder from an example, not a secret"


# --------------------------------------------------------------------------------------------------
# admit: whether a link may open its portal now (one rule for every step of the gate)

_ADMIT_AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _admission(
    *, portal: Portal | None = None, access: PortalAccess | None = None, **link: object
) -> tuple[Link, Portal | None, PortalAccess | None]:
    fields: dict[str, object] = {
        "id": "link-1",
        "portal_id": "portal-1",
        "contact_id": "alice",
        "secret_hash": "0" * 64,
        "created_at": _ADMIT_AT,
    }
    fields.update(link)
    made = Link(**fields)  # type: ignore[arg-type]
    return made, portal, access


_PORTAL = Portal(
    id="portal-1", client_id="c", name="Acme", created_at=_ADMIT_AT, contact_ids={"alice"}
)
_ACCESS = PortalAccess(portal_id="portal-1")


def test_admit_gives_the_portal_and_its_access_to_a_good_link() -> None:
    link, portal, access = _admission(portal=_PORTAL, access=_ACCESS)
    assert admit(link, portal, access, generation=0, now=_ADMIT_AT) == (_PORTAL, _ACCESS)


@pytest.mark.parametrize(("portal", "access"), [(None, _ACCESS), (_PORTAL, None), (None, None)])
def test_admit_refuses_a_link_whose_portal_or_access_state_is_gone(
    portal: Portal | None, access: PortalAccess | None
) -> None:
    link, _, _ = _admission()
    with pytest.raises(PortalInactive, match="no longer exists") as refused:
        admit(link, portal, access, generation=0, now=_ADMIT_AT)
    assert refused.value.link_id == "link-1"


@pytest.mark.parametrize(
    ("changes", "generation", "refusal"),
    [
        ({"revoked_at": _ADMIT_AT}, 0, LinkRevoked),
        ({"expires_at": _ADMIT_AT}, 0, LinkExpired),
        ({}, 1, GenerationMismatch),  # the token names another generation than the link's
        ({"contact_id": "bob"}, 0, LinkRevoked),  # bob is not on the portal
    ],
)
def test_admit_names_why_a_link_may_not_open(
    changes: dict[str, object], generation: int, refusal: type[Exception]
) -> None:
    link, portal, access = _admission(portal=_PORTAL, access=_ACCESS, **changes)
    with pytest.raises(refusal):
        admit(link, portal, access, generation=generation, now=_ADMIT_AT)


def test_admit_refuses_every_link_of_a_portal_moved_on_or_switched_off() -> None:
    link, _, _ = _admission()
    with pytest.raises(GenerationMismatch):
        admit(link, _PORTAL, PortalAccess(portal_id="portal-1", generation=1), generation=0,
              now=_ADMIT_AT)  # fmt: skip
    with pytest.raises(PortalInactive, match="switched off"):
        admit(link, evolve(_PORTAL, active=False), _ACCESS, generation=0, now=_ADMIT_AT)
