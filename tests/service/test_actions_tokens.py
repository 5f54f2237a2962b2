"""The tokens of action links (``service/actions.py``, :class:`ActionTokens`): signed with their own
salt, rotating keys like links, naming the request and a random part whose SHA-256 is all the
store keeps; anything altered, cut, re-purposed or signed with an unknown key reads as nothing.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer

from clientportal import ConfigError
from clientportal.access import AccessCodec, LinkClaim
from clientportal.redaction import redact_tokens
from clientportal.service.actions import ActionTokens
from worlds import NEW_SECRET, SECRET, T0

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def counting_bytes() -> object:
    """A predictable random source: 0, 1, 2, ... byte after byte."""
    counter = itertools.count()
    return lambda n: bytes(next(counter) % 256 for _ in range(n))


def test_a_token_names_its_request_and_the_store_keeps_only_the_hash_of_its_secret() -> None:
    tokens = ActionTokens([SECRET])
    token, token_hash = tokens.issue("req-1")
    assert tokens.read(token) == ("req-1", token_hash)
    assert len(token_hash) == 64
    assert int(token_hash, 16) >= 0
    assert token_hash not in token
    assert len(token) < 120
    signer = URLSafeTimedSerializer(
        [SECRET], salt=ActionTokens.salt, signer_kwargs={"digest_method": hashlib.sha256}
    )
    payload = signer.loads(token)
    request_id, secret = payload
    assert request_id == "req-1"
    assert hashlib.sha256(secret.encode()).hexdigest() == token_hash
    assert len(secret) >= 22  # 128 random bits


def test_every_token_has_its_own_secret() -> None:
    tokens = ActionTokens([SECRET])
    issued = [tokens.issue("req-1") for _ in range(20)]
    assert len({h for _, h in issued}) == 20
    assert len({t for t, _ in issued}) == 20


def test_the_random_source_is_what_draws_the_secret() -> None:
    first = ActionTokens([SECRET], random_bytes=counting_bytes()).issue("r")  # type: ignore[arg-type]
    again = ActionTokens([SECRET], random_bytes=counting_bytes()).issue("r")  # type: ignore[arg-type]
    assert first[1] == again[1]


def test_keys_rotate_like_the_links_keys() -> None:
    old = ActionTokens([SECRET])
    both = ActionTokens([SECRET, NEW_SECRET])
    new = ActionTokens([NEW_SECRET])
    token, token_hash = old.issue("req-1")
    assert both.read(token) == ("req-1", token_hash)  # an e-mail sent before the rotation works
    fresh, fresh_hash = both.issue("req-2")
    assert new.read(fresh) == ("req-2", fresh_hash)  # signed with the newest key
    assert old.read(fresh) is None
    assert new.read(token) is None  # once the old key is dropped, its tokens read as nothing


def test_a_link_token_or_another_salts_value_is_not_an_action_token() -> None:
    tokens = ActionTokens([SECRET])
    codec = AccessCodec([SECRET])
    link = codec.link_token(LinkClaim(link_id="req-1", generation=0, secret="s" * 22, issued_at=T0))
    assert tokens.read(link) is None
    other = URLSafeTimedSerializer([SECRET], salt="clientportal.link").dumps(["req-1", "x" * 22])
    assert tokens.read(other) is None


@pytest.mark.parametrize(
    "payload",
    [["req-1"], ["req-1", "s", "x"], "req-1", [1, "s"], ["req-1", 2], ["", "s"], ["r", ""], None],
)
def test_a_genuine_signature_over_the_wrong_payload_reads_as_nothing(payload: object) -> None:
    signer = URLSafeTimedSerializer(
        [SECRET], salt=ActionTokens.salt, signer_kwargs={"digest_method": hashlib.sha256}
    )
    assert ActionTokens([SECRET]).read(signer.dumps(payload)) is None


@pytest.mark.parametrize("value", [None, 12, b"bytes", "", "a.b.c", "x" * 300, "../../etc"])
def test_anything_that_is_no_token_reads_as_nothing(value: object) -> None:
    assert ActionTokens([SECRET]).read(value) is None


@given(st.data())
def test_any_altered_character_reads_as_nothing(data: st.DataObject) -> None:
    tokens = ActionTokens([SECRET])
    token, _ = tokens.issue("req-1")
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(_B64 + "."))
    altered = token[:position] + replacement + token[position + 1 :]
    if altered != token:
        assert tokens.read(altered) is None


def test_a_cut_or_lengthened_token_reads_as_nothing() -> None:
    tokens = ActionTokens([SECRET])
    token, _ = tokens.issue("req-1")
    assert tokens.read(token[:-1]) is None
    assert tokens.read(token + "A") is None
    assert tokens.read(" " + token) is None


def test_the_signatures_last_character_has_one_spelling() -> None:
    # Base64 leaves two bits of the last character unused: its siblings decode to the same
    # signature, and must not be accepted as another spelling of the same token.
    tokens = ActionTokens([SECRET])
    token, _ = tokens.issue("req-1")
    last = _B64.index(token[-1])
    siblings = [_B64[last - last % 4 + i] for i in range(4)]
    for sibling in siblings:
        altered = token[:-1] + sibling
        assert (tokens.read(altered) is not None) == (altered == token)


def test_action_tokens_are_kept_out_of_log_lines() -> None:
    token, _ = ActionTokens([SECRET]).issue("req-1")
    line = f'GET /act/{token} HTTP/1.1" 200'
    assert token not in redact_tokens(line)
    assert "/act/[token]" in redact_tokens(line)


def test_bad_keys_are_refused_with_the_fix_and_never_shown() -> None:
    with pytest.raises(ConfigError, match=r"secrets\.token_urlsafe") as raised:
        ActionTokens(["Zq9xK"])
    assert "Zq9xK" not in str(raised.value)
    assert "secret" in repr(ActionTokens([SECRET]))
    assert SECRET not in repr(ActionTokens([SECRET]))
