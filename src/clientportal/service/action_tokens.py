"""The tokens of one-click action links (:class:`ActionTokens`): signed with itsdangerous under
their own salt and the service's secret keys (oldest → newest, for rotation), naming an
:class:`~clientportal.ports.ApprovalRequest` and 128 random bits whose SHA-256 is all the store
keeps. Re-exported by :mod:`clientportal.service.actions`, which puts them to work.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any, ClassVar

from itsdangerous import BadData, URLSafeTimedSerializer

from ..access import RandomBytes, SecretKeys, new_secret, secret_digest
from ..access.keys import check_secret_keys

__all__ = ["ActionTokens"]

# The signature is HMAC-SHA256: 32 bytes, 43 base64 characters whose last one carries two bits
# that base64 decoding ignores. Allowing only the characters whose unused bits are zero makes
# every token's spelling unique, so no altered string is ever accepted.
_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SIGNATURE = rf"[\w-]{{42}}[{_B64_ALPHABET[::4]}]"
# ``[.]payload.timestamp.signature``, URL-safe (a leading dot marks a zlib-compressed payload):
# the shape of every signed value of the library, so the log filter
# (:mod:`clientportal.redaction`) keeps action tokens out of log files as it does link tokens.
_TOKEN_SHAPE = re.compile(rf"\.?[\w-]+\.[\w-]+\.{_SIGNATURE}", re.ASCII)


class ActionTokens:
    """Signs and reads the tokens of action links.

    ``secret_keys`` is one key or a list ordered oldest → newest (the service's keys): tokens
    are signed with the newest and read under any of them, so keys rotate as links' keys do. The
    salt is the action links' own, so no link, session or CSRF token reads as an action token.
    A token is stamped with the time it was signed, but how long it works is its request's
    ``expires_at`` (the store's word, like whether it was used).
    """

    #: Salt of action tokens.
    salt: ClassVar[str] = "clientportal.action"
    #: The longest token looked at (real ones are about 100 characters).
    max_length: ClassVar[int] = 256

    __slots__ = ("_key_count", "_random", "_serializer")

    def __init__(
        self, secret_keys: SecretKeys, *, random_bytes: RandomBytes = secrets.token_bytes
    ) -> None:
        keys = check_secret_keys(secret_keys)
        self._key_count = len(keys)
        self._serializer = URLSafeTimedSerializer(
            keys, salt=self.salt, signer_kwargs={"digest_method": hashlib.sha256}
        )
        self._random = random_bytes

    def __repr__(self) -> str:
        noun = "key" if self._key_count == 1 else "keys"
        return f"ActionTokens(<{self._key_count} secret {noun}>)"

    def issue(self, request_id: str) -> tuple[str, str]:
        """A new token for the request ``request_id``, and the hash its request keeps
        (:attr:`ApprovalRequest.token_hash <clientportal.ports.ApprovalRequest.token_hash>`:
        the SHA-256, hex, of the token's random part). The token exists only in the e-mail."""
        secret = new_secret(self._random)
        token = self._serializer.dumps([request_id, secret])
        if not isinstance(token, str):  # URLSafeSerializer always gives text; mypy cannot tell
            raise TypeError("itsdangerous returned bytes for a URL-safe token")
        return token, secret_digest(secret)

    def read(self, token: object) -> tuple[str, str] | None:
        """The request id a genuine token names and the hash of its random part (to compare with
        the request's ``token_hash``), or ``None`` for anything else: too long, misshapen,
        altered, signed for another purpose or with a key no longer configured."""
        if (
            not isinstance(token, str)
            or len(token) > self.max_length
            or not _TOKEN_SHAPE.fullmatch(token)
        ):
            return None
        try:
            payload: Any = self._serializer.loads(token)
        except BadData:
            return None
        if (
            type(payload) is list
            and len(payload) == 2
            and type(payload[0]) is str
            and type(payload[1]) is str
            and payload[0]
            and payload[1]
        ):
            return payload[0], secret_digest(payload[1])
        return None
