"""Keep link tokens (and session values) out of log files.

A link token is a capability: whoever reads it in a log can open the portal. The library never
writes one into a log line; but a host's web server logs every request line, and ``/l/<token>``
is one. :class:`RedactTokens` is a :class:`logging.Filter` for those loggers:

.. code-block:: python

    import logging
    from clientportal.redaction import RedactTokens

    for name in ("uvicorn.access", "werkzeug", "django.server", "gunicorn.access"):
        logging.getLogger(name).addFilter(RedactTokens())

It rewrites a record's message, its arguments (uvicorn's access records keep the path there, and
uvicorn's formatter still finds them where it expects), the traceback text and the stack text,
replacing every token-shaped value with ``[token]``. A value is token-shaped when, once
percent-decoded, it holds an itsdangerous signed value: ``payload.timestamp.signature`` of URL-safe
base64 with a signature of at least 27 characters. Paths, ids, dates and dotted names stay.

Importing this module imports nothing beyond the standard library.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote

__all__ = ["REDACTED", "RedactTokens", "redact_tokens"]

#: What a token is replaced with.
REDACTED: Final = "[token]"

# A run of characters a URL segment or query value is made of; tokens never span "/", "?", "=",
# "&", quotes or spaces, so a run is the unit that is kept or replaced.
_RUN = re.compile(r"[A-Za-z0-9_.~%+-]+")
# ``[.]payload.timestamp.signature`` (itsdangerous, URL-safe; SHA-1 signatures are 27 characters).
_SIGNED = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{27,}", re.ASCII)
_DECODE_ROUNDS = 3


def _holds_token(run: str) -> bool:
    text = run
    for _ in range(_DECODE_ROUNDS):
        if _SIGNED.search(text):
            return True
        if "%" not in text:
            return False
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return _SIGNED.search(text) is not None


def redact_tokens(text: str) -> str:
    """``text`` with every token-shaped value (raw or percent-encoded) replaced by ``[token]``."""
    if "." not in text and "%" not in text:
        return text
    return _RUN.sub(lambda m: REDACTED if _holds_token(m.group()) else m.group(), text)


def _redact_value(value: object) -> object:
    """A log argument without tokens: strings are redacted, numbers kept, anything else kept
    unless its text holds a token (then the redacted text stands in for it)."""
    if isinstance(value, str):
        return redact_tokens(value)
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("latin-1")
        redacted = redact_tokens(text)
        return value if redacted == text else redacted.encode("latin-1")
    try:
        text = str(value)
    except Exception:
        return value
    redacted = redact_tokens(text)
    return value if redacted == text else redacted


class RedactTokens(logging.Filter):
    """A logging filter that replaces link tokens and session values with ``[token]``.

    Put it on a logger (it then sees the records logged to that logger) or on a handler (every
    record the handler writes, whatever logger it came from). It never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; always ``True``."""
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        elif record.msg is not None and not isinstance(record.msg, int | float):
            redacted = _redact_value(record.msg)
            if redacted is not record.msg:
                record.msg = redacted
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_redact_value(arg) for arg in args)
        elif isinstance(args, Mapping):
            record.args = {key: _redact_value(value) for key, value in args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_tokens(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_tokens(record.stack_info)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it as it always does
            return True
        redacted = redact_tokens(message)
        if redacted != message:  # a token split between the message and its arguments
            record.msg, record.args = redacted, None
        return True
