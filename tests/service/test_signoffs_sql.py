"""A period signed off on SQLite and PostgreSQL: the certificate (Polish text in its document)
is stored with the decision, read back whole by any service over the same database, found only
in its portal and for its contact, and draws the same PDF text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from sqlalchemy.engine import Engine

from clientportal import MemoryDataSource, PortalService
from clientportal.errors import NotFound
from clientportal.memory import ManualClock
from clientportal.model import Employee
from clientportal.signoff import read_certificate
from clientportal.sql import SqlStore
from pdftext import pdf_text
from worlds import EXTERNAL, MAIL, SECRET, WEB_T0, create_acme_en, visit_as, web_dataset

WEEK = (dt.date(2026, 3, 9), dt.date(2026, 3, 15))


def service_over(engine: Engine) -> PortalService:
    store = SqlStore(engine)
    data = web_dataset()
    polish = attrs.evolve(data, employees=(Employee("eva", "Ewa Łożyńska"), *data.employees[1:]))
    return PortalService(
        MemoryDataSource(polish, store),
        store,
        mail=MAIL,
        secret_keys=SECRET,
        clock=ManualClock(WEB_T0),
        policy=EXTERNAL,
    )


def test_a_signed_off_week_is_stored_and_read_back_whole(engine: Engine, tmp_path: Path) -> None:
    service = service_over(engine)
    create_acme_en(service)
    visit = visit_as(service, "bob", "acme-en")
    result = service.approvals.client_sign_off(
        visit, start=WEEK[0], end=WEEK[1], address_hash="cd" * 16
    )
    signoff = result.signoff
    assert signoff is not None
    assert len(result.applied) == 4

    again = service_over(engine)  # another process over the same database
    assert again.signoffs.of("acme-en", "bob") == (signoff,)
    stored = again.signoffs.get("acme-en", signoff.id, contact_id="bob")
    assert stored == signoff
    assert stored.document == signoff.document
    cert = read_certificate(stored)
    assert "Ewa Łożyńska" in {r.employee for r in cert.rows}
    assert (stored.period_start, stored.period_end) == WEEK
    with pytest.raises(NotFound):
        again.signoffs.get("acme-en", signoff.id, contact_id="anna")
    with pytest.raises(NotFound):
        again.signoffs.get("other-portal", signoff.id)
    assert again.signoffs.periods(visit) == ()
    text = pdf_text(again.signoffs.pdf(stored)[1], tmp_path)
    assert "Ewa Łożyńska" in text
    assert signoff.sha256 in text
