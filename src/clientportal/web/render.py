"""Templates and static files: the Jinja2 environment (autoescaped, host templates first) and the
portal's own stylesheet and script, served with a content hash in their URL.

A host overrides any template by putting a file of the same name in one of its
``template_dirs``; the built-in templates stay reachable as ``clientportal/<name>``, so an
override can extend the original (``{% extends "clientportal/base.html" %}``).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
)

from ..model import ApprovalStatus

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "Renderer", "StaticFile", "StaticFiles"]

#: The built-in templates.
TEMPLATE_DIR = Path(__file__).parent / "templates"
#: The built-in static files (stylesheet, script, icons).
STATIC_DIR = Path(__file__).parent / "static"

_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


class Renderer:
    """Renders the portal's templates, looking in ``template_dirs`` before the built-in ones."""

    def __init__(self, template_dirs: Sequence[str | os.PathLike[str]] = ()) -> None:
        builtin = FileSystemLoader(TEMPLATE_DIR)
        loaders: list[BaseLoader] = []
        for directory in template_dirs:
            path = Path(directory)
            if not path.is_dir():
                raise ValueError(
                    f"template directory {str(path)!r} does not exist: give a directory that "
                    "holds your templates (e.g. base.html)"
                )
            loaders.append(FileSystemLoader(path))
        loaders += [builtin, PrefixLoader({"clientportal": builtin})]
        self.environment = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        # An approval status's CSS class (``status-pending-external``), looked up in a row.
        self.environment.globals["STATUS_CLASS"] = {
            status: status.name.lower().replace("_", "-") for status in ApprovalStatus
        }

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """The template ``name`` rendered with ``context``."""
        return self.environment.get_template(name).render(context)


@frozen
class StaticFile:
    """A static file in memory: its bytes, media type and short content hash."""

    data: bytes
    content_type: str
    digest: str


class StaticFiles:
    """The files of :data:`STATIC_DIR`, read once; only these names are ever served."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        self.files: dict[str, StaticFile] = {}
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            data = path.read_bytes()
            content_type = _TYPES.get(path.suffix) or (
                mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            )
            digest = hashlib.sha256(data).hexdigest()[:12]
            self.files[path.name] = StaticFile(data, content_type, digest)

    def get(self, name: str) -> StaticFile | None:
        """The file called ``name``, or ``None``."""
        return self.files.get(name)
