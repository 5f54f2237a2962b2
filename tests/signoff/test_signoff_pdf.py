"""The sign-off certificate's PDF: read back with poppler's ``pdftotext``, it lists every row,
the totals, who approved, when, from which address hash and the SHA-256, in the portal's
language with Polish letters intact; the fonts ship in the package; a missing extra says how to
install it."""

from __future__ import annotations

import builtins
import datetime as dt
import fnmatch
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from clientportal.errors import ConfigError, ValidationError
from clientportal.model import SUPPORTED_LANGUAGES, ApprovalStatus, Contact, Portal, PortalSettings
from clientportal.public import PortalEntry
from clientportal.signoff import (
    FONT_DIR,
    certificate,
    pdf_available,
    pdf_filename,
    render_pdf,
    rows_of,
)
from clientportal.signoff import pdf as pdf_module
from pdftext import pdf_text

AT = dt.datetime(2026, 12, 2, 12, 30, tzinfo=dt.UTC)
PENDING = ApprovalStatus.PENDING_EXTERNAL
#: Short enough for one line of its table cell (pdftotext reads a wrapped cell interleaved).
POLISH = "Zażółć gęślą jaźń ŁÓDŹ"


def portal(language: str = "pl") -> Portal:
    return Portal(
        id="p1",
        client_id="c1",
        name="Portal Łódź",
        language=language,
        settings=PortalSettings(show_amounts=True, currency="PLN", approval=True),
        created_at=AT,
    )


def entries(count: int, description: str = POLISH) -> list[PortalEntry]:
    return [
        PortalEntry(
            f"e{i:03d}",
            "pr1" if i % 2 else "pr2",
            "em1",
            dt.date(2026, 11, 1 + i % 28),
            3600 + 60 * i,
            f"{description} #{i}",
            None,
            True,
            PENDING,
            1,
            Decimal(100),
            Decimal("100.00"),
        )
        for i in range(count)
    ]


def signoff(language: str = "pl", count: int = 3, **kw: object):
    rows = rows_of(
        entries(count, **kw),  # type: ignore[arg-type]
        [],
        [],
        projects={"pr1": "Wdrożenie ŻÓŁW", "pr2": "Utrzymanie"},
        employees={"em1": "Łukasz Żółtowski"},
    )
    return certificate(
        signoff_id="so-1",
        portal=portal(language),
        company="Firma Śląsk Sp. z o.o.",
        client_name="Klient Ćma",
        contact=Contact("k1", "c1", "Józefa Gęślą", "jozefa@example.com"),
        rows=rows,
        period=(dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        at=AT,
        address_hash="0123456789abcdef0123456789abcdef",
    )


def text_of(pdf: bytes, tmp_path: Path, *, raw: bool = False) -> str:
    return pdf_text(pdf, tmp_path, raw=raw)


def test_the_pdf_lists_every_row_with_polish_letters_intact(tmp_path: Path) -> None:
    s = signoff("pl", 3)
    pdf = render_pdf(s)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf, tmp_path)
    for i in range(3):
        assert f"{POLISH} #{i}" in text
    for shown in (
        "Firma Śląsk Sp. z o.o.",
        "Klient Ćma",
        "Józefa Gęślą <jozefa@example.com>",
        "Łukasz Żółtowski",
        "Wdrożenie ŻÓŁW",
        "0123456789abcdef0123456789abcdef",
        s.sha256,
        "Certyfikat zatwierdzenia",  # the title, in Polish
        "1:00",  # the first entry's duration
        "100,00 zł",  # an amount, the Polish way
    ):
        assert shown in text, shown


def test_the_pdf_has_the_totals_per_project(tmp_path: Path) -> None:
    text = text_of(render_pdf(signoff("en", 4)), tmp_path)
    # pr2: entries 0 and 2 (60 + 62 minutes), pr1: 1 and 3 (61 + 63 minutes)
    assert "Totals per project" in text
    assert "2:04" in text
    assert "2:02" in text
    assert "PLN200.00" in text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_pdf_is_in_the_portals_language(language: str, tmp_path: Path) -> None:
    titles = {
        "en": "Sign-off certificate",
        "de": "Freigabebescheinigung",
        "fr": "Certificat de validation",
        "nl": "Akkoordverklaring",
        "es": "Certificado de conformidad",
        "pl": "Certyfikat zatwierdzenia",
    }
    text = text_of(render_pdf(signoff(language, 1)), tmp_path)
    assert titles[language] in text
    assert f"{POLISH} #0" in text


def test_a_long_certificate_runs_over_pages_and_keeps_every_row(tmp_path: Path) -> None:
    long = "Bardzo długi opis pracy, który zawija się w kilka wierszy tabeli " * 3
    pdf = render_pdf(signoff("pl", 120, description=long.strip()))
    assert text_of(pdf, tmp_path, raw=True).count("\f") >= 3  # pages
    text = text_of(pdf, tmp_path)
    for i in range(120):
        assert f"#{i} " in text


def test_an_altered_document_draws_no_pdf() -> None:
    s = signoff()
    import attrs

    with pytest.raises(ValidationError, match="altered"):
        render_pdf(attrs.evolve(s, document=s.document.replace("#0", "#9")))


def test_the_file_name_is_plain_ascii() -> None:
    import attrs

    s = attrs.evolve(signoff(), id="a/b ż:x")
    name = pdf_filename(s)
    assert name == "sign-off-2026-12-02-a-b---x.pdf"
    assert name.isascii()


def test_the_fonts_and_their_licence_ship_in_the_package() -> None:
    names = {p.name for p in FONT_DIR.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"} <= names
    assert "Bitstream Vera" in (FONT_DIR / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert FONT_DIR.is_relative_to(Path(pdf_module.__file__).parent)


def test_without_the_extra_a_pdf_asks_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_fpdf(name: str, *args: object, **kw: object) -> object:
        if name == "fpdf" or name.startswith("fpdf."):
            raise ImportError("No module named 'fpdf'")
        return real_import(name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "fpdf", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_fpdf)
    monkeypatch.setattr(pdf_module.importlib.util, "find_spec", lambda name: None)
    assert not pdf_available()
    with pytest.raises(ConfigError, match=r"pip install 'clientportal\[pdf\]'"):
        render_pdf(signoff())


def test_with_the_extra_pdfs_are_available() -> None:
    assert pdf_available()


def test_the_wheel_takes_the_fonts_along_and_the_extra_names_fpdf2() -> None:
    """Hatch puts every file of the package in the wheel unless excluded or gitignored (a wheel
    built from this tree lists ``clientportal/signoff/fonts/DejaVuSans.ttf``)."""
    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["optional-dependencies"]["pdf"] == ["fpdf2>=2.7"]
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["src/clientportal"]
    assert "exclude" not in wheel
    ignored = [
        line.strip()
        for line in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for font in FONT_DIR.iterdir():
        relative = font.relative_to(root).as_posix()
        assert not any(
            fnmatch.fnmatch(font.name, pattern) or fnmatch.fnmatch(relative, pattern)
            for pattern in ignored
        ), font
