"""The headers every portal response carries, and the names and paths of its cookies.

A portal page is a capability: whoever has its URL and cookie sees it. So nothing is cached
(``Cache-Control: no-store``), nothing leaks through the Referer (``Referrer-Policy:
no-referrer``), search engines are asked to stay away (``X-Robots-Tag: noindex``), the page
cannot be framed, and the Content-Security-Policy allows only the portal's own script and
stylesheets: no inline script, no inline style, no third-party anything.

Behind a reverse proxy, :class:`TrustedProxies` decides which ``X-Forwarded-For`` and
``X-Forwarded-Proto`` headers to believe: only those of a trusted proxy, and of
``X-Forwarded-For`` only the right-most address that is not a trusted proxy itself (a client can
put anything at the left of it). The client's address is what the rate limits count.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from typing import Final, TypeAlias

from attrs import evolve, frozen

from .http import Request, Response
from .theme import Theme

__all__ = [
    "HSTS",
    "STATIC_CACHE_CONTROL",
    "TrustedProxies",
    "content_security_policy",
    "pending_cookie_name",
    "secure_headers",
    "session_cookie_name",
]

#: Static files are served with a content hash in their URL, so they may be cached for a year.
STATIC_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
#: The ``Strict-Transport-Security`` value of an app with ``hsts=True`` (a year, subdomains too).
HSTS: Final = "max-age=31536000; includeSubDomains"

_Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

_ALWAYS: Final = (
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


_NO_STORE: Final = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


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
    if cacheable:
        response.headers.replace((*_ALWAYS, ("Content-Security-Policy", csp)))
        response.headers.setdefault("Cache-Control", STATIC_CACHE_CONTROL)
    else:
        response.headers.replace((*_ALWAYS, ("Content-Security-Policy", csp), *_NO_STORE))


def _portal_key(portal_id: str) -> str:
    return hashlib.sha256(portal_id.encode("utf-8")).hexdigest()[:20]


def session_cookie_name(portal_id: str) -> str:
    """The session cookie of one portal: one cookie per portal, so several portals can be open
    in one browser side by side."""
    return f"cp_session_{_portal_key(portal_id)}"


def pending_cookie_name(portal_id: str) -> str:
    """The short-lived cookie that carries a visitor from a link to its one-time code."""
    return f"cp_pending_{_portal_key(portal_id)}"


def _address(text: str) -> _Address | None:
    """An address as a peer or ``X-Forwarded-For`` gives it (``1.2.3.4``, ``1.2.3.4:5678``,
    ``::1``, ``[::1]:80``, ``::ffff:1.2.3.4``), or ``None`` when it is none."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


@frozen
class TrustedProxies:
    """The reverse proxies whose ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed.

    Make it with :meth:`parse` from addresses and networks (``"10.0.0.2"``, ``"10.0.0.0/8"``,
    ``"::1"``). With none, every request is taken as it came.
    """

    networks: tuple[_Network, ...] = ()

    @classmethod
    def parse(cls, values: Iterable[str]) -> TrustedProxies:
        """The proxies of ``values``; ``ValueError`` naming the first that is not an IP address
        or network."""
        networks = []
        for value in values:
            try:
                networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {value!r} is not an IP address or network "
                    "(give addresses such as '10.0.0.2' or networks such as '10.0.0.0/8')"
                ) from None
        return cls(tuple(networks))

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: _Address | None) -> bool:
        """Whether ``address`` is one of the proxies."""
        return address is not None and any(
            address.version == n.version and address in n for n in self.networks
        )

    def client(self, request: Request) -> str | None:
        """The client's address by the request's ``X-Forwarded-For`` (the right-most address
        that is not a trusted proxy; the left-most when all are), or ``None`` when there is
        none to believe: no header, or a value that is not an address where the client should
        be. Call it only for a request whose peer is trusted."""
        items = ",".join(request.headers.get_all("x-forwarded-for")).split(",")
        addresses = [item for item in items if item.strip()]
        if not addresses:
            return None
        found: _Address | None = None
        for item in reversed(addresses):
            found = _address(item)
            if found is None:
                return None
            if not self.trusts(found):
                return str(found)
        return str(found)

    def resolve(self, request: Request) -> Request:
        """``request`` as the client made it: when its peer is a trusted proxy, with the
        forwarded client address and scheme; any other request as it is."""
        if not self.networks or not self.trusts(_address(request.remote_addr)):
            return request
        client = self.client(request)
        protos = ",".join(request.headers.get_all("x-forwarded-proto")).split(",")
        proto = next((p.strip().lower() for p in reversed(protos) if p.strip()), "")
        scheme = proto if proto in ("http", "https") else request.scheme
        if client is None and scheme == request.scheme:
            return request
        return evolve(request, remote_addr=client or request.remote_addr, scheme=scheme)
