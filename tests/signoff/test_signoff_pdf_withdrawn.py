"""A withdrawn certificate's PDF (read back with ``pdftotext``) says "Withdrawn on …" in its
first line, in the portal's language, and what that means; everything else, the SHA-256
included, is what the standing certificate showed. A standing certificate says nothing of it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import attrs
import pytest
from test_signoff_pdf import signoff

from clientportal.signoff import read_certificate, render_pdf
from pdftext import pdf_text

WITHDRAWN_AT = dt.datetime(2026, 12, 3, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.mark.parametrize(
    ("language", "first_line", "meaning"),
    [
        ("en", "Withdrawn on Dec 3, 2026, 9:15:00 AM UTC", "no longer stands"),
        ("pl", "Wycofano 3 gru 2026, 09:15:00 UTC", "nie jest już ważny"),
        ("de", "Zurückgezogen am 03.12.2026, 09:15:00 UTC", "gilt die Bescheinigung nicht mehr"),
    ],
)
def test_a_withdrawn_certificate_says_so_first_and_keeps_the_rest(
    language: str, first_line: str, meaning: str, tmp_path: Path
) -> None:
    standing = signoff(language, 3)
    withdrawn = attrs.evolve(standing, withdrawn_at=WITHDRAWN_AT)
    lines = pdf_text(render_pdf(withdrawn), tmp_path, raw=True).splitlines()
    text = " ".join(" ".join(lines).split())
    assert lines[0].strip() == first_line
    assert meaning in text
    assert standing.sha256 in text
    assert read_certificate(withdrawn).sha256 == standing.sha256
    before = pdf_text(render_pdf(standing), tmp_path)
    assert first_line not in before
    assert meaning not in before
    # Every word of the standing certificate is still there (pdftotext may read a table's
    # cells in another order once the page moved down).
    assert not Counter(before.split()) - Counter(text.split())
