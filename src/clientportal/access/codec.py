"""Signed values: what link tokens, session values and pending values say (the claims), and the
:class:`AccessCodec` that signs and checks them, CSRF tokens, one-time codes and client addresses.

A link's *token* is an itsdangerous ``URLSafeTimedSerializer`` value that names the link, the
portal's generation and 128 random bits whose SHA-256 the link record keeps. So a token is
worthless without the secret keys *and* the random bits, and neither the store nor the log ever
holds a usable token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Any, ClassVar

from attrs import field, frozen
from itsdangerous import BadData, Signer, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from ..errors import (
    CodeExpired,
    InvalidCsrfToken,
    InvalidToken,
    SessionExpired,
)
from .keys import SecretKeys as SecretKeys
from .keys import check_secret_keys as _key_list
from .randomness import CODE_DIGITS
from .records import AccessPolicy, OneTimeCode

__all__ = [
    "AccessCodec",
    "LinkClaim",
    "PendingClaim",
    "SecretKeys",
    "SessionClaim",
]

# itsdangerous signs with HMAC-SHA1 (20 bytes, 27 base64 characters). The last character carries two
# unused bits that base64 decoding ignores; allowing only the characters whose unused bits are zero
# makes every token's spelling unique, so no altered string is ever accepted.
_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIG_LAST = _B64_ALPHABET[::4]
_SIGNATURE = rf"[\w-]{{26}}[{_SIG_LAST}]"
# ``[.]payload.timestamp.signature``, URL-safe (a leading dot marks a zlib-compressed payload).
_SIGNED_SHAPE = re.compile(rf"\.?[\w-]+\.[\w-]+\.{_SIGNATURE}", re.ASCII)
_CSRF_SHAPE = re.compile(_SIGNATURE, re.ASCII)
_SIGNATURE_LENGTH = 27
# Values signed by another server whose clock runs a little ahead are still accepted.
_CLOCK_SKEW = dt.timedelta(minutes=1)


# --------------------------------------------------------------------------------------------------
# What signed values say


@frozen(kw_only=True)
class LinkClaim:
    """What a link token says: the link, the portal generation and the token's random part.

    ``issued_at`` is the signing time; read back from a token it is in whole seconds, UTC.
    """

    link_id: str
    generation: int
    secret: str = field(repr=False)
    issued_at: dt.datetime


@frozen(kw_only=True)
class SessionClaim:
    """What a session value says. ``session_id`` binds CSRF tokens to the session."""

    link_id: str
    generation: int
    session_id: str = field(repr=False)
    code_verified: bool
    issued_at: dt.datetime


@frozen(kw_only=True)
class PendingClaim:
    """What a pending value says: this visitor opened ``link_id`` and owes its one-time code."""

    link_id: str
    generation: int
    issued_at: dt.datetime


# --------------------------------------------------------------------------------------------------
# The codec


#: The signatures' hash, pinned: the token shape check counts on SHA-1's 27-character signatures,
#: so a change of itsdangerous' default must not change (and so break) every token in use.
_DIGEST = hashlib.sha1


class _StampSigner(TimestampSigner):
    """A :class:`TimestampSigner` that stamps the time it is given instead of reading the clock."""

    def __init__(self, secret_key: list[bytes], *, salt: bytes | None, stamp: int) -> None:
        super().__init__(secret_key, salt=salt, digest_method=_DIGEST)
        self._stamp = stamp

    def get_timestamp(self) -> int:
        return self._stamp


def _derive(key: bytes, purpose: str) -> bytes:
    return hmac.new(key, purpose.encode("ascii"), hashlib.sha256).digest()


def _stamp(at: dt.datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"signing time must be timezone-aware (e.g. datetime.now(timezone.utc)), "
            f"got {at.isoformat()}"
        )
    return int(at.timestamp())


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0


class AccessCodec:
    """Signs and checks every value that carries access, with per-purpose salts and key rotation.

    ``secret_keys`` is one key or a list ordered oldest → newest: values are signed with the newest
    and accepted under any of them, so a key can be added, and later the old one removed, without
    logging anybody out at once. Input longer than :attr:`max_length` is refused before any
    cryptography. Nothing secret appears in this object's ``repr`` or in any error it raises.
    """

    #: The longest token, session value or pending value accepted (real ones are ~100 characters).
    max_length: ClassVar[int] = 256
    #: The longest one-time code input looked at (spaces and dashes are allowed between digits).
    max_code_length: ClassVar[int] = 32
    #: Salt of link tokens.
    link_salt: ClassVar[str] = "clientportal.link"
    #: Salt of session values.
    session_salt: ClassVar[str] = "clientportal.session"
    #: Salt of pending values (the code step between opening a link and entering its code).
    pending_salt: ClassVar[str] = "clientportal.pending"
    #: Salt of CSRF tokens.
    csrf_salt: ClassVar[str] = "clientportal.csrf"
    #: Purpose of the key that hashes one-time codes.
    code_salt: ClassVar[str] = "clientportal.code"
    #: Purpose of the key that hashes client addresses.
    client_salt: ClassVar[str] = "clientportal.client"

    __slots__ = (
        "_client_key",
        "_code_keys",
        "_csrf",
        "_key_count",
        "_links",
        "_pending",
        "_sessions",
        "policy",
    )

    def __init__(self, secret_keys: SecretKeys, *, policy: AccessPolicy | None = None) -> None:
        keys = _key_list(secret_keys)
        #: The lifetimes and limits this codec applies.
        self.policy = AccessPolicy() if policy is None else policy
        self._key_count = len(keys)
        pinned = {"digest_method": _DIGEST}
        self._links = URLSafeTimedSerializer(keys, salt=self.link_salt, signer_kwargs=pinned)
        self._sessions = URLSafeTimedSerializer(keys, salt=self.session_salt, signer_kwargs=pinned)
        self._pending = URLSafeTimedSerializer(keys, salt=self.pending_salt, signer_kwargs=pinned)
        self._csrf = Signer(keys, salt=self.csrf_salt, digest_method=_DIGEST)
        self._code_keys = tuple(_derive(key, self.code_salt) for key in keys)
        self._client_key = _derive(keys[-1], self.client_salt)

    def __repr__(self) -> str:
        noun = "key" if self._key_count == 1 else "keys"
        return f"AccessCodec(<{self._key_count} secret {noun}>, policy={self.policy!r})"

    # -- signing and reading -------------------------------------------------------------------

    @staticmethod
    def _sign(serializer: URLSafeTimedSerializer, payload: list[Any], at: dt.datetime) -> str:
        signer = _StampSigner(serializer.secret_keys, salt=serializer.salt, stamp=_stamp(at))
        return signer.sign(serializer.dump_payload(payload)).decode("ascii")

    def _read(
        self, serializer: URLSafeTimedSerializer, value: object
    ) -> tuple[Any, dt.datetime] | None:
        """The payload and signing time of ``value``, or ``None`` when it is not genuine."""
        if (
            not isinstance(value, str)
            or len(value) > self.max_length
            or not _SIGNED_SHAPE.fullmatch(value)
        ):
            return None
        try:
            payload, signed_at = serializer.loads(value, return_timestamp=True)
        except BadData:
            # Raising outside this block keeps itsdangerous' error (which quotes the input) out of
            # the InvalidToken's context, so no traceback can show it.
            return None
        return payload, signed_at

    def link_token(self, claim: LinkClaim) -> str:
        """The URL-safe token for a link (about 100 characters), stamped ``claim.issued_at``."""
        return self._sign(
            self._links, [claim.link_id, claim.generation, claim.secret], claim.issued_at
        )

    def read_link_token(self, token: object) -> LinkClaim:
        """What a genuine link token says; :class:`~clientportal.InvalidToken` for anything else.

        Only the signature and shape are checked here; whether the link is still good is the
        gate's business.
        """
        read = self._read(self._links, token)
        if read is not None:
            payload, signed_at = read
            if (
                type(payload) is list
                and len(payload) == 3
                and type(payload[0]) is str
                and _is_count(payload[1])
                and type(payload[2]) is str
            ):
                return LinkClaim(
                    link_id=payload[0],
                    generation=payload[1],
                    secret=payload[2],
                    issued_at=signed_at,
                )
        raise InvalidToken()

    def session_value(self, claim: SessionClaim) -> str:
        """The signed session value (for a cookie), stamped ``claim.issued_at``."""
        payload = [claim.link_id, claim.generation, claim.session_id, int(claim.code_verified)]
        return self._sign(self._sessions, payload, claim.issued_at)

    def session_expires_at(self, claim: SessionClaim) -> dt.datetime:
        """When the session ends (signing time + the policy's session lifetime)."""
        return claim.issued_at + self.policy.session_lifetime

    def read_session(self, value: object, *, now: dt.datetime) -> SessionClaim:
        """What a genuine, unexpired session value says.

        Raises :class:`~clientportal.InvalidToken` for anything not signed by these keys as a
        session, :class:`~clientportal.SessionExpired` once the session lifetime is over.
        """
        read = self._read(self._sessions, value)
        claim: SessionClaim | None = None
        if read is not None:
            payload, signed_at = read
            if (
                type(payload) is list
                and len(payload) == 4
                and type(payload[0]) is str
                and _is_count(payload[1])
                and type(payload[2]) is str
                and payload[3] in (0, 1)
                and type(payload[3]) is int
            ):
                claim = SessionClaim(
                    link_id=payload[0],
                    generation=payload[1],
                    session_id=payload[2],
                    code_verified=payload[3] == 1,
                    issued_at=signed_at,
                )
        if claim is None or claim.issued_at > now + _CLOCK_SKEW:
            raise InvalidToken()
        if now >= self.session_expires_at(claim):
            raise SessionExpired(link_id=claim.link_id)
        return claim

    def pending_value(self, claim: PendingClaim) -> str:
        """The signed value that carries a visitor from a link to its one-time code."""
        return self._sign(self._pending, [claim.link_id, claim.generation], claim.issued_at)

    def read_pending(self, value: object, *, now: dt.datetime) -> PendingClaim:
        """What a genuine pending value says.

        Raises :class:`~clientportal.InvalidToken` for anything else and
        :class:`~clientportal.CodeExpired` once the policy's ``pending_lifetime`` is over.
        """
        read = self._read(self._pending, value)
        claim: PendingClaim | None = None
        if read is not None:
            payload, signed_at = read
            if (
                type(payload) is list
                and len(payload) == 2
                and type(payload[0]) is str
                and _is_count(payload[1])
            ):
                claim = PendingClaim(link_id=payload[0], generation=payload[1], issued_at=signed_at)
        if claim is None or claim.issued_at > now + _CLOCK_SKEW:
            raise InvalidToken()
        if now >= claim.issued_at + self.policy.pending_lifetime:
            raise CodeExpired(
                "the code step took too long: open the link again to ask for a new code",
                link_id=claim.link_id,
            )
        return claim

    # -- CSRF ----------------------------------------------------------------------------------

    def csrf_token(self, session_id: str) -> str:
        """The CSRF token of a session: state-changing requests must send it back."""
        return self._csrf.get_signature(session_id).decode("ascii")

    def check_csrf(self, session_id: str, token: object) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``token`` belongs to the session."""
        if (
            isinstance(token, str)
            and len(token) == _SIGNATURE_LENGTH
            and _CSRF_SHAPE.fullmatch(token)
            and self._csrf.verify_signature(session_id, token)
        ):
            return
        raise InvalidCsrfToken()

    # -- one-time codes and client addresses ---------------------------------------------------

    def hash_code(self, code_id: str, code: str) -> str:
        """The keyed hash a store keeps of a one-time code (bound to the code's id)."""
        return self._code_hash(self._code_keys[-1], code_id, code)

    @staticmethod
    def _code_hash(key: bytes, code_id: str, code: str) -> str:
        message = f"{code_id}:{code}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def code_matches(self, record: OneTimeCode, attempt: str) -> bool:
        """True when ``attempt`` is the code ``record`` was made for (constant-time, any key).

        Spaces and dashes between the digits are ignored; anything else that is not exactly
        :data:`CODE_DIGITS` ASCII digits never matches.
        """
        if not isinstance(attempt, str) or len(attempt) > self.max_code_length:
            return False
        digits = attempt.replace(" ", "").replace("-", "")
        if len(digits) != CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
            return False
        found = False
        for key in self._code_keys:
            found |= hmac.compare_digest(self._code_hash(key, record.id, digits), record.code_hash)
        return found

    def client_hash(self, address: str) -> str:
        """A keyed hash of a client address (32 hex digits), for the log and rate limits."""
        return hmac.new(self._client_key, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
