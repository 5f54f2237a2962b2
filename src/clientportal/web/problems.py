"""Answers that end a request early: the view raises one, the app turns it into the page or the
JSON error that fits the route.

Each problem carries two texts: ``message``, in English for developers (the JSON API's
``message``, the logs), and what a visitor reads on the page, in the portal's language: the
catalog text ``key`` names (a key of :data:`clientportal.i18n.LABELS`), or the page's own
generic text when there is none.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import frozen

__all__ = [
    "BadRequest",
    "Forbidden",
    "FormExpired",
    "HTTPProblem",
    "InputProblem",
    "MethodNotAllowed",
    "PageNotFound",
    "PayloadTooLarge",
    "TooManyAttempts",
    "UnprocessableContent",
    "UnsupportedMediaType",
]


@frozen
class InputProblem:
    """One value a visitor sent that cannot be used: the parameter it came in (``field``), the
    catalog text that tells the visitor what to do (``key``), and the developer's ``message``
    (which names the parameter and what it expects)."""

    field: str
    key: str
    message: str


class HTTPProblem(Exception):
    """A request that cannot be served: ``status`` and a ``message`` safe to show a developer.

    ``code`` is a short stable name for the JSON API (``"bad_request"``); ``key``, when given,
    the catalog text the page shows the visitor instead of its generic one.
    """

    status: int = 500
    code: str = "error"

    def __init__(self, message: str, *, key: str | None = None) -> None:
        self.message = message
        self.key = key
        super().__init__(message)


class BadRequest(HTTPProblem):
    """Malformed input: an id, date, cursor, form or body the portal cannot read (400).

    ``problems`` lists the bad values one by one when the request had several (the filters of
    the hours page: each shown next to its field).
    """

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, key: str | None = None, problems: Sequence[InputProblem] = ()
    ) -> None:
        super().__init__(message, key=key)
        self.problems = tuple(problems)

    @classmethod
    def of(cls, problems: Sequence[InputProblem]) -> BadRequest:
        """One answer for every problem of a request (their messages joined)."""
        return cls("; ".join(p.message for p in problems), problems=problems)


class PayloadTooLarge(BadRequest):
    """A request body larger than the app takes (413); a page shows it as a bad request."""

    status = 413
    code = "too_large"


class UnsupportedMediaType(BadRequest):
    """A body in a format the route does not read (415): the JSON API reads only JSON."""

    status = 415
    code = "unsupported_media_type"


class UnprocessableContent(BadRequest):
    """A JSON body that was read but does not fit (422): a wrong type, an unknown field, a
    value out of bounds. ``problems`` name each field by its path (``entries[0].id``)."""

    status = 422
    code = "invalid_body"


class Forbidden(HTTPProblem):
    """A request the visitor's session may not make (403): a shared link deciding, say."""

    status = 403
    code = "forbidden"


class PageNotFound(HTTPProblem):
    """Nothing here (404). Raised before the visitor's session is known (a link or a session
    that does not open), the page says the link has expired or is unknown, the same for every
    reason; raised for a visitor whose session is known, it says there is no such page."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "not found") -> None:
        super().__init__(message)


class MethodNotAllowed(HTTPProblem):
    """The path exists, but not for this method (405)."""

    status = 405
    code = "method_not_allowed"


class TooManyAttempts(HTTPProblem):
    """Too many failed attempts from the visitor's address (429); the answer says when to try
    again (``Retry-After``)."""

    status = 429
    code = "rate_limited"


class FormExpired(HTTPProblem):
    """A form without its session's CSRF token (403): nothing was changed."""

    status = 403
    code = "csrf"

    def __init__(self) -> None:
        super().__init__(
            "the CSRF token is missing or wrong: reload the page (HTML) or send the session's "
            "csrf_token in the X-CSRF-Token header (API)"
        )
