"""Answers that end a request early: the view raises one, the app turns it into the page or the
JSON error that fits the route."""

from __future__ import annotations

__all__ = ["BadRequest", "Forbidden", "HTTPProblem", "PageNotFound"]


class HTTPProblem(Exception):
    """A request that cannot be served: ``status`` and a ``message`` safe to show the visitor.

    ``code`` is a short stable name for the JSON API (``"bad_request"``).
    """

    status: int = 500
    code: str = "error"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class BadRequest(HTTPProblem):
    """Malformed input: an id, date, cursor, form or body the portal cannot read (400)."""

    status = 400
    code = "bad_request"


class Forbidden(HTTPProblem):
    """A request the visitor's session may not make (403): a shared link deciding, say."""

    status = 403
    code = "forbidden"


class PageNotFound(HTTPProblem):
    """Nothing here (404). Unknown, expired and revoked links all end up as this same page."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "not found") -> None:
        super().__init__(message)
