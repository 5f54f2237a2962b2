"""The sign-off certificate as data: rows as the portal shows them, the canonical entry set and
its SHA-256 (recomputable by a host from the documented form, whatever the rows' order), the
document read back, and what a certificate refuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientportal.errors import ValidationError
from clientportal.model import ApprovalStatus, Contact, ItemKind, Portal, PortalSettings
from clientportal.ports import SignOff
from clientportal.public import PortalEntry, PortalExpense, PortalTrip
from clientportal.signoff import (
    FORMAT,
    SignedRow,
    certificate,
    entry_set_hash,
    project_totals,
    read_certificate,
    rows_of,
)

AT = dt.datetime(2026, 12, 2, 12, 30, tzinfo=dt.UTC)
PENDING = ApprovalStatus.PENDING_EXTERNAL
PORTAL = Portal(
    id="p1",
    client_id="c1",
    name="Portal Łódź",
    language="pl",
    settings=PortalSettings(show_amounts=True, currency="PLN", approval=True),
    created_at=AT,
)
CONTACT = Contact("k1", "c1", "Zażółć Gęślą", "z@example.com", "pl")


def entry(id: str, day: int = 1, *, amount: str | None = "150.00", desc: str | None = "Naprawa"):
    rate = None if amount is None else Decimal(100)
    money = None if amount is None else Decimal(amount)
    return PortalEntry(
        id, "pr1", "em1", dt.date(2026, 11, day), 5400, desc, None, True, PENDING, 2, rate, money
    )


EXPENSE = PortalExpense(
    "x1",
    "pr1",
    "em1",
    dt.date(2026, 11, 3),
    Decimal("12.50"),
    "EUR",
    "Bilet",
    None,
    True,
    False,
    PENDING,
    1,
)
TRIP = PortalTrip(
    "t1",
    "pr2",
    "em2",
    dt.date(2026, 11, 4),
    Decimal("42.0"),
    "Kraków → Łódź",
    None,
    None,
    True,
    PENDING,
    1,
    Decimal("0.5"),
    Decimal("21.00"),
    None,
)
PROJECTS = {"pr1": "Projekt Ż", "pr2": "Drugi"}
EMPLOYEES = {"em1": "Łukasz", "em2": "Ola"}


def rows(*entries: PortalEntry) -> tuple[SignedRow, ...]:
    return rows_of(
        entries or (entry("e1"),),
        [EXPENSE],
        [TRIP],
        projects=PROJECTS,
        employees=EMPLOYEES,
        currency="PLN",
    )


def signed(rows_: tuple[SignedRow, ...], **kw: object) -> SignOff:
    values: dict[str, object] = {
        "signoff_id": "so1",
        "portal": PORTAL,
        "company": "Firma Śląsk",
        "client_name": "Klient Ćma",
        "contact": CONTACT,
        "rows": rows_,
        "period": (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        "at": AT,
        "address_hash": "ab" * 16,
    }
    values.update(kw)
    return certificate(**values)  # type: ignore[arg-type]


def test_rows_carry_what_the_portal_shows_names_for_ids_and_money_only_when_shown() -> None:
    made = rows(entry("e1"), entry("e2", amount=None, desc=None))
    by_id = {r.id: r for r in made}
    assert by_id["e1"].project == "Projekt Ż"
    assert by_id["e1"].employee == "Łukasz"
    assert (by_id["e1"].seconds, by_id["e1"].amount, by_id["e1"].currency) == (
        5400,
        Decimal("150.00"),
        "PLN",
    )
    # an entry shown without amount or description: none in the row either
    assert by_id["e2"].amount is None
    assert by_id["e2"].currency is None
    assert by_id["e2"].description is None
    assert (by_id["x1"].kind, by_id["x1"].amount, by_id["x1"].currency) == (
        ItemKind.EXPENSE,
        Decimal("12.50"),
        "EUR",
    )
    assert by_id["t1"].distance == Decimal("42.0")
    assert by_id["t1"].currency == "PLN"
    assert by_id["t1"].seconds is None


def test_an_unknown_project_or_employee_is_written_as_its_id() -> None:
    (row,) = rows_of([entry("e1")], [], [], projects={}, employees={})
    assert (row.project, row.employee) == ("pr1", "em1")


def test_the_hash_is_sha256_of_the_documented_canonical_form() -> None:
    """A host recomputes the hash from the module's documented recipe alone."""
    made = rows()
    by_hand = sorted(
        [
            {
                "kind": r.kind.value,
                "id": r.id,
                "date": r.date.isoformat(),
                "project": r.project,
                "employee": r.employee,
                "description": r.description,
                "seconds": r.seconds,
                "distance": None if r.distance is None else format(r.distance.normalize(), "f"),
                "amount": None if r.amount is None else format(r.amount.normalize(), "f"),
                "currency": r.currency,
            }
            for r in made
        ],
        key=lambda d: (d["kind"], d["id"]),
    )
    text = json.dumps(by_hand, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert entry_set_hash(made) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert '"amount":"12.5"' in text
    assert '"distance":"42"' in text


@given(st.permutations(list(rows(entry("e1"), entry("e2", 2), entry("e3", 3)))))
def test_the_hash_does_not_depend_on_the_rows_order(shuffled: list[SignedRow]) -> None:
    assert entry_set_hash(shuffled) == entry_set_hash(
        rows(entry("e1"), entry("e2", 2), entry("e3", 3))
    )
    assert (
        signed(tuple(shuffled)).document
        == signed(rows(entry("e1"), entry("e2", 2), entry("e3", 3))).document
    )


@given(st.sampled_from(["150.00", "150.0", "150"]))
def test_the_hash_does_not_depend_on_trailing_zeros(amount: str) -> None:
    assert entry_set_hash(rows(entry("e1", amount=amount))) == entry_set_hash(rows(entry("e1")))


@pytest.mark.parametrize(
    "change",
    [
        {"description": "Naprawa!"},
        {"seconds": 5401},
        {"amount": Decimal("150.01")},
        {"employee": "Lukasz"},
        {"date": dt.date(2026, 11, 2)},
    ],
)
def test_any_change_of_a_row_changes_the_hash(change: dict[str, object]) -> None:
    made = rows()
    changed = tuple(attrs.evolve(r, **change) if r.id == "e1" else r for r in made)
    assert entry_set_hash(changed) != entry_set_hash(made)


def test_the_certificate_reads_back_with_everything_it_names() -> None:
    s = signed(rows())
    assert (s.id, s.portal_id, s.contact_id, s.created_at) == ("so1", "p1", "k1", AT)
    assert (s.period_start, s.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert s.sha256 == entry_set_hash(rows())
    cert = read_certificate(s)
    assert json.loads(s.document)["format"] == FORMAT
    assert cert.company == "Firma Śląsk"
    assert cert.client_name == "Klient Ćma"
    assert (cert.contact_name, cert.contact_email) == ("Zażółć Gęślą", "z@example.com")
    assert cert.address_hash == "ab" * 16
    assert cert.language == "pl"
    assert cert.approved_at == AT
    assert cert.rows == tuple(sorted(rows(), key=lambda r: r.sort_key))
    assert cert.period == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_totals_per_project_sum_hours_distance_and_money_per_currency() -> None:
    totals = {t.project: t for t in project_totals(rows(entry("e1"), entry("e2", 2)))}
    own = totals["Projekt Ż"]
    assert (own.items, own.seconds, own.distance) == (3, 10800, Decimal(0))
    assert dict(own.amounts) == {"PLN": Decimal("300.00"), "EUR": Decimal("12.50")}
    assert totals["Drugi"].distance == Decimal("42.0")
    assert json.loads(signed(rows()).document)["totals"][0]["project"] == "Drugi"


def test_an_entry_amount_without_currency_is_in_the_portals_currency() -> None:
    made = rows_of([entry("e1")], [], [], projects=PROJECTS, employees=EMPLOYEES)
    assert made[0].currency is None
    cert = read_certificate(signed(made))
    assert cert.rows[0].currency == "PLN"


def test_a_batch_has_no_period() -> None:
    s = signed(rows(), period=None)
    assert s.period_start is None
    assert read_certificate(s).period is None


def test_an_altered_document_is_refused() -> None:
    s = signed(rows())
    forged = attrs.evolve(s, document=s.document.replace("Naprawa", "Nic"))
    with pytest.raises(ValidationError, match="altered"):
        read_certificate(forged)
    with pytest.raises(ValidationError, match="not a sign-off"):
        read_certificate(attrs.evolve(s, document="{}"))
    with pytest.raises(ValidationError, match="not a sign-off"):
        read_certificate(attrs.evolve(s, document="not json"))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"contact": Contact("z", "other", "Z", "z@example.com")}, "not of the portal's client"),
        ({"period": (dt.date(2026, 11, 30), dt.date(2026, 11, 1))}, "before it starts"),
    ],
)
def test_a_certificate_refuses_what_cannot_be_signed(
    change: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        signed(rows(), **change)


def test_a_certificate_lists_each_item_once_and_at_least_one() -> None:
    with pytest.raises(ValidationError, match="at least one"):
        signed(())
    with pytest.raises(ValidationError, match="appear twice"):
        signed(rows() + rows()[:1])
