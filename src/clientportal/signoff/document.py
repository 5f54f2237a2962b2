"""The sign-off certificate as data: the rows a contact approved, their canonical hash, and the
canonical JSON document stored with the decision.

A certificate lists every item exactly as the portal showed it (public records only: names as
the portal shows them, a description only when the portal shows descriptions, money only when it
shows amounts), who approved, when, from which keyed address hash, and the SHA-256 of the
canonical entry set.

**The canonical entry set** (what :attr:`SignOff.sha256 <clientportal.ports.SignOff.sha256>`
is the SHA-256 of, so that a host can recompute it from its own records):

1. one JSON object per row with exactly the keys ``kind`` (``"entry"``, ``"expense"`` or
   ``"trip"``), ``id``, ``date`` (ISO ``YYYY-MM-DD``), ``project`` and ``employee`` (names as the
   portal shows them), ``description`` (string or ``null`` when hidden), ``seconds`` (integer for
   an entry, else ``null``), ``distance`` (kilometres, for a trip, else ``null``), ``amount`` and
   ``currency`` (``null`` when the portal shows no money for the row);
2. decimal numbers (``distance``, ``amount``) as JSON *strings* in plain notation with trailing
   zeros removed: ``"12.5"``, ``"100"``, ``"0"``;
3. the rows sorted by ``kind``, then ``id`` (by Unicode code point);
4. the list written with ``json.dumps(rows, ensure_ascii=False, sort_keys=True,
   separators=(",", ":"))``, encoded as UTF-8, hashed with SHA-256, written as 64 lower-case hex
   digits.

The document itself (:func:`certificate`) is JSON of the same form (sorted keys, compact,
UTF-8) holding the rows, the totals per project, the company, client, contact, period and time;
:func:`read_certificate` reads it back and checks the hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from attrs import evolve, field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import ValidationError
from ..model import Contact, ItemKind, ItemRef, Portal
from ..ports.requests import SignOff
from ..public import PortalEntry, PortalExpense, PortalTrip

__all__ = [
    "FORMAT",
    "Certificate",
    "ProjectTotal",
    "SignedRow",
    "canonical_rows",
    "certificate",
    "entry_set_hash",
    "project_totals",
    "read_certificate",
    "rows_of",
]

#: The ``format`` of the certificate documents this module writes and reads.
FORMAT = "clientportal.signoff/1"

_KINDS = {kind.value: kind for kind in ItemKind}


def _plain(value: Decimal) -> str:
    """A decimal in plain notation without trailing zeros (``12.50`` → ``"12.5"``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@frozen(kw_only=True)
class SignedRow:
    """One approved item as the portal showed it.

    ``seconds`` is set for a time entry, ``distance`` (km) for a trip; ``amount`` and
    ``currency`` only when the portal showed money for the item (an expense always; an entry or a
    trip only with ``show_amounts``). ``description`` is ``None`` when the portal hides it.
    """

    kind: ItemKind = field(validator=v.instance_of(ItemKind))
    id: str = field(validator=cv.identifier)
    date: dt.date = field(validator=cv.plain_date)
    project: str = field(validator=v.instance_of(str))
    employee: str = field(validator=v.instance_of(str))
    description: str | None = field(default=None, validator=v.optional(v.instance_of(str)))
    seconds: int | None = field(default=None, validator=v.optional(cv.seconds))
    distance: Decimal | None = field(default=None, validator=v.optional(v.instance_of(Decimal)))
    amount: Decimal | None = field(default=None, validator=v.optional(v.instance_of(Decimal)))
    currency: str | None = field(default=None, validator=v.optional(cv.currency))

    def canonical(self) -> dict[str, Any]:
        """The row as the canonical entry set writes it (see the module's documentation)."""
        return {
            "kind": self.kind.value,
            "id": self.id,
            "date": self.date.isoformat(),
            "project": self.project,
            "employee": self.employee,
            "description": self.description,
            "seconds": self.seconds,
            "distance": None if self.distance is None else _plain(self.distance),
            "amount": None if self.amount is None else _plain(self.amount),
            "currency": self.currency,
        }

    @property
    def sort_key(self) -> tuple[str, str]:
        """The canonical order: kind, then id."""
        return (self.kind.value, self.id)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_rows(rows: Iterable[SignedRow]) -> list[dict[str, Any]]:
    """``rows`` in the canonical order, each in its canonical form."""
    return [row.canonical() for row in sorted(rows, key=lambda r: r.sort_key)]


def entry_set_hash(rows: Iterable[SignedRow]) -> str:
    """The SHA-256 (hex) of the canonical entry set of ``rows``, whatever their order."""
    return hashlib.sha256(_dumps(canonical_rows(rows)).encode("utf-8")).hexdigest()


def rows_of(
    entries: Iterable[PortalEntry],
    expenses: Iterable[PortalExpense],
    trips: Iterable[PortalTrip],
    *,
    projects: Mapping[str, str],
    employees: Mapping[str, str],
    currency: str | None = None,
) -> tuple[SignedRow, ...]:
    """The rows of a certificate from the public records the portal shows.

    ``projects`` and ``employees`` map ids to the names the portal shows (an id missing from
    them is written as itself). ``currency`` is what the entries' amounts are in (the portal's
    :attr:`~clientportal.model.PortalSettings.currency`; :func:`certificate` fills it in from
    the portal when ``None``).
    """
    rows: list[SignedRow] = []
    for e in entries:
        rows.append(
            SignedRow(
                kind=ItemKind.ENTRY,
                id=e.id,
                date=e.date,
                project=projects.get(e.project_id, e.project_id),
                employee=employees.get(e.employee_id, e.employee_id),
                description=e.description,
                seconds=e.seconds,
                amount=e.amount,
                currency=currency if e.amount is not None else None,
            )
        )
    for x in expenses:
        rows.append(
            SignedRow(
                kind=ItemKind.EXPENSE,
                id=x.id,
                date=x.date,
                project=projects.get(x.project_id, x.project_id),
                employee=employees.get(x.employee_id, x.employee_id),
                description=x.description,
                amount=x.amount,
                currency=x.currency,
            )
        )
    for t in trips:
        shown = t.amount is not None
        rows.append(
            SignedRow(
                kind=ItemKind.TRIP,
                id=t.id,
                date=t.date,
                project=projects.get(t.project_id, t.project_id),
                employee=employees.get(t.employee_id, t.employee_id),
                description=t.description,
                distance=t.distance,
                amount=t.amount,
                currency=(t.currency or currency) if shown else None,
            )
        )
    return tuple(sorted(rows, key=lambda r: r.sort_key))


@frozen(kw_only=True)
class ProjectTotal:
    """One project's totals in a certificate: hours (``seconds``), kilometres and money per
    currency (``amounts``, in the order the currencies first appear)."""

    project: str
    seconds: int
    distance: Decimal
    amounts: tuple[tuple[str, Decimal], ...]
    items: int


def project_totals(rows: Iterable[SignedRow]) -> tuple[ProjectTotal, ...]:
    """The totals per project of ``rows``, by project name."""
    grouped: dict[str, list[SignedRow]] = {}
    for row in rows:
        grouped.setdefault(row.project, []).append(row)
    totals = []
    for project in sorted(grouped):
        members = sorted(grouped[project], key=lambda r: r.sort_key)
        amounts: dict[str, Decimal] = {}
        for row in members:
            if row.amount is not None and row.currency is not None:
                amounts[row.currency] = amounts.get(row.currency, Decimal(0)) + row.amount
        totals.append(
            ProjectTotal(
                project=project,
                seconds=sum(r.seconds or 0 for r in members),
                distance=sum((r.distance or Decimal(0) for r in members), Decimal(0)),
                amounts=tuple(amounts.items()),
                items=len(members),
            )
        )
    return tuple(totals)


@frozen(kw_only=True)
class Certificate:
    """A sign-off certificate read back from its document (:func:`read_certificate`)."""

    id: str
    portal_id: str
    portal_name: str
    language: str
    company: str
    client_id: str
    client_name: str
    contact_id: str
    contact_name: str
    contact_email: str
    period: tuple[dt.date, dt.date] | None
    approved_at: dt.datetime
    address_hash: str | None
    rows: tuple[SignedRow, ...]
    totals: tuple[ProjectTotal, ...]
    sha256: str


def certificate(
    *,
    signoff_id: str,
    portal: Portal,
    company: str,
    client_name: str,
    contact: Contact,
    rows: Sequence[SignedRow],
    period: tuple[dt.date, dt.date] | None,
    at: dt.datetime,
    address_hash: str | None,
) -> SignOff:
    """The sign-off of ``rows`` approved by ``contact`` of ``portal`` at ``at``, covering the
    rows' items (:attr:`~clientportal.ports.SignOff.items`, in the rows' canonical order).

    ``period`` is the week or month signed off (``None`` for a batch); an entry's or trip's
    amount without a currency is in the portal's currency. Raises
    :class:`~clientportal.ValidationError` when there are no rows, a row appears twice, the
    contact is not the portal's client's, or the period ends before it starts.
    """
    problems: list[str] = []
    if not rows:
        problems.append("rows: a sign-off lists at least one approved item")
    keys = [row.sort_key for row in rows]
    doubled = sorted({f"{k}:{i}" for k, i in keys if keys.count((k, i)) > 1})
    if doubled:
        problems.append(f"rows: each item is signed once, these appear twice: {doubled}")
    if contact.client_id != portal.client_id:
        problems.append(
            f"contact: {contact.id!r} is a contact of client {contact.client_id!r}, not of the "
            f"portal's client {portal.client_id!r}"
        )
    if period is not None and period[1] < period[0]:
        problems.append(f"period: ends ({period[1]}) before it starts ({period[0]})")
    if at.tzinfo is None:
        problems.append("at: must be timezone-aware")
    if problems:
        raise ValidationError(problems, summary="the sign-off cannot be made")
    currency = portal.settings.currency
    filled = [
        row if row.amount is None or row.currency is not None else evolve(row, currency=currency)
        for row in rows
    ]
    sha256 = entry_set_hash(filled)
    document = {
        "format": FORMAT,
        "id": signoff_id,
        "portal": {"id": portal.id, "name": portal.name, "language": portal.language},
        "company": company,
        "client": {"id": portal.client_id, "name": client_name},
        "contact": {"id": contact.id, "name": contact.name, "email": contact.email},
        "period": None
        if period is None
        else {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "approved_at": at.astimezone(dt.UTC).isoformat(),
        "address_hash": address_hash,
        "rows": canonical_rows(filled),
        "totals": [_total_json(t) for t in project_totals(filled)],
        "sha256": sha256,
    }
    return SignOff(
        id=signoff_id,
        portal_id=portal.id,
        contact_id=contact.id,
        created_at=at,
        sha256=sha256,
        document=_dumps(document),
        period_start=None if period is None else period[0],
        period_end=None if period is None else period[1],
        items=tuple(ItemRef(row.kind, row.id) for row in sorted(filled, key=lambda r: r.sort_key)),
    )


def _total_json(total: ProjectTotal) -> dict[str, Any]:
    return {
        "project": total.project,
        "items": total.items,
        "seconds": total.seconds,
        "distance": _plain(total.distance),
        "amounts": [{"currency": c, "amount": _plain(a)} for c, a in total.amounts],
    }


def _decimal(value: object, path: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError([f"{path}: must be a decimal written as a string"])
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationError([f"{path}: {value[:40]!r} is not a decimal number"]) from None


def _row(data: Mapping[str, Any], index: int) -> SignedRow:
    path = f"$.rows[{index}]"
    kind = _KINDS.get(str(data.get("kind")))
    if kind is None:
        raise ValidationError([f"{path}.kind: must be 'entry', 'expense' or 'trip'"])
    try:
        return SignedRow(
            kind=kind,
            id=data["id"],
            date=dt.date.fromisoformat(data["date"]),
            project=data["project"],
            employee=data["employee"],
            description=data["description"],
            seconds=data["seconds"],
            distance=_decimal(data["distance"], f"{path}.distance"),
            amount=_decimal(data["amount"], f"{path}.amount"),
            currency=data["currency"],
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ValidationError):
            raise
        raise ValidationError([f"{path}: not a sign-off row ({error})"]) from None


def read_certificate(signoff: SignOff) -> Certificate:
    """The certificate ``signoff`` holds, its entry set checked against its SHA-256.

    Raises :class:`~clientportal.ValidationError` when the document is not a certificate of
    this format, when its rows do not hash to ``signoff.sha256`` (it was altered), or when
    ``signoff.items`` (when given) are not the items of its rows.
    """
    try:
        data = json.loads(signoff.document)
    except json.JSONDecodeError as error:
        raise ValidationError([f"$: not JSON ({error.msg})"], summary="not a sign-off") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError([f"$.format: must be {FORMAT!r}"], summary="not a sign-off")
    try:
        rows = tuple(_row(r, i) for i, r in enumerate(data["rows"]))
        period = data["period"]
        portal, client, contact = data["portal"], data["client"], data["contact"]
        read = Certificate(
            id=data["id"],
            portal_id=portal["id"],
            portal_name=portal["name"],
            language=portal["language"],
            company=data["company"],
            client_id=client["id"],
            client_name=client["name"],
            contact_id=contact["id"],
            contact_name=contact["name"],
            contact_email=contact["email"],
            period=None
            if period is None
            else (dt.date.fromisoformat(period["start"]), dt.date.fromisoformat(period["end"])),
            approved_at=dt.datetime.fromisoformat(data["approved_at"]),
            address_hash=data["address_hash"],
            rows=rows,
            totals=project_totals(rows),
            sha256=data["sha256"],
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ValidationError):
            raise
        raise ValidationError([f"$: a field is missing or wrong ({error})"]) from None
    actual = entry_set_hash(rows)
    if actual != signoff.sha256 or read.sha256 != signoff.sha256:
        raise ValidationError(
            [f"$.rows: hash to {actual}, the sign-off says {signoff.sha256}"],
            summary="the sign-off's document was altered",
        )
    listed = {ItemRef(row.kind, row.id) for row in rows}
    if signoff.items and set(signoff.items) != listed:
        raise ValidationError(
            ["items: the sign-off covers other items than its document's rows"],
            summary="the sign-off's items were altered",
        )
    return read
