"""The sign-off certificate as a PDF, drawn with fpdf2 (the optional extra ``pdf``).

The PDF is drawn again from the stored document (:func:`~.document.read_certificate`) on every
download, in the portal's language (:mod:`.texts`): company and client, the period, every row
as the portal showed it, the totals per project, who approved, when, from which keyed address
hash, and the SHA-256 of the canonical entry set; a withdrawn certificate
(:attr:`~clientportal.ports.SignOff.withdrawn_at`) says so in its first lines, the rest
unchanged. The bundled DejaVu Sans (``fonts/``, Bitstream
Vera licence in ``fonts/LICENSE-DejaVu.txt``) covers every language the portal speaks, Polish
included.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..model import ItemKind
from ..ports.requests import SignOff
from .document import Certificate, ProjectTotal, SignedRow, read_certificate

if TYPE_CHECKING:
    from fpdf import FPDF

    from .texts import PdfText

__all__ = ["FONT_DIR", "pdf_available", "pdf_filename", "render_pdf"]

#: Where the bundled fonts (DejaVu Sans regular and bold) and their licence live.
FONT_DIR = Path(__file__).parent / "fonts"
_FONT = "DejaVuSans"


def pdf_available() -> bool:
    """True when the ``pdf`` extra (fpdf2) is installed, so :func:`render_pdf` works."""
    return importlib.util.find_spec("fpdf") is not None


def _fpdf() -> type[FPDF]:
    try:
        from fpdf import FPDF
    except ImportError:
        raise ConfigError(
            [
                "drawing a sign-off certificate as a PDF needs fpdf2: "
                "pip install 'clientportal[pdf]'"
            ],
            subject="the sign-off PDF",
        ) from None
    return FPDF


def pdf_filename(signoff: SignOff) -> str:
    """The file name a download of ``signoff``'s PDF gets: ``sign-off-<date>-<id>.pdf``, ASCII
    letters, digits and dashes only."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in signoff.id)
    return f"sign-off-{signoff.created_at.date().isoformat()}-{safe[:40]}.pdf"


def render_pdf(signoff: SignOff) -> bytes:
    """The PDF of ``signoff`` in its portal's language, headed "Withdrawn on …" when it is
    withdrawn.

    Raises :class:`~clientportal.ConfigError` naming ``pip install 'clientportal[pdf]'`` when
    fpdf2 is not installed, and :class:`~clientportal.ValidationError` when the stored document
    is not a certificate or was altered (its rows no longer hash to ``signoff.sha256``).
    """
    from .texts import PdfText  # Babel only when a PDF is drawn: `import clientportal` stays light

    fpdf_class = _fpdf()
    cert = read_certificate(signoff)
    t = PdfText(cert.language)
    pdf = fpdf_class(orientation="portrait", unit="mm", format="A4")
    pdf.add_font(_FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(_FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"{t('title')} {cert.client_name}")
    pdf.set_author(cert.company)
    pdf.set_creator("clientportal")
    pdf.set_lang(t.t.language)
    pdf.set_creation_date(cert.approved_at.astimezone(dt.UTC))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    if signoff.withdrawn_at is not None:
        _withdrawn(pdf, t, signoff.withdrawn_at)
    pdf.set_font(_FONT, "B", 16)
    pdf.multi_cell(0, 9, t("title"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _facts(pdf, t, cert)
    pdf.ln(4)
    _heading(pdf, t("items"))
    _rows(pdf, t, cert.rows)
    pdf.ln(4)
    _heading(pdf, t("totals"))
    _totals(pdf, t, cert.totals)
    pdf.ln(4)
    pdf.set_font(_FONT, "", 8)
    pdf.multi_cell(0, 4, t("footnote", id=cert.id), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _withdrawn(pdf: FPDF, t: PdfText, at: dt.datetime) -> None:
    """The first lines of a withdrawn certificate: when, in bold dark red, and what it means."""
    pdf.set_text_color(160, 0, 0)
    pdf.set_font(_FONT, "B", 14)
    pdf.multi_cell(0, 8, t("withdrawn", date=t.moment(at)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 10)
    pdf.multi_cell(0, 5, t("withdrawn_why"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font(_FONT, "B", 12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _facts(pdf: FPDF, t: PdfText, cert: Certificate) -> None:
    period = (
        t.date_range(cert.period[0], cert.period[1]) if cert.period is not None else t("no_period")
    )
    who = f"{cert.contact_name} <{cert.contact_email}>"
    facts = [
        (t("company"), cert.company),
        (t("client"), cert.client_name),
        (t("portal"), cert.portal_name),
        (t("period"), period),
        (t("approved_by"), who),
        (t("approved_at"), t.moment(cert.approved_at)),
        (t("address_hash"), cert.address_hash or t("not_recorded")),
        (t("sha256"), cert.sha256),
    ]
    pdf.set_font(_FONT, "", 9)
    with pdf.table(
        col_widths=(45, 135), first_row_as_headings=False, borders_layout="NONE", line_height=5
    ) as table:
        for label, value in facts:
            row = table.row()
            row.cell(label)
            row.cell(value)


def _quantity(t: PdfText, row: SignedRow) -> str:
    if row.kind is ItemKind.ENTRY and row.seconds is not None:
        return t.hours(row.seconds)
    if row.kind is ItemKind.TRIP and row.distance is not None:
        return t.km(row.distance)
    return t("expense")


def _rows(pdf: FPDF, t: PdfText, rows: Sequence[SignedRow]) -> None:
    pdf.set_font(_FONT, "", 8)
    headings = ("date", "employee", "project", "description", "quantity", "amount")
    ordered = sorted(rows, key=lambda r: (r.date, r.kind.value, r.id))
    with pdf.table(
        col_widths=(22, 30, 32, 54, 20, 22),
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        line_height=4.5,
        repeat_headings=1,
    ) as table:
        head = table.row()
        for key in headings:
            head.cell(t(key))
        for item in ordered:
            row = table.row()
            row.cell(t.date(item.date))
            row.cell(item.employee)
            row.cell(item.project)
            row.cell(item.description or "")
            row.cell(_quantity(t, item))
            amount = (
                t.money(item.amount, item.currency)
                if item.amount is not None and item.currency is not None
                else ""
            )
            row.cell(amount)


def _totals(pdf: FPDF, t: PdfText, totals: Sequence[ProjectTotal]) -> None:
    pdf.set_font(_FONT, "", 8)
    with pdf.table(
        col_widths=(60, 20, 30, 30, 40),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.5,
    ) as table:
        head = table.row()
        for key in ("project", "count", "hours", "kilometres", "amount"):
            head.cell(t(key))
        for total in totals:
            row = table.row()
            row.cell(total.project)
            row.cell(t.number(total.items))
            row.cell(t.hours(total.seconds) if total.seconds else "")
            row.cell(t.km(total.distance) if total.distance else "")
            row.cell(", ".join(t.money(a, c) for c, a in total.amounts))
