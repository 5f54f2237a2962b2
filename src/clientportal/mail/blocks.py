"""The standard e-mails' content as blocks, written out as the plain-text part and the HTML part.

A builder of :mod:`clientportal.mail.messages` describes its e-mail as a sequence of
:data:`Block` values (paragraphs, headings, notes, a quote, a code, a button, tables);
:func:`text_part` and :func:`html_part` write the two forms, and :func:`html_document` wraps the
HTML in a page. The HTML is styled inline (mail clients drop style sheets) and every text in it is
escaped: only the library's own markup reaches the e-mail. :func:`html_paragraphs` gives a custom
template's (already escaped) output the same paragraph form.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TypeAlias

from attrs import frozen

__all__ = [
    "Block",
    "Button",
    "Code",
    "Heading",
    "Note",
    "Paragraph",
    "Quote",
    "Table",
    "escape",
    "html_document",
    "html_link",
    "html_paragraphs",
    "html_part",
    "html_table",
    "text_part",
    "text_table",
]


@frozen
class Paragraph:
    """Running text; a newline in it is a line break."""

    text: str


@frozen
class Heading:
    """A bold line above a table or a quote."""

    text: str


@frozen
class Note:
    """Small print, such as why somebody receives the e-mail."""

    text: str


@frozen
class Quote:
    """Somebody else's words, quoted line by line (``> ``) in the text part."""

    text: str


@frozen
class Code:
    """A one-time code, large and on its own line."""

    code: str


@frozen
class Button:
    """A link shown as a button in HTML, and as its label and URL in the text part."""

    label: str
    url: str


@frozen
class Table:
    """Rows of cells under a header row, with an optional total row.

    The cells of the ``numeric`` columns are aligned right, the others left.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None
    numeric: frozenset[int]


#: One piece of an e-mail's content.
Block: TypeAlias = Paragraph | Heading | Note | Quote | Code | Button | Table

_FONT = "font-family:Arial,Helvetica,sans-serif;"
_CELL = "padding:4px 12px 4px 0;border-bottom:1px solid #e4e7eb;"
_SPACED = "margin:0 0 16px 0;"
_BREAK = "<br>\n"


# --------------------------------------------------------------------------------------------------
# The plain-text part


def text_part(blocks: Sequence[Block]) -> str:
    """The plain-text form of ``blocks``, a blank line between two blocks."""
    return "\n\n".join(_text_block(b) for b in blocks)


def _text_block(block: Block) -> str:
    if isinstance(block, Paragraph | Heading | Note):
        return block.text
    if isinstance(block, Quote):
        return "\n".join("> " + line for line in block.text.splitlines() or [""])
    if isinstance(block, Code):
        return "    " + block.code
    if isinstance(block, Button):
        return f"{block.label}\n{block.url}"
    return text_table(block)


def text_table(table: Table) -> str:
    """``table`` in columns of spaces, with a rule under the header and above the total."""
    rows = [table.columns, *table.rows, *([table.total] if table.total else [])]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.columns))]

    def line(row: tuple[str, ...]) -> str:
        cells = (
            cell.rjust(widths[i]) if i in table.numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        )
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    out = [line(table.columns), rule, *(line(r) for r in table.rows)]
    if table.total:
        out += [rule, line(table.total)]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# The HTML part


def html_part(blocks: Sequence[Block]) -> str:
    """The HTML form of ``blocks``: a fragment for :func:`html_document`."""
    return "\n".join(_html_block(b) for b in blocks)


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f'<p style="{_SPACED}">{_html_lines(block.text)}</p>'
    if isinstance(block, Heading):
        return f'<p style="margin:0 0 8px 0;font-weight:bold;">{_html_lines(block.text)}</p>'
    if isinstance(block, Note):
        return (
            f'<p style="margin:24px 0 0 0;font-size:12px;color:#616e7c;">{escape(block.text)}</p>'
        )
    if isinstance(block, Quote):
        return (
            f'<blockquote style="{_SPACED}padding:8px 12px;border-left:3px solid '
            f'#cbd2d9;background:#f5f7fa;">{_html_lines(block.text)}</blockquote>'
        )
    if isinstance(block, Code):
        return (
            f'<p style="{_SPACED}font-size:28px;font-weight:bold;letter-spacing:6px;'
            f'font-family:Consolas,Menlo,monospace;">{escape(block.code)}</p>'
        )
    if isinstance(block, Button):
        return (
            f'<p style="margin:0 0 24px 0;"><a href="{escape(block.url)}" style="display:'
            "inline-block;padding:10px 18px;background:#1f4fd8;color:#ffffff;"
            f'text-decoration:none;border-radius:4px;">{escape(block.label)}</a></p>'
        )
    return html_table(block)


def html_table(table: Table) -> str:
    """``table`` as an HTML table, the total row in bold."""

    def cells(row: tuple[str, ...], tag: str, style: str = "") -> str:
        return "".join(
            f'<{tag} style="{_CELL}{style}text-align:'
            f'{"right" if i in table.numeric else "left"};">{escape(cell)}</{tag}>'
            for i, cell in enumerate(row)
        )

    parts = [
        '<table style="border-collapse:collapse;margin:0 0 16px 0;font-size:14px;">',
        f"<thead><tr>{cells(table.columns, 'th')}</tr></thead>",
        "<tbody>",
        *(f"<tr>{cells(row, 'td')}</tr>" for row in table.rows),
        "</tbody>",
    ]
    if table.total:
        parts.append(f"<tfoot><tr>{cells(table.total, 'td', 'font-weight:bold;')}</tr></tfoot>")
    parts.append("</table>")
    return "".join(parts)


def html_paragraphs(rendered: str) -> str:
    """Escaped text as HTML paragraphs: blank lines separate them, a newline breaks a line."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", rendered) if p.strip()]
    return "\n".join(
        f'<div style="{_SPACED}">' + _BREAK.join(p.split("\n")) + "</div>" for p in paragraphs
    )


def html_document(language: str, subject: str, body: str) -> str:
    """The whole HTML part: ``body`` in a page titled ``subject`` in ``language``."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(language)}">\n'
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(subject)}</title></head>\n"
        f'<body style="margin:0;padding:24px;{_FONT}font-size:15px;line-height:1.5;'
        'color:#1f2933;">\n'
        f'<div style="max-width:640px;">\n{body}\n</div>\n'
        "</body>\n</html>\n"
    )


def html_link(url: str) -> str:
    """A link to ``url`` that shows the URL itself."""
    return f'<a href="{escape(url)}">{escape(url)}</a>'


def escape(text: str) -> str:
    """``text`` safe inside HTML, quotes included (for attribute values)."""
    return html.escape(text, quote=True)


def _html_lines(text: str) -> str:
    return _BREAK.join(escape(line) for line in text.split("\n"))
