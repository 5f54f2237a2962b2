"""Files the portal hands out (invoices, quotes, the CSV exports): their ``Content-Type`` and
``Content-Disposition``, made safe from whatever the host's DataSource says.

A content type that is not an ASCII ``type/subtype`` (with optional ``; name=value`` parameters)
becomes ``application/octet-stream``. A filename loses control characters and every invisible or
direction-changing character (a right-to-left override turns ``invoice\u202efdp.exe`` into what
reads as ``invoiceexe.pdf``) and its path separators; the header carries an ASCII ``filename``
for old clients and the real name as ``filename*=UTF-8''...`` (RFC 6266 and RFC 5987).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Final
from urllib.parse import quote

from ..ports import DocumentFile
from .http import Response

__all__ = [
    "CSV_CHUNK",
    "FALLBACK_CONTENT_TYPE",
    "ascii_filename",
    "content_disposition",
    "csv_download",
    "download",
    "safe_content_type",
    "safe_filename",
]

#: The content type of a file whose own type cannot be sent.
FALLBACK_CONTENT_TYPE: Final = "application/octet-stream"

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'
_CONTENT_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))*")
# Controls, format characters (bidi overrides and isolates, zero-width ones), line and paragraph
# separators, unassigned and private-use code points, surrogates.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs"})
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 150
_DEFAULT_NAME = "download"
#: How many characters of CSV a streamed export sends at a time.
CSV_CHUNK: Final = 16 * 1024


def safe_content_type(value: str) -> str:
    """``value`` when it is an ASCII ``type/subtype`` with well-formed parameters, else
    :data:`FALLBACK_CONTENT_TYPE`."""
    value = value.strip()
    return value if _CONTENT_TYPE.fullmatch(value) else FALLBACK_CONTENT_TYPE


def safe_filename(name: str) -> str:
    """``name`` without control, format (bidi) and separator characters, ``/`` and ``\\`` made
    ``-``, leading dots and spaces dropped, at most 150 characters; ``"download"`` when
    nothing is left."""
    kept = "".join(
        c for c in unicodedata.normalize("NFC", name)
        if unicodedata.category(c) not in _DROPPED_CATEGORIES
    )  # fmt: skip
    kept = kept.replace("/", "-").replace("\\", "-").lstrip(". ").rstrip(" ")
    return _shorten(kept, _MAX_NAME) or _DEFAULT_NAME


def ascii_filename(name: str) -> str:
    """An ASCII stand-in for ``name`` (accents dropped, anything else ``-``)."""
    plain = unicodedata.normalize("NFKD", safe_filename(name))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = _ASCII_UNSAFE.sub("-", plain).strip("-.")
    return _shorten(plain, 60).strip("-.") or _DEFAULT_NAME


def _shorten(name: str, limit: int) -> str:
    """``name`` cut to ``limit`` characters, keeping a short extension."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 10:
        return stem[: limit - len(extension) - 1] + "." + extension
    return name[:limit]


def content_disposition(filename: str, *, disposition: str = "attachment") -> str:
    """The ``Content-Disposition`` of a file called ``filename``: an ASCII ``filename`` and the
    safe UTF-8 name as ``filename*``."""
    name = safe_filename(filename)
    return (
        f'{disposition}; filename="{ascii_filename(name)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def download(file: DocumentFile) -> Response:
    """The response that downloads ``file`` (an attachment, never shown inline)."""
    return Response(
        headers=[
            ("Content-Type", safe_content_type(file.content_type)),
            ("Content-Disposition", content_disposition(file.filename)),
            ("Content-Length", str(len(file.data))),
        ],
        body=bytes(file.data),
    )


def _chunks(lines: Iterable[str]) -> Iterator[bytes]:
    """``lines`` in UTF-8 chunks of about :data:`CSV_CHUNK` characters, a byte order mark first
    (spreadsheets read the file as UTF-8 then)."""
    buffer: list[str] = ["\ufeff"]
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= CSV_CHUNK:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def csv_download(lines: Iterable[str], filename: str) -> Response:
    """The response that streams the CSV ``lines`` as the attachment ``filename``: a chunk at a
    time, so an export of any length takes the memory of one chunk (and of the page of records
    it is written from)."""
    return Response(
        headers=[
            ("Content-Type", "text/csv; charset=utf-8"),
            ("Content-Disposition", content_disposition(filename)),
        ],
        body=_chunks(lines),
    )
