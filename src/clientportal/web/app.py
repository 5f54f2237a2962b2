"""The framework-agnostic portal handler: :class:`PortalApp` turns a :class:`Request` into a
:class:`Response` by calling the :class:`~clientportal.service.PortalService`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .http import DEFAULT_MAX_BODY, Request, Response
from .theme import Theme

if TYPE_CHECKING:
    from ..service import PortalService

__all__ = ["PortalApp"]


class PortalApp:
    """The portal on the web: HTML pages, the JSON API and static files of ``service``."""

    def __init__(
        self,
        service: PortalService,
        *,
        prefix: str = "",
        theme: Theme | None = None,
        template_dirs: Sequence[str | os.PathLike[str]] = (),
        max_body: int = DEFAULT_MAX_BODY,
        page_size: int = 50,
        secure_cookies: bool | None = None,
    ) -> None:
        self.service = service
        self.prefix = prefix.rstrip("/")
        self.theme = Theme() if theme is None else theme
        self.template_dirs = tuple(template_dirs)
        self.max_body = max_body
        self.page_size = page_size
        self.secure_cookies = secure_cookies

    def handle(self, request: Request) -> Response:
        """Answer one request."""
        return Response.text("not found", status=404)
