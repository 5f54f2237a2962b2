"""Small HTTP values: what the portal handler takes (a Request) and gives (a Response).

No framework is imported here. An adapter (WSGI, ASGI, Flask, Django, ...) builds a
:class:`Request` from its own request object, calls :meth:`PortalApp.handle
<clientportal.web.app.PortalApp.handle>`, and writes the :class:`Response` back: its status,
its headers (in order, repeated names allowed, as for ``Set-Cookie``) and its body, which is
either bytes or an iterator of byte chunks to stream (a CSV export, say).

A request body is read by the adapter, at most :data:`DEFAULT_MAX_BODY` bytes (or the app's
``max_body``): :func:`read_limited` does it for file-like streams. A body that is longer is not
read at all; the adapter sets ``body_too_large`` and the handler answers 400.

A response's headers are checked as they are added (:class:`ResponseHeaders`): a name that is
not a token, or a value with CR, LF, NUL, another control character or a character beyond
Latin-1, raises ``ValueError`` in the code that added it, so no header can ever be split or
injected on the wire. URLs built from a request's path go through :func:`encode_path` and
:func:`encode_query`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import IO, Any, Final
from urllib.parse import parse_qsl, quote

from attrs import define, field, frozen

__all__ = [
    "DEFAULT_MAX_BODY",
    "BodyTooLarge",
    "Cookies",
    "Headers",
    "QueryParams",
    "Request",
    "Response",
    "ResponseHeaders",
    "cookie_name",
    "encode_path",
    "encode_query",
    "read_limited",
]

#: The largest request body read by default (64 KiB: a form with a thousand entry ids fits).
DEFAULT_MAX_BODY: Final = 64 * 1024

_MAX_QUERY_FIELDS = 200
_MAX_COOKIE_HEADER = 8192
# RFC 9110: a field name is a token; a field value has no control character but HTAB.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")
# What a path and a query keep as they are; everything else is percent-encoded (RFC 3986).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?%"


class BodyTooLarge(Exception):
    """A request body is longer than the limit; nothing more of it was read."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the request body is larger than {limit} bytes")


def read_limited(stream: IO[bytes], length: int | None, limit: int) -> bytes:
    """Read a request body of ``length`` bytes (``None``: until the end) from ``stream``.

    Raises :class:`BodyTooLarge` without reading when ``length`` is over ``limit``, and after
    reading ``limit + 1`` bytes when no length was given.
    """
    if length is not None:
        if length > limit:
            raise BodyTooLarge(limit)
        return stream.read(length) if length > 0 else b""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise BodyTooLarge(limit)
    return data


class Headers:
    """HTTP headers: an ordered list of ``(name, value)`` pairs, looked up case-insensitively.

    Repeated names are kept (``Set-Cookie``); :meth:`get` gives the first value of a name.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: list[tuple[str, str]] = [(str(k), str(v)) for k, v in pairs]

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return [(k.lower(), v) for k, v in self._items] == [(k.lower(), v) for k, v in other._items]

    __hash__ = None  # type: ignore[assignment]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or ``default``."""
        wanted = name.lower()
        for key, value in self._items:
            if key.lower() == wanted:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        wanted = name.lower()
        return [value for key, value in self._items if key.lower() == wanted]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def add(self, name: str, value: str) -> None:
        """Append a header, keeping any of the same name."""
        self._items.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every header of ``name`` with one of ``value``."""
        self.remove(name)
        self._items.append((name, value))

    def setdefault(self, name: str, value: str) -> None:
        """Add ``name: value`` unless a header of that name is there already."""
        if name not in self:
            self._items.append((name, value))

    def remove(self, name: str) -> None:
        """Drop every header of ``name``."""
        wanted = name.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != wanted]

    def items(self) -> list[tuple[str, str]]:
        """The headers as ``(name, value)`` pairs, in order (a copy)."""
        return list(self._items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


def _check_header(name: str, value: str) -> None:
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(
            f"a response header name must be an HTTP token (letters, digits, -), got {name!r}"
        )
    bad = _BAD_VALUE_CHAR.search(value)
    if bad is not None:
        # The value itself is not quoted: it may be a cookie or a URL that holds a token.
        raise ValueError(
            f"the {name} response header has {bad.group()!r} at position {bad.start()}: a "
            "header value cannot hold CR, LF, NUL, other control characters or characters "
            "beyond Latin-1; percent-encode URLs (encode_path) and clean other values first"
        )


class ResponseHeaders(Headers):
    """The headers of a :class:`Response`: every name and value is checked as it is added
    (``ValueError`` for a name that is not a token, or a value with CR, LF, NUL, another
    control character or a character beyond Latin-1), so none can split the response."""

    __slots__ = ()

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        super().__init__(items)
        for name, value in self._items:
            _check_header(name, value)

    def add(self, name: str, value: str) -> None:
        """Append a header, keeping any of the same name."""
        _check_header(name, value)
        super().add(name, value)

    def set(self, name: str, value: str) -> None:
        """Replace every header of ``name`` with one of ``value``."""
        _check_header(name, value)
        super().set(name, value)

    def setdefault(self, name: str, value: str) -> None:
        """Add ``name: value`` unless a header of that name is there already."""
        _check_header(name, value)
        super().setdefault(name, value)

    def replace(self, pairs: Iterable[tuple[str, str]]) -> None:
        """:meth:`set` each of ``pairs`` in one pass: all checked, every header of their names
        dropped, then the pairs appended in order (a name given twice keeps both)."""
        added = list(pairs)
        for name, value in added:
            _check_header(name, value)
        names = {name.lower() for name, _ in added}
        self._items = [(k, v) for k, v in self._items if k.lower() not in names] + added


def encode_path(path: str) -> str:
    """``path`` (decoded text, as a request's ``path``) percent-encoded for a URL or a
    ``Location``: ``/`` and RFC 3986's path characters stay, everything else (``%``, CR, LF,
    NUL, spaces, non-ASCII as UTF-8) is encoded, so it decodes back to ``path``."""
    return quote(path, safe=_PATH_SAFE)


def encode_query(query: str) -> str:
    """A raw query string made safe for a URL: its percent escapes stay, anything that is not
    a URL character (CR, LF, NUL, spaces, non-ASCII) is percent-encoded."""
    return quote(query, safe=_QUERY_SAFE)


def cookie_name(name: str, *, secure: bool, path: str) -> str:
    """The name a cookie is set and read under: ``__Host-name`` when it is ``secure`` with
    ``path`` ``/`` (browsers then accept it only from this host over https, for the whole
    site, and nobody else can plant one), ``__Secure-name`` when it is secure under another
    path, the plain ``name`` over http. A name that has a prefix already is kept."""
    if not secure or name.startswith(("__Host-", "__Secure-")):
        return name
    return f"__Host-{name}" if path == "/" else f"__Secure-{name}"


class Cookies(dict[str, str]):
    """A request's cookies: by name the first value (browsers send the most specific path
    first), and :meth:`get_all` for every value of a name, in the order they were sent."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self._pairs = tuple(pairs)
        for name, value in self._pairs:
            self.setdefault(name, value)

    def get_all(self, name: str) -> list[str]:
        """Every value sent for cookie ``name`` (a site's junk cookie of the same name may
        come first)."""
        return [value for key, value in self._pairs if key == name]


class QueryParams:
    """Decoded ``name=value`` pairs of a query string or form body, in order, repeats allowed."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = tuple(items)

    @classmethod
    def parse(cls, text: str) -> QueryParams:
        """Parse ``a=1&b=2`` (``+`` is a space, bad percent escapes are kept as they are).

        Raises ``ValueError`` when there are more than a few hundred fields.
        """
        return cls(
            parse_qsl(
                text,
                keep_blank_values=True,
                max_num_fields=_MAX_QUERY_FIELDS,
                errors="replace",
            )
        )

    def __repr__(self) -> str:
        return f"QueryParams({list(self._items)!r})"

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or ``default``."""
        for key, value in self._items:
            if key == name:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in order."""
        return [value for key, value in self._items if key == name]

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self._items)

    def items(self) -> list[tuple[str, str]]:
        """The pairs, in order."""
        return list(self._items)

    def names(self) -> set[str]:
        """The distinct names."""
        return {key for key, _ in self._items}


def _upper(value: object) -> str:
    return str(value).upper()


def _mount(value: object) -> str:
    return str(value).rstrip("/")


def _headers(value: Headers | Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
    return value if isinstance(value, Headers) else Headers(value)


@frozen(kw_only=True)
class Request:
    """One HTTP request as the portal's handler sees it.

    ``path`` is the path below ``script_name`` (where the host mounted the app: WSGI's
    ``SCRIPT_NAME``, ASGI's ``root_path``), percent-decoded, starting with ``/``.
    ``remote_addr`` is the client's address as the adapter knows it (behind a proxy, give the
    app ``trusted_proxies``, or let the proxy middleware of your server put the real one there).
    ``scheme`` is ``"http"`` or ``"https"``; cookies get the ``Secure`` flag on https.
    ``body_too_large`` is set by the adapter instead of ``body`` when the body was over the limit.
    """

    method: str = field(converter=_upper)
    path: str = "/"
    query_string: str = ""
    headers: Headers = field(factory=Headers, converter=_headers)
    body: bytes = b""
    remote_addr: str = ""
    scheme: str = "http"
    script_name: str = field(default="", converter=_mount)
    body_too_large: bool = False

    @property
    def secure(self) -> bool:
        """True when the request came over HTTPS."""
        return self.scheme.lower() == "https"

    @property
    def query(self) -> QueryParams:
        """The query string's parameters. Raises ``ValueError`` when there are far too many."""
        return QueryParams.parse(self.query_string)

    @property
    def cookies(self) -> Cookies:
        """The request's cookies: by name the first of a repeated name (browsers send the most
        specific path first), every one by ``cookies.get_all(name)``. Parsed leniently: a
        malformed cookie of some other app on the same site never hides the portal's own."""
        raw = "; ".join(self.headers.get_all("cookie"))
        if not raw or len(raw) > _MAX_COOKIE_HEADER:
            return Cookies()
        pairs: list[tuple[str, str]] = []
        for part in raw.split(";"):
            name, sep, value = part.strip().partition("=")
            name = name.strip()
            if sep and name:
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                pairs.append((name, value))
        return Cookies(pairs)

    @property
    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters (``""`` when none)."""
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def form(self) -> QueryParams:
        """The body as an ``application/x-www-form-urlencoded`` form.

        Raises ``ValueError`` when the body is not UTF-8 or has far too many fields.
        """
        return QueryParams.parse(self.body.decode("utf-8"))

    def json(self) -> Any:
        """The body parsed as JSON. Raises ``ValueError`` when it is not JSON in UTF-8."""
        return json.loads(self.body.decode("utf-8"))

    def url_for(self, path: str) -> str:
        """``path`` (below the mount) as an absolute path on this server."""
        return self.script_name + path


def _response_headers(
    value: Headers | Mapping[str, str] | Iterable[tuple[str, str]],
) -> ResponseHeaders:
    if isinstance(value, ResponseHeaders):
        return value
    return ResponseHeaders(value.items() if isinstance(value, Headers) else value)


def _body(value: bytes | str | Iterable[bytes]) -> bytes | Iterable[bytes]:
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


@define(kw_only=True)
class Response:
    """What the handler answers: ``status``, ``headers`` and ``body``.

    ``body`` is bytes, or an iterable of byte chunks that the adapter writes as they come
    (``streaming`` is then true). A ``str`` given as body is encoded as UTF-8. ``headers`` are
    :class:`ResponseHeaders`: a header that could split the response raises ``ValueError``.
    """

    status: int = 200
    headers: ResponseHeaders = field(factory=ResponseHeaders, converter=_response_headers)
    body: bytes | Iterable[bytes] = field(default=b"", converter=_body)

    @property
    def reason(self) -> str:
        """The status line's reason phrase (``"Not Found"``)."""
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Unknown"

    @property
    def status_line(self) -> str:
        """``"404 Not Found"``, as WSGI's ``start_response`` wants it."""
        return f"{self.status} {self.reason}"

    @property
    def streaming(self) -> bool:
        """True when the body is an iterable of chunks rather than bytes."""
        return not isinstance(self.body, bytes | bytearray)

    def iter_body(self) -> Iterator[bytes]:
        """The body as chunks (one chunk when it is bytes)."""
        if isinstance(self.body, bytes | bytearray):
            yield bytes(self.body)
        else:
            for chunk in self.body:
                if chunk:
                    yield bytes(chunk)

    def close(self) -> None:
        """Close a streaming body that has a ``close()`` (a generator), e.g. on a disconnect."""
        close = getattr(self.body, "close", None)
        if callable(close):
            close()

    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        path: str = "/",
        max_age: int | None = None,
        secure: bool = False,
        httponly: bool = True,
        samesite: str = "Lax",
    ) -> None:
        """Add a ``Set-Cookie`` header (HttpOnly and SameSite=Lax unless told otherwise).

        A ``secure`` cookie is named with the prefix browsers enforce (:func:`cookie_name`:
        ``__Host-`` for ``path`` ``/``, else ``__Secure-``); read it back under that name."""
        path = path or "/"
        parts = [f"{cookie_name(name, secure=secure, path=path)}={value}", f"Path={path}"]
        if max_age is not None:
            parts.append(f"Max-Age={max(0, int(max_age))}")
        if secure:
            parts.append("Secure")
        if httponly:
            parts.append("HttpOnly")
        if samesite:
            parts.append(f"SameSite={samesite}")
        self.headers.add("Set-Cookie", "; ".join(parts))

    def delete_cookie(self, name: str, *, path: str = "/", secure: bool = False) -> None:
        """Tell the browser to drop cookie ``name`` (of ``path``)."""
        self.set_cookie(name, "", path=path, max_age=0, secure=secure)

    @classmethod
    def text(cls, text: str, *, status: int = 200, content_type: str = "text/plain") -> Response:
        """A UTF-8 text response."""
        return cls(
            status=status,
            headers=[("Content-Type", f"{content_type}; charset=utf-8")],
            body=text.encode("utf-8"),
        )

    @classmethod
    def json(cls, data: Any, *, status: int = 200) -> Response:
        """A JSON response (compact, UTF-8, ``application/json``)."""
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
        return cls(
            status=status,
            headers=[("Content-Type", "application/json")],
            body=body.encode("utf-8"),
        )

    @classmethod
    def redirect(cls, location: str, *, status: int = 303) -> Response:
        """A redirect to ``location`` (``303 See Other`` by default: the browser then GETs it)."""
        return cls(
            status=status,
            headers=[("Location", location), ("Content-Type", "text/plain; charset=utf-8")],
            body=b"",
        )
