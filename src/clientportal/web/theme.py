"""The host's branding of the portal: a name, a logo and an accent colour, validated.

The accent colour reaches the pages through a generated stylesheet (``/theme.css``), never an
inline style, so the Content-Security-Policy can forbid inline styles altogether. The logo is
an image URL on the same site (``/static/logo.svg``) or on an ``https://`` origin, which the
policy's ``img-src`` then allows.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import attrs
from attrs import field, frozen

__all__ = ["Theme"]

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_SAFE_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")


def _colour(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be a hex colour such as '#1f5fbf' or '#15b', got {value!r}"
        )


def _logo(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > 2000:
        raise ValueError(f"{attribute.name} must be a URL string, got {value!r}")
    if value.startswith("/") and not value.startswith("//"):
        if not _SAFE_PATH.fullmatch(value):
            raise ValueError(f"{attribute.name} {value!r} has characters a URL path cannot have")
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValueError(
            f"{attribute.name} must be a path on this site ('/static/logo.svg') or an https:// "
            f"URL without credentials, got {value!r}"
        )
    if any(c in value for c in " \"'<>\\`\n\r\t;"):
        raise ValueError(f"{attribute.name} {value!r} has characters a URL cannot have")


def _name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError(f"{attribute.name} must be a short non-empty text, got {value!r}")


def _expand(colour: str) -> str:
    colour = colour.lower()
    if len(colour) == 4:
        return "#" + "".join(c * 2 for c in colour[1:])
    return colour


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    h = _expand(colour)
    r, g, b = channel(h[1:3]), channel(h[3:5]), channel(h[5:7])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@frozen(kw_only=True)
class Theme:
    """How the portal looks for one host.

    ``name`` is shown in the header beside the portal's own name (the company, say);
    ``logo_url`` an image shown in the header with ``logo_alt`` as its text; ``accent`` the
    colour of buttons, links and bars, as ``#rrggbb`` or ``#rgb``.
    """

    name: str | None = field(default=None, validator=_name)
    logo_url: str | None = field(default=None, validator=_logo)
    logo_alt: str | None = field(default=None, validator=_name)
    accent: str = field(default="#1f5fbf", validator=_colour)

    @property
    def accent_text(self) -> str:
        """Black or white, whichever reads better on the accent colour."""
        return "#000000" if _luminance(self.accent) > 0.35 else "#ffffff"

    @property
    def logo_origin(self) -> str | None:
        """The ``https://host[:port]`` origin of an absolute logo URL (for the CSP), else None."""
        if self.logo_url is None or self.logo_url.startswith("/"):
            return None
        parts = urlsplit(self.logo_url)
        return f"https://{parts.netloc}"

    def stylesheet(self) -> str:
        """The CSS that applies the accent colour (served as ``/theme.css``)."""
        accent = _expand(self.accent)
        return f":root{{--accent:{accent};--accent-text:{self.accent_text};}}\n"
