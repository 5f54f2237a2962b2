"""A tiny router: path patterns with ``{name}`` segments, matched to views by method.

A pattern is a path whose segments are literals or ``{name}`` placeholders; a placeholder
matches one non-empty segment (no ``/``). Routes are tried in order; a path that matches with
another method gives the methods that would have matched (for ``405`` and ``Allow``).

A placeholder carries any id (``INV/2026/041``, ``..``, ``100%``), encoded by
:func:`clientportal._segments.encode_segment` and decoded by its twin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Generic, TypeVar

from attrs import field, frozen

from .._segments import decode_segment, encode_segment

__all__ = ["Match", "Route", "Router"]

V = TypeVar("V")

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _compile(pattern: str) -> re.Pattern[str]:
    if not pattern.startswith("/"):
        raise ValueError(f"a route pattern starts with '/', got {pattern!r}")
    out = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[position : match.start()]))
        out.append(f"(?P<{match.group(1)}>[^/]+)")
        position = match.end()
    out.append(re.escape(pattern[position:]))
    return re.compile("".join(out))


@frozen
class Route(Generic[V]):
    """``method`` + ``pattern`` → ``view``; ``name`` identifies the route (for links and docs).

    ``api`` marks routes of the JSON API (they are described in the OpenAPI document).
    """

    method: str
    pattern: str
    view: V = field(eq=False)
    name: str
    api: bool = False
    regex: re.Pattern[str] = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(self.pattern))

    @property
    def params(self) -> tuple[str, ...]:
        """The placeholder names of the pattern, in order."""
        return tuple(_PLACEHOLDER.findall(self.pattern))

    def build(self, **values: str) -> str:
        """The path of this route with ``values`` for its placeholders, each encoded as one
        segment (:func:`~clientportal._segments.encode_segment`)."""

        def fill(match: re.Match[str]) -> str:
            return encode_segment(values[match.group(1)])

        return _PLACEHOLDER.sub(fill, self.pattern)


@frozen
class Match(Generic[V]):
    """A route that matched, with the placeholder values."""

    route: Route[V]
    params: Mapping[str, str]


class Router(Generic[V]):
    """Routes in order; :meth:`match` finds the first that fits a method and path."""

    def __init__(self, routes: Iterable[Route[V]] = ()) -> None:
        self._routes: list[Route[V]] = []
        self._names: dict[str, Route[V]] = {}
        for route in routes:
            self.add(route)

    def add(self, route: Route[V]) -> None:
        """Add ``route``; its name must be new unless it only adds another method."""
        self._routes.append(route)
        self._names.setdefault(route.name, route)

    def route(self, method: str, pattern: str, name: str, *, api: bool = False) -> Callable[[V], V]:
        """Decorator form of :meth:`add`."""

        def register(view: V) -> V:
            self.add(Route(method, pattern, view, name, api))
            return view

        return register

    @property
    def routes(self) -> tuple[Route[V], ...]:
        """Every route, in matching order."""
        return tuple(self._routes)

    def named(self, name: str) -> Route[V]:
        """The first route called ``name``."""
        return self._names[name]

    def match(self, method: str, path: str) -> Match[V] | list[str]:
        """The first route for ``method`` and ``path``, else the methods the path allows (an
        empty list when no route has the path at all). ``HEAD`` matches ``GET`` routes."""
        allowed: list[str] = []
        wanted = "GET" if method == "HEAD" else method
        for route in self._routes:
            found = route.regex.fullmatch(path)
            if found is None:
                continue
            if route.method == wanted:
                return Match(route, {k: decode_segment(v) for k, v in found.groupdict().items()})
            if route.method not in allowed:
                allowed.append(route.method)
        if "GET" in allowed and "HEAD" not in allowed:
            allowed.append("HEAD")
        return allowed
