"""The headers every portal response carries, and the names and paths of its cookies.

A portal page is a capability: whoever has its URL and cookie sees it. So nothing is cached
(``Cache-Control: no-store``), nothing leaks through the Referer (``Referrer-Policy:
no-referrer``), search engines are asked to stay away (``X-Robots-Tag: noindex``), the page
cannot be framed, and the Content-Security-Policy allows only the portal's own script and
stylesheets: no inline script, no inline style, no third-party anything.
"""

from __future__ import annotations

import hashlib
from typing import Final

from .http import Response
from .theme import Theme

__all__ = [
    "STATIC_CACHE_CONTROL",
    "content_security_policy",
    "pending_cookie_name",
    "secure_headers",
    "session_cookie_name",
]

#: Static files are served with a content hash in their URL, so they may be cached for a year.
STATIC_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"

_ALWAYS: Final = (
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


def content_security_policy(theme: Theme) -> str:
    """The strict policy of every response: the portal's own files only (and the logo's origin)."""
    images = "'self' data:"
    if theme.logo_origin is not None:
        images += " " + theme.logo_origin
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def secure_headers(response: Response, csp: str, *, cacheable: bool = False) -> None:
    """Put the security headers on ``response`` (replacing any of the same name).

    Everything is ``Cache-Control: no-store`` unless ``cacheable`` (versioned static files).
    """
    for name, value in _ALWAYS:
        response.headers.set(name, value)
    response.headers.set("Content-Security-Policy", csp)
    if cacheable:
        response.headers.setdefault("Cache-Control", STATIC_CACHE_CONTROL)
    else:
        response.headers.set("Cache-Control", "no-store")
        response.headers.set("Pragma", "no-cache")


def _portal_key(portal_id: str) -> str:
    return hashlib.sha256(portal_id.encode("utf-8")).hexdigest()[:20]


def session_cookie_name(portal_id: str) -> str:
    """The session cookie of one portal: one cookie per portal, so several portals can be open
    in one browser side by side."""
    return f"cp_session_{_portal_key(portal_id)}"


def pending_cookie_name(portal_id: str) -> str:
    """The short-lived cookie that carries a visitor from a link to its one-time code."""
    return f"cp_pending_{_portal_key(portal_id)}"
