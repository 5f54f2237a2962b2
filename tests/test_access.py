"""The pure access logic: the token codec, sessions, CSRF, one-time code helpers and the records.

The gate over the ports, its one-time code step and the rule that it leaks no secret are tested
in ``tests/service/test_access.py`` and ``tests/service/test_access_codes.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import string

import itsdangerous
import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from clientportal import (
    AccessPolicy,
    ConfigError,
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
from clientportal.errors import CodeExpired

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
KEY = "an-old-secret-key-of-32-characters!"
NEW_KEY = "a-new-secret-key-of-32-characters!!"
URL_SAFE = set(string.ascii_letters + string.digits + "-_.")
ALPHABET = string.ascii_letters + string.digits + "-_"


def claim(link_id: str = "link-1", generation: int = 0, secret: str | None = None) -> LinkClaim:
    return LinkClaim(
        link_id=link_id,
        generation=generation,
        secret=new_secret() if secret is None else secret,
        issued_at=T0,
    )


def session(session_id: str = "s" * 22, *, verified: bool = False) -> SessionClaim:
    return SessionClaim(
        link_id="link-1",
        generation=2,
        session_id=session_id,
        code_verified=verified,
        issued_at=T0,
    )


CODEC = AccessCodec(KEY)
TOKEN_CLAIM = claim()
TOKEN = CODEC.link_token(TOKEN_CLAIM)


# --------------------------------------------------------------------------------------------------
# Link tokens


def test_link_token_round_trips_to_its_claim() -> None:
    assert CODEC.read_link_token(TOKEN) == TOKEN_CLAIM


def test_link_token_is_compact_and_url_safe() -> None:
    assert len(TOKEN) <= 110
    assert set(TOKEN) <= URL_SAFE


def test_link_token_carries_128_unpredictable_bits() -> None:
    asked: list[int] = []

    def spy(n: int) -> bytes:
        asked.append(n)
        return bytes(range(n))

    assert len(new_secret(spy)) == 22
    assert asked == [16]
    assert len({new_secret() for _ in range(100)}) == 100
    tokens = {CODEC.link_token(claim()) for _ in range(20)}
    assert len(tokens) == 20


def test_link_token_is_an_ordinary_itsdangerous_timed_token() -> None:
    bare = URLSafeTimedSerializer(KEY, salt=AccessCodec.link_salt)
    payload, signed_at = bare.loads(TOKEN, return_timestamp=True)
    assert payload == [TOKEN_CLAIM.link_id, 0, TOKEN_CLAIM.secret]
    assert signed_at == T0


def test_the_signature_hash_is_pinned_whatever_itsdangerous_defaults_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shape check counts on SHA-1's 27 characters: if itsdangerous changed its default, every
    # token in use would stop opening. The codec names its hash, so nothing changes.
    monkeypatch.setattr(itsdangerous.signer.Signer, "default_digest_method", hashlib.sha256)
    codec = AccessCodec(KEY)
    assert codec.link_token(TOKEN_CLAIM) == TOKEN
    assert codec.read_link_token(TOKEN) == TOKEN_CLAIM
    assert codec.csrf_token("session-1") == CODEC.csrf_token("session-1")


def test_tampering_with_any_character_is_refused() -> None:
    for position, original in enumerate(TOKEN):
        for replacement in ALPHABET + ".":
            if replacement == original:
                continue
            tampered = TOKEN[:position] + replacement + TOKEN[position + 1 :]
            with pytest.raises(InvalidToken):
                CODEC.read_link_token(tampered)


def test_the_signature_has_one_spelling_only() -> None:
    # The last signature character carries two bits base64 decoding ignores: its siblings decode
    # to the same bytes, and must still be refused.
    last = TOKEN[-1]
    index = ALPHABET.index(last)
    siblings = [ALPHABET[index - index % 4 + k] for k in range(4)]
    assert last in siblings
    for sibling in siblings:
        if sibling != last:
            with pytest.raises(InvalidToken):
                CODEC.read_link_token(TOKEN[:-1] + sibling)


def test_truncation_at_any_length_is_refused() -> None:
    for length in range(len(TOKEN)):
        with pytest.raises(InvalidToken):
            CODEC.read_link_token(TOKEN[:length])
        with pytest.raises(InvalidToken):
            CODEC.read_link_token(TOKEN[len(TOKEN) - length :] if length else "")


def test_appending_anything_is_refused() -> None:
    for extra in ["=", "==", "A", ".", " ", "\n", "%3D", TOKEN]:
        with pytest.raises(InvalidToken):
            CODEC.read_link_token(TOKEN + extra)


@pytest.mark.parametrize(
    "salt",
    [
        AccessCodec.session_salt,
        AccessCodec.pending_salt,
        AccessCodec.csrf_salt,
        "itsdangerous",
        None,
    ],
)
def test_tokens_signed_for_another_purpose_are_refused(salt: str | None) -> None:
    other = URLSafeTimedSerializer(KEY, salt=salt) if salt else URLSafeTimedSerializer(KEY)
    forged = other.dumps([TOKEN_CLAIM.link_id, 0, TOKEN_CLAIM.secret])
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(forged)


def test_untimed_tokens_with_the_right_key_and_salt_are_refused() -> None:
    untimed = URLSafeSerializer(KEY, salt=AccessCodec.link_salt)
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(untimed.dumps([TOKEN_CLAIM.link_id, 0, TOKEN_CLAIM.secret]))


def test_tokens_signed_with_another_key_are_refused() -> None:
    with pytest.raises(InvalidToken):
        AccessCodec(NEW_KEY).read_link_token(TOKEN)


def test_rotated_keys_accept_old_tokens_until_the_old_key_is_removed() -> None:
    rotated = AccessCodec([KEY, NEW_KEY])
    assert rotated.read_link_token(TOKEN) == TOKEN_CLAIM
    fresh = rotated.link_token(TOKEN_CLAIM)
    assert AccessCodec(NEW_KEY).read_link_token(fresh) == TOKEN_CLAIM  # signed with the newest
    with pytest.raises(InvalidToken):
        AccessCodec(KEY).read_link_token(fresh)
    with pytest.raises(InvalidToken):
        AccessCodec(NEW_KEY).read_link_token(TOKEN)


@pytest.mark.parametrize(
    "payload",
    [
        ["link-1", 0],
        ["link-1", 0, "x", "y"],
        ["link-1", -1, "secret"],
        ["link-1", True, "secret"],
        ["link-1", 1.0, "secret"],
        [1, 0, "secret"],
        ["link-1", 0, None],
        {"link": "link-1"},
        "link-1",
        None,
    ],
)
def test_genuine_tokens_of_the_wrong_shape_are_refused(payload: object) -> None:
    signer = URLSafeTimedSerializer(KEY, salt=AccessCodec.link_salt)
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(signer.dumps(payload))


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["list"], "", " ", "a.b.c", "...."])
def test_values_that_are_not_token_strings_are_refused(value: object) -> None:
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(value)


def test_over_long_input_is_refused_before_any_cryptography(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_crypto(*args: object, **kwargs: object) -> object:
        raise AssertionError("cryptography ran on over-long input")

    monkeypatch.setattr(hmac, "new", no_crypto)
    monkeypatch.setattr(hashlib, "sha1", no_crypto)
    monkeypatch.setattr(URLSafeTimedSerializer, "loads", no_crypto)
    too_long = TOKEN + "A" * (AccessCodec.max_length - len(TOKEN) + 1)
    for read in (
        CODEC.read_link_token,
        lambda value: CODEC.read_session(value, now=T0),
        lambda value: CODEC.read_pending(value, now=T0),
    ):
        with pytest.raises(InvalidToken):
            read(too_long)
        with pytest.raises(InvalidToken):
            read("x" * 10_000_000)
    with pytest.raises(InvalidCsrfToken):
        CODEC.check_csrf("session", "A" * 10_000)


def mutations(token: str) -> st.SearchStrategy[str]:
    """Random edits of ``token``: replace, insert, delete, cut, swap, repeat and splice."""
    position = st.integers(0, len(token) - 1)
    char = st.sampled_from(ALPHABET + ".=%+/ \x00é")
    segments = token.split(".")
    edits = st.one_of(
        st.tuples(st.just("replace"), position, char),
        st.tuples(st.just("insert"), position, char),
        st.tuples(st.just("delete"), position, st.just("")),
        st.tuples(st.just("cut"), position, st.just("")),
        st.tuples(st.just("swapcase"), position, st.just("")),
        st.tuples(st.just("segment"), st.integers(0, len(segments) - 1), st.text(ALPHABET)),
    )

    def apply(text: str, edit: tuple[str, int, str]) -> str:
        kind, at, value = edit
        at = min(at, max(len(text) - 1, 0))
        if kind == "replace":
            return text[:at] + value + text[at + 1 :]
        if kind == "insert":
            return text[:at] + value + text[at:]
        if kind == "delete":
            return text[:at] + text[at + 1 :]
        if kind == "cut":
            return text[:at]
        if kind == "swapcase":
            return text[:at] + text[at : at + 1].swapcase() + text[at + 1 :]
        parts = text.split(".")
        if at < len(parts):
            parts[at] = value
        return ".".join(parts)

    def run(edits: list[tuple[str, int, str]]) -> str:
        text = token
        for edit in edits:
            text = apply(text, edit)
        return text

    return st.lists(edits, min_size=1, max_size=4).map(run)


@given(mutations(TOKEN))
def test_mutated_tokens_are_never_accepted(mutated: str) -> None:
    if mutated == TOKEN:
        assert CODEC.read_link_token(mutated) == TOKEN_CLAIM
        return
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(mutated)


OTHER_TOKEN = CODEC.link_token(claim("link-2", 0))


@given(st.lists(st.booleans(), min_size=3, max_size=3))
def test_splicing_two_genuine_tokens_is_never_accepted(take_other: list[bool]) -> None:
    ours, theirs = TOKEN.split("."), OTHER_TOKEN.split(".")
    spliced = ".".join(
        t if pick else o for o, t, pick in zip(ours, theirs, take_other, strict=True)
    )
    if spliced in (TOKEN, OTHER_TOKEN):
        return
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(spliced)


# --------------------------------------------------------------------------------------------------
# Sessions and pending values


def test_session_value_round_trips_and_expires_after_the_default_30_days() -> None:
    value = CODEC.session_value(session(verified=True))
    assert CODEC.read_session(value, now=T0) == session(verified=True)
    last_second = T0 + dt.timedelta(days=30) - dt.timedelta(seconds=1)
    assert CODEC.read_session(value, now=last_second).code_verified is True
    assert CODEC.session_expires_at(session()) == T0 + dt.timedelta(days=30)
    with pytest.raises(SessionExpired):
        CODEC.read_session(value, now=T0 + dt.timedelta(days=30))


def test_session_lifetime_is_configurable() -> None:
    codec = AccessCodec(KEY, policy=AccessPolicy(session_lifetime=dt.timedelta(hours=8)))
    value = codec.session_value(session())
    assert codec.read_session(value, now=T0 + dt.timedelta(hours=7)).link_id == "link-1"
    with pytest.raises(SessionExpired):
        codec.read_session(value, now=T0 + dt.timedelta(hours=8))


def test_a_shortened_lifetime_applies_to_sessions_already_given_out() -> None:
    value = CODEC.session_value(session())
    shorter = AccessCodec(KEY, policy=AccessPolicy(session_lifetime=dt.timedelta(days=1)))
    with pytest.raises(SessionExpired):
        shorter.read_session(value, now=T0 + dt.timedelta(days=2))


def test_session_values_signed_in_the_future_are_refused() -> None:
    value = CODEC.session_value(session())
    with pytest.raises(InvalidToken):
        CODEC.read_session(value, now=T0 - dt.timedelta(hours=1))
    assert CODEC.read_session(value, now=T0 - dt.timedelta(seconds=30)).link_id == "link-1"


def test_link_tokens_session_values_and_pending_values_are_not_interchangeable() -> None:
    session_value = CODEC.session_value(session())
    pending = CODEC.pending_value(PendingClaim(link_id="link-1", generation=0, issued_at=T0))
    with pytest.raises(InvalidToken):
        CODEC.read_session(TOKEN, now=T0)
    with pytest.raises(InvalidToken):
        CODEC.read_session(pending, now=T0)
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(session_value)
    with pytest.raises(InvalidToken):
        CODEC.read_link_token(pending)
    with pytest.raises(InvalidToken):
        CODEC.read_pending(session_value, now=T0)
    with pytest.raises(InvalidToken):
        CODEC.read_pending(TOKEN, now=T0)


def test_session_values_from_another_key_are_refused_and_rotation_keeps_them() -> None:
    value = CODEC.session_value(session())
    with pytest.raises(InvalidToken):
        AccessCodec(NEW_KEY).read_session(value, now=T0)
    assert AccessCodec([KEY, NEW_KEY]).read_session(value, now=T0) == session()


@given(mutations(CODEC.session_value(session())))
def test_mutated_session_values_are_never_accepted(mutated: str) -> None:
    original = CODEC.session_value(session())
    if mutated == original:
        return
    with pytest.raises(InvalidToken):
        CODEC.read_session(mutated, now=T0)


def test_pending_value_round_trips_and_expires_after_its_lifetime() -> None:
    pending = PendingClaim(link_id="link-1", generation=3, issued_at=T0)
    value = CODEC.pending_value(pending)
    assert CODEC.read_pending(value, now=T0 + dt.timedelta(minutes=59)) == pending
    with pytest.raises(CodeExpired):
        CODEC.read_pending(value, now=T0 + dt.timedelta(hours=1))


def test_signing_needs_an_aware_time() -> None:
    naive = dt.datetime(2025, 1, 1)
    unaware = SessionClaim(
        link_id="link-1", generation=0, session_id="s", code_verified=False, issued_at=naive
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        CODEC.session_value(unaware)


# --------------------------------------------------------------------------------------------------
# CSRF


def test_csrf_token_is_bound_to_its_session() -> None:
    token = CODEC.csrf_token("session-a")
    CODEC.check_csrf("session-a", token)
    with pytest.raises(InvalidCsrfToken):
        CODEC.check_csrf("session-b", token)


@pytest.mark.parametrize("bad", [None, "", "x", 42, b"bytes"])
def test_missing_or_malformed_csrf_tokens_are_refused(bad: object) -> None:
    with pytest.raises(InvalidCsrfToken):
        CODEC.check_csrf("session-a", bad)


def test_tampered_csrf_tokens_are_refused() -> None:
    token = CODEC.csrf_token("session-a")
    for position, original in enumerate(token):
        for replacement in ALPHABET:
            if replacement != original:
                with pytest.raises(InvalidCsrfToken):
                    CODEC.check_csrf(
                        "session-a", token[:position] + replacement + token[position + 1 :]
                    )


def test_csrf_tokens_survive_key_rotation_and_die_with_the_old_key() -> None:
    token = CODEC.csrf_token("session-a")
    AccessCodec([KEY, NEW_KEY]).check_csrf("session-a", token)
    with pytest.raises(InvalidCsrfToken):
        AccessCodec(NEW_KEY).check_csrf("session-a", token)


# --------------------------------------------------------------------------------------------------
# One-time codes and client hashes


def test_codes_have_six_digits() -> None:
    for _ in range(200):
        code = new_code()
        assert len(code) == 6
        assert code.isdigit()


def test_code_draws_above_the_fair_limit_are_redrawn() -> None:
    draws = iter(
        [
            (2**32 - 1).to_bytes(4, "big"),
            (4_294_000_000).to_bytes(4, "big"),
            (1_000_042).to_bytes(4, "big"),
        ]
    )
    assert new_code(lambda n: next(draws)) == "000042"


def test_a_random_source_that_never_gives_a_fair_draw_is_reported() -> None:
    with pytest.raises(ValueError, match="random source"):
        new_code(lambda n: b"\xff" * n)


def test_code_hash_is_keyed_and_bound_to_the_code_id() -> None:
    digest = CODEC.hash_code("code-1", "123456")
    assert len(digest) == 64
    assert "123456" not in digest
    assert digest != hashlib.sha256(b"123456").hexdigest()
    assert digest != CODEC.hash_code("code-2", "123456")
    assert digest != AccessCodec(NEW_KEY).hash_code("code-1", "123456")


def code_record(codec: AccessCodec, code: str) -> OneTimeCode:
    return OneTimeCode(
        id="code-1",
        link_id="link-1",
        code_hash=codec.hash_code("code-1", code),
        created_at=T0,
        expires_at=T0 + dt.timedelta(minutes=15),
    )


def test_code_matches_only_its_own_digits_spaces_and_dashes_aside() -> None:
    record = code_record(CODEC, "012345")
    assert CODEC.code_matches(record, "012345")
    assert CODEC.code_matches(record, "012 345")
    assert CODEC.code_matches(record, "012-345")
    for wrong in [
        "012346",
        "12345",
        "0123456",
        "",
        "０１２３４５",
        "01234５",
        "x" * 1000,
        "012345\n",
    ]:
        assert not CODEC.code_matches(record, wrong)


def test_codes_hashed_under_an_old_key_still_match_after_rotation() -> None:
    record = code_record(CODEC, "424242")
    assert AccessCodec([KEY, NEW_KEY]).code_matches(record, "424242")
    assert not AccessCodec(NEW_KEY).code_matches(record, "424242")


def test_client_hash_is_keyed_stable_and_hides_the_address() -> None:
    first = CODEC.client_hash("203.0.113.7")
    assert first == CODEC.client_hash("203.0.113.7")
    assert first != CODEC.client_hash("203.0.113.8")
    assert first != AccessCodec(NEW_KEY).client_hash("203.0.113.7")
    assert len(first) == 32
    assert "203" not in first


# --------------------------------------------------------------------------------------------------
# Keys, policy and records


@pytest.mark.parametrize("keys", [[], "short", b"short", [KEY, "short"], [KEY, 42]])
def test_bad_secret_keys_are_refused_without_showing_them(keys: object) -> None:
    with pytest.raises(ConfigError) as caught:
        AccessCodec(keys)  # type: ignore[arg-type]
    assert "short" not in str(caught.value)
    assert KEY not in str(caught.value)


def test_key_errors_never_show_the_key() -> None:
    short = "tiny-secret"
    with pytest.raises(ConfigError) as caught:
        AccessCodec([KEY, short])
    assert short not in str(caught.value)
    assert KEY not in str(caught.value)


def test_secret_keys_may_be_str_or_bytes() -> None:
    token = AccessCodec(KEY.encode()).link_token(TOKEN_CLAIM)
    assert CODEC.read_link_token(token) == TOKEN_CLAIM


@pytest.mark.parametrize(
    "changes",
    [
        {"session_lifetime": dt.timedelta(0)},
        {"session_lifetime": 3600},
        {"link_lifetime": dt.timedelta(seconds=-5)},
        {"code_lifetime": dt.timedelta(milliseconds=10)},
        {"code_attempts": 0},
        {"code_attempts": True},
        {"pending_lifetime": None},
    ],
)
def test_access_policy_refuses_nonsense(changes: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        AccessPolicy(**changes)  # type: ignore[arg-type]


def test_access_policy_defaults_are_the_source_products() -> None:
    policy = AccessPolicy()
    assert policy.session_lifetime == dt.timedelta(days=30)
    assert policy.code_lifetime == dt.timedelta(minutes=15)
    assert policy.code_attempts == 5
    assert policy.session_idle_timeout == dt.timedelta(days=7)
    assert policy.link_lifetime == dt.timedelta(days=180)


def make_link(**changes: object) -> Link:
    fields: dict[str, object] = {
        "id": "link-1",
        "portal_id": "portal-1",
        "contact_id": "alice",
        "generation": 1,
        "secret_hash": secret_digest("s3cret"),
        "created_at": T0,
    }
    fields.update(changes)
    return Link(**fields)  # type: ignore[arg-type]


def test_link_status_revoked_beats_superseded_beats_expired() -> None:
    later = T0 + dt.timedelta(days=2)
    link = make_link(expires_at=T0 + dt.timedelta(days=1))
    assert link.status(now=T0, generation=1) is LinkStatus.ACTIVE
    assert link.status(now=later, generation=1) is LinkStatus.EXPIRED
    assert link.status(now=later, generation=2) is LinkStatus.SUPERSEDED
    revoked = make_link(expires_at=T0 + dt.timedelta(days=1), revoked_at=T0)
    assert revoked.status(now=later, generation=2) is LinkStatus.REVOKED


def test_link_expires_at_its_expiry_instant() -> None:
    link = make_link(expires_at=T0 + dt.timedelta(hours=1))
    assert link.status(now=T0 + dt.timedelta(minutes=59), generation=1) is LinkStatus.ACTIVE
    assert link.status(now=T0 + dt.timedelta(hours=1), generation=1) is LinkStatus.EXPIRED


def test_link_matches_only_its_own_secret() -> None:
    link = make_link()
    assert link.matches("s3cret")
    assert not link.matches("s3cret ")
    assert link.shared is False
    assert make_link(contact_id=None).shared is True


@pytest.mark.parametrize(
    "changes",
    [
        {"id": ""},
        {"generation": -1},
        {"generation": True},
        {"secret_hash": "s3cret"},
        {"created_at": dt.datetime(2025, 1, 1)},
        {"expires_at": dt.datetime(2025, 1, 1)},
    ],
)
def test_link_records_validate_their_fields(changes: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        make_link(**changes)


def test_random_ids_are_url_safe_and_distinct() -> None:
    ids = [random_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(len(i) == 16 and set(i) <= URL_SAFE for i in ids)
    assert not any(i.startswith("-") for i in ids)  # never read as an option on a command line
    counter = itertools.count()
    assert random_id(lambda n: bytes([next(counter) % 256] * n)) == "AAAAAAAAAAAAAAAA"


def test_a_random_source_returning_too_few_bytes_is_reported() -> None:
    with pytest.raises(ValueError, match="random source"):
        random_id(lambda n: b"\x00")
