"""What the client is asked and what they sign: approval requests with their action links,
reminders sent once, sign-off certificates, and decisions on quotes.

- An :class:`ApprovalRequest` is one approval-request e-mail's question to one contact: the items
  it listed (each at the version it listed), and the hash of the secret its one-click action link
  carries. It is written in the same transaction as the e-mail
  (:meth:`~clientportal.ports.ApprovalStore.apply_changes`), used once
  (:meth:`RequestStore.use_request`), and read by the worker to remind.
- :meth:`RequestStore.send_once` writes e-mails and events under a key at most once, whatever
  the number of workers: a reminder, an escalation, a warning.
- A :class:`SignOff` is what a contact signed when they approved: the canonical document (JSON)
  and its SHA-256, written with the decision.
- A :class:`QuoteDecision` is a contact's acceptance or refusal of a quote, with the name they
  typed as their signature; a quote is decided once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from attrs import Attribute, field, frozen
from attrs import validators as v

from .. import _validators as cv
from ..errors import ValidationError
from ..model import ApprovalStatus, ItemKind, ItemRef

if TYPE_CHECKING:
    from .events import NewEvent
    from .state import OutboxMessage

__all__ = [
    "ApprovalRequest",
    "QuoteDecision",
    "RequestStore",
    "RequestedItem",
    "SignOff",
    "check_new_records",
    "check_once_key",
]

#: The longest key :meth:`RequestStore.send_once` records.
MAX_ONCE_KEY = 200

_HEX64 = re.compile(r"[0-9a-f]{64}")


def _sha256_hex(_: object, attribute: Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ValueError(f"{attribute.name} must be 64 lower-case hex digits, got {value!r}")


@frozen
class RequestedItem:
    """An item an approval request listed: its ``kind``, ``id`` and the ``version`` it was at."""

    kind: ItemKind = field(validator=v.instance_of(ItemKind))
    id: str = field(validator=cv.identifier)
    version: int = field(validator=cv.seconds)


@frozen(kw_only=True)
class ApprovalRequest:
    """One approval-request e-mail's question to one contact of one portal.

    ``items`` are what it listed; ``token_hash`` the SHA-256 (hex) of the secret of its one-click
    action link (the token itself is only in the e-mail); ``link_id`` the contact's personal link
    the same e-mail carries (its one-time code is the optional PIN, see
    :mod:`clientportal.service.actions`), ``None`` when there is none. The action link works
    until ``expires_at`` and once (``used_at``). ``note`` is the staff's note sent with it (why
    reopened items come back).
    """

    id: str = field(validator=cv.identifier)
    portal_id: str = field(validator=cv.identifier)
    contact_id: str = field(validator=cv.identifier)
    items: tuple[RequestedItem, ...] = field(
        converter=cv.to_tuple, validator=v.deep_iterable(v.instance_of(RequestedItem))
    )
    token_hash: str = field(validator=_sha256_hex)
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    expires_at: dt.datetime = field(validator=cv.aware_datetime)
    link_id: str | None = field(default=None, validator=v.optional(cv.identifier))
    used_at: dt.datetime | None = field(default=None, validator=v.optional(cv.aware_datetime))
    note: str | None = field(default=None, validator=v.optional(v.instance_of(str)))


@frozen(kw_only=True)
class SignOff:
    """A sign-off certificate: what ``contact_id`` of ``portal_id`` approved at ``created_at``.

    ``document`` is the canonical JSON text of the whole certificate (company, client, period,
    every row as the portal showed it, totals, who, when, the keyed hash of their address), from
    which the PDF is drawn again on every download (:mod:`clientportal.signoff`); ``sha256`` is
    the SHA-256 (hex) of the canonical entry set, the value the decision's event carries.
    ``period_start`` and ``period_end`` bound a week's or month's sign-off (both ``None`` for a
    batch approved from an e-mail or the approvals page).
    """

    id: str = field(validator=cv.identifier)
    portal_id: str = field(validator=cv.identifier)
    contact_id: str = field(validator=cv.identifier)
    created_at: dt.datetime = field(validator=cv.aware_datetime)
    sha256: str = field(validator=_sha256_hex)
    document: str = field(validator=cv.non_empty_text, repr=False)
    period_start: dt.date | None = field(default=None)
    period_end: dt.date | None = field(default=None)
    #: The items it covers (kind and id), what the store indexes it by.
    items: tuple[ItemRef, ...] = field(
        default=(), converter=cv.to_tuple, validator=v.deep_iterable(v.instance_of(ItemRef))
    )
    #: When it was withdrawn: an item it covers was undone by the client or reopened by the
    #: staff (set by the store, in the transaction of that step). ``None`` while it stands.
    withdrawn_at: dt.datetime | None = field(default=None, validator=v.optional(cv.aware_datetime))


@frozen(kw_only=True)
class QuoteDecision:
    """A contact's decision on a quote: ``accepted`` (or declined, with ``reason``), signed with
    the name they typed (``signature``), at ``at``, from the keyed hash of their address."""

    client_id: str = field(validator=cv.identifier)
    quote_id: str = field(validator=cv.identifier)
    portal_id: str = field(validator=cv.identifier)
    contact_id: str = field(validator=cv.identifier)
    accepted: bool = field(validator=cv.boolean)
    signature: str = field(validator=cv.non_empty_text)
    at: dt.datetime = field(validator=cv.aware_datetime)
    reason: str | None = field(default=None, validator=v.optional(cv.non_empty_text))
    address_hash: str | None = field(default=None, validator=v.optional(v.instance_of(str)))
    #: The amount and currency of the quote as the contact saw it when they decided.
    amount: Decimal | None = field(default=None, validator=v.optional(v.instance_of(Decimal)))
    currency: str | None = field(default=None, validator=v.optional(cv.currency))


@runtime_checkable
class RequestStore(Protocol):
    """Approval requests and their action links, reminders sent once, sign-offs, quote decisions.

    Requests and sign-offs are written by
    :meth:`~clientportal.ports.ApprovalStore.apply_changes` (``requests=``, ``signoffs=``), in
    the transaction of the decision or the e-mail they belong to."""

    # -- approval requests -----------------------------------------------------------------

    def get_request(self, request_id: str) -> ApprovalRequest | None:
        """The request with this id, or ``None``."""
        ...

    def use_request(self, request_id: str, at: dt.datetime) -> bool:
        """Set the request's ``used_at`` if it is unused, atomically; True when this call used it
        (False for an unknown or used request)."""
        ...

    def open_requests(
        self, *, since: dt.datetime, after: str | None = None, limit: int = 500
    ) -> Sequence[ApprovalRequest]:
        """Up to ``limit`` unused requests created at or after ``since``, ordered by id, after
        the id ``after`` (from the first when ``None``): what the worker reminds about."""
        ...

    # -- once-only e-mails -----------------------------------------------------------------

    def once_done_at(self, key: str) -> dt.datetime | None:
        """When :meth:`send_once` recorded ``key`` (its ``at``), or ``None`` when it never did."""
        ...

    def send_once(
        self,
        key: str,
        *,
        at: dt.datetime,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """In one transaction: record ``key`` (1 to 200 characters) as done at ``at`` and queue
        ``outbox`` and write ``events``. When ``key`` was recorded before (by any worker), write
        nothing and return False; True when this call wrote them."""
        ...

    # -- staff reminders -------------------------------------------------------------------

    def items_in_status(
        self, status: ApprovalStatus, *, limit: int = 1000
    ) -> Sequence[tuple[ItemKind, str, dt.datetime | None]]:
        """Up to ``limit`` items (of every kind) whose stored state is in ``status``, each with
        the time its state was stored (``None`` when unknown), oldest first (unknown times
        first, then by kind and id): what the staff are reminded of."""
        ...

    # -- sign-offs -------------------------------------------------------------------------

    def get_signoff(self, signoff_id: str) -> SignOff | None:
        """The sign-off with this id, or ``None``."""
        ...

    def signoffs_for(self, items: Sequence[ItemRef]) -> Sequence[SignOff]:
        """The sign-offs that cover any of ``items`` and are not withdrawn, oldest first."""
        ...

    def signoffs(
        self, portal_id: str, *, contact_id: str | None = None, limit: int = 50
    ) -> Sequence[SignOff]:
        """Up to ``limit`` sign-offs of the portal (of one contact when ``contact_id`` is
        given), newest first (by ``created_at``, then id)."""
        ...

    # -- quotes ----------------------------------------------------------------------------

    def decide_quote(
        self,
        decision: QuoteDecision,
        *,
        outbox: Sequence[OutboxMessage] = (),
        events: Sequence[NewEvent] = (),
    ) -> bool:
        """In one transaction: store ``decision`` and queue ``outbox`` and write ``events``,
        unless the quote (``client_id``, ``quote_id``) was decided before: then write nothing
        and return False."""
        ...

    def quote_decisions(
        self, client_id: str, quote_ids: frozenset[str]
    ) -> Mapping[str, QuoteDecision]:
        """The decisions stored for those of ``quote_ids`` of the client that have one, by
        quote id."""
        ...


def check_once_key(key: object) -> None:
    """Refuse a :meth:`RequestStore.send_once` key that is not 1 to 200 characters of text;
    every store calls it first, so all refuse the same keys with the same words."""
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_ONCE_KEY:
        raise ValidationError(
            [
                f"key: must be 1 to {MAX_ONCE_KEY} characters of text, got {key!r}: build it "
                "from what makes the e-mail unique (e.g. 'reminder:<request id>:2')"
            ],
            summary="cannot send once",
        )


def check_new_records(
    requests: Sequence[ApprovalRequest],
    signoffs: Sequence[SignOff],
    stored: Callable[[str, Sequence[str]], Iterable[str]],
) -> None:
    """Refuse approval requests and sign-offs whose ids are given twice or already stored
    (``stored("request" | "signoff", ids)`` answers those of ``ids`` the store holds), and
    sign-offs with half a period or a period that ends before it starts, naming them all.
    Every store calls it before :meth:`~clientportal.ports.ApprovalStore.apply_changes` writes
    anything."""
    problems: list[str] = []
    for name, ids in (
        ("request", [r.id for r in requests]),
        ("signoff", [s.id for s in signoffs]),
    ):
        if not ids:
            continue
        taken = sorted({i for i in ids if ids.count(i) > 1} | set(stored(name, ids)))
        if taken:
            what = "approval request" if name == "request" else "sign-off"
            problems.append(
                f"{what} ids already stored: {', '.join(taken)}: give each {what} a new id "
                "(e.g. clientportal.access.random_id())"
            )
    for signoff in signoffs:
        start, end = signoff.period_start, signoff.period_end
        if (start is None) != (end is None):
            problems.append(
                f"sign-off {signoff.id!r}: give both period_start and period_end, or neither"
            )
        elif start is not None and end is not None and end < start:
            problems.append(
                f"sign-off {signoff.id!r}: its period ends ({end}) before it starts ({start})"
            )
    if problems:
        raise ValidationError(problems, summary="cannot store the approval requests or sign-offs")
