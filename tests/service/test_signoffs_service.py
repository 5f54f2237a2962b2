"""SignOffs: the weeks and months awaiting a client with their counts and sums, a period signed
off at once (the certificate stored, named in the event, drawn as a PDF), and certificates found
only within their portal and, for a contact, only among their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from clientportal.errors import ConfigError, NotFound, ValidationError
from clientportal.memory import MemoryStore
from clientportal.model import ItemKind
from clientportal.service.signoffs import SignOffs, month_of, periods_of, week_of
from clientportal.signoff import SignedRow, entry_set_hash, read_certificate
from pdftext import pdf_text
from worlds import WebWorld, visit_as, web_world

WEEK = (dt.date(2026, 3, 9), dt.date(2026, 3, 15))
#: p1..p4 of the web world: 1 + 2 + 3 + 0.5 hours awaiting Acme in the week of 9 March.
AWAITING_SECONDS = 23400


@pytest.fixture
def world() -> WebWorld:
    return web_world()


def test_weeks_run_monday_to_sunday_and_months_first_to_last_day() -> None:
    assert week_of(dt.date(2026, 3, 15)) == WEEK
    assert week_of(dt.date(2026, 3, 9)) == WEEK
    assert month_of(dt.date(2026, 2, 14)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_of(dt.date(2024, 2, 29)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert month_of(dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_periods_sum_hours_distance_and_money_per_currency() -> None:
    def row(id: str, day: dt.date, **kw: object) -> SignedRow:
        values: dict[str, object] = {"project": "P", "employee": "E", **kw}
        return SignedRow(kind=ItemKind.EXPENSE, id=id, date=day, **values)  # type: ignore[arg-type]

    rows = [
        row("a", dt.date(2026, 3, 30), amount=Decimal("10.50"), currency="EUR"),
        row("b", dt.date(2026, 4, 1), amount=Decimal(2), currency="EUR"),
        row("c", dt.date(2026, 4, 2), amount=Decimal(5), currency="PLN"),
    ]
    found = periods_of(rows)
    assert [(p.unit, p.start, p.count) for p in found] == [
        ("week", dt.date(2026, 3, 30), 3),
        ("month", dt.date(2026, 3, 1), 1),
        ("month", dt.date(2026, 4, 1), 2),
    ]
    assert found[0].amounts == (("EUR", Decimal("12.50")), ("PLN", Decimal(5)))


def test_the_periods_awaiting_a_contact_are_those_of_the_items_their_portal_shows(
    world: WebWorld,
) -> None:
    visit = visit_as(world.service, "bob", "acme-en")
    week, month = world.service.signoffs.periods(visit)
    assert (week.unit, week.start, week.end, week.count) == ("week", *WEEK, 4)
    assert (month.unit, month.start, month.end) == (
        "month",
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    assert week.seconds == month.seconds == AWAITING_SECONDS
    # acme-nl shows only the project web: p1 and p2
    nl = world.service.signoffs.periods(visit_as(world.service, "anna", "acme-nl"))
    assert [p.count for p in nl] == [2, 2]
    awaiting = world.service.signoffs.awaiting(visit, start=dt.date(2026, 3, 12), end=WEEK[1])
    assert sorted(e.id for e in awaiting.entries) == ["p1", "p2", "p3"]
    assert len(awaiting) == 3


def test_a_signed_off_week_is_stored_named_in_the_event_and_no_longer_awaits(
    world: WebWorld,
) -> None:
    service = world.service
    visit = visit_as(service, "bob", "acme-en")
    result = service.approvals.client_sign_off(
        visit, start=WEEK[0], end=WEEK[1], address_hash="ab" * 16
    )
    signoff = result.signoff
    assert signoff is not None
    assert len(result.applied) == 4
    assert (signoff.period_start, signoff.period_end) == WEEK
    assert service.signoffs.of("acme-en", "bob") == (signoff,)
    assert service.signoffs.get("acme-en", signoff.id, contact_id="bob") == signoff
    cert = read_certificate(signoff)
    assert sorted(r.id for r in cert.rows) == ["p1", "p2", "p3", "p4"]
    assert {r.employee for r in cert.rows} == {"Eva Jansen", "Tom Bakker"}
    assert cert.address_hash == "ab" * 16
    assert entry_set_hash(cert.rows) == signoff.sha256
    decided = [e for e in service.events() if e.type == "entries.approved"]
    assert decided[-1].data["signoff_sha256"] == signoff.sha256
    assert decided[-1].data["signoff_id"] == signoff.id
    assert service.signoffs.periods(visit) == ()


def test_a_certificate_is_found_only_in_its_portal_and_for_its_contact(world: WebWorld) -> None:
    service = world.service
    visit = visit_as(service, "bob", "acme-en")
    signoff = service.approvals.client_sign_off(visit, start=WEEK[0], end=WEEK[1]).signoff
    assert signoff is not None
    assert service.signoffs.get("acme-en", signoff.id) == signoff  # the staff's view
    for portal_id, contact_id, signoff_id in [
        ("acme-en", "anna", signoff.id),  # another contact of the portal
        ("acme-nl", None, signoff.id),  # another portal
        ("acme-en", "bob", "no-such-id"),
        ("acme-en", "bob", ""),
    ]:
        with pytest.raises(NotFound):
            service.signoffs.get(portal_id, signoff_id, contact_id=contact_id)
    assert service.signoffs.of("acme-en", "anna") == ()
    assert service.signoffs.of("acme-nl") == ()


def test_the_pdf_of_a_signed_off_week_lists_its_entries(world: WebWorld, tmp_path: Path) -> None:
    service = world.service
    visit = visit_as(service, "bob", "acme-en")
    signoff = service.approvals.client_sign_off(visit, start=WEEK[0], end=WEEK[1]).signoff
    assert signoff is not None
    name, data = service.signoffs.pdf(signoff)
    assert name.endswith(".pdf")
    assert name.startswith("sign-off-2026-03-20-")
    squeezed = pdf_text(data, tmp_path)
    for shown in ("Acme B.V.", "Bob Jones", "Eva Jansen", "Tom Bakker", "Website", signoff.sha256):
        assert shown in squeezed, shown
    assert "Mar 9 – 15, 2026" in squeezed


def test_without_pages_only_the_certificates_are_at_hand(world: WebWorld) -> None:
    signoffs = SignOffs(MemoryStore())
    assert signoffs.of("acme-en") == ()
    with pytest.raises(ConfigError, match="pages"):
        signoffs.periods(visit_as(world.service, "bob", "acme-en"))


@pytest.mark.parametrize("limit", [0, 501, True])
def test_a_bad_limit_is_refused(world: WebWorld, limit: int) -> None:
    with pytest.raises(ValidationError, match="limit"):
        world.service.signoffs.of("acme-en", limit=limit)
