"""Quotes a client accepts or declines in the portal.

A contact may decide on a quote the portal shows while it is *open*: sent
(:attr:`~clientportal.DocumentStatus.SENT`), not past its ``valid_until``, not decided in the
portal before, and -- when the host's DataSource has the optional part
:class:`~clientportal.ports.OpenQuotes` -- among the quotes the host holds open. Drafts and
expired quotes never open. The contact signs by typing their name; declining needs a reason.

A decision is bound to the quote the contact saw: the decision page carries
:func:`quote_digest` of the quote it shows (number, amount, currency, date, valid until) and
:meth:`Quotes.decide` refuses with :class:`QuoteChanged` when the quote is no longer that one
(the host revised it while the page was open). The stored decision and the event carry the
amount and currency decided on.

The decision, the company's notice e-mail and the ``quote.accepted`` / ``quote.declined`` event
for the host are written in one transaction (:meth:`RequestStore.decide_quote
<clientportal.ports.RequestStore.decide_quote>`), and a quote is decided once: a second
decision, from another tab or another contact, is refused with :class:`QuoteClosed`.

``valid_until`` is a date without a time zone: a quote stays open through that whole day
wherever the client is (it closes when the day is over everywhere, at 12:00 UTC the next day).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from attrs import frozen

from ..access import random_id
from ..errors import InvalidReason, NotFound, ValidationError, WorkflowError
from ..model import Contact, DocumentStatus, Portal
from ..ports import Clock, DataSource, NewEvent, OpenQuotes, OutboxMessage
from ..ports.events import QUOTE_ACCEPTED, QUOTE_DECLINED
from ..ports.requests import QuoteDecision, RequestStore
from ..visibility import PortalQuote
from ..workflow import Action, Party, check_reason
from .cost_pages import Viewer, portal_of
from .notify import MailSettings, Notifier
from .pages import Pages
from .visits import Visit

__all__ = [
    "MAX_SIGNATURE",
    "InvalidSignature",
    "Openness",
    "QuoteChanged",
    "QuoteChoice",
    "QuoteClosed",
    "Quotes",
    "check_decline_reason",
    "check_signature",
    "openness",
    "quote_digest",
    "quote_event",
]

#: The longest signature kept, in characters (after spaces are collapsed).
MAX_SIGNATURE: Final = 200
#: How long after the start of its ``valid_until`` day (UTC) a quote stays open: until that day
#: is over everywhere on earth (the last time zone is UTC-12).
_LAST_ZONE: Final = dt.timedelta(hours=36)


class Openness(enum.Enum):
    """Whether a quote can be decided in the portal now, and if not, why."""

    #: Sent, valid, not decided: the contact may accept or decline it.
    OPEN = "open"
    #: A contact accepted or declined it in the portal.
    DECIDED = "decided"
    #: Its ``valid_until`` is over, or the host marked it expired.
    EXPIRED = "expired"
    #: Not open for a decision: a draft, decided outside the portal, or held back by the host.
    CLOSED = "closed"


def openness(
    quote: PortalQuote,
    decision: QuoteDecision | None,
    *,
    now: dt.datetime,
    held_open: frozenset[str] | None = None,
) -> Openness:
    """Whether ``quote`` is open for a decision at ``now``. ``decision`` is the portal's
    decision on it (if any); ``held_open`` the ids the host's
    :class:`~clientportal.ports.OpenQuotes` holds open (``None``: the host does not say)."""
    if decision is not None:
        return Openness.DECIDED
    if quote.status is DocumentStatus.EXPIRED or _past(quote.valid_until, now):
        return Openness.EXPIRED
    if quote.status is not DocumentStatus.SENT:
        return Openness.CLOSED
    if held_open is not None and quote.id not in held_open:
        return Openness.CLOSED
    return Openness.OPEN


def _past(valid_until: dt.date | None, now: dt.datetime) -> bool:
    """True once ``valid_until`` is over everywhere on earth."""
    if valid_until is None:
        return False
    start = dt.datetime.combine(valid_until, dt.time(), tzinfo=dt.UTC)
    return now >= start + _LAST_ZONE


@frozen
class QuoteChoice:
    """A quote the portal shows, as a contact may decide on it: the ``quote`` (as the portal
    shows it), the portal's ``decision`` on it (``None`` when none) and its ``openness``."""

    quote: PortalQuote
    decision: QuoteDecision | None
    openness: Openness

    @property
    def is_open(self) -> bool:
        """True when the quote may be accepted or declined now."""
        return self.openness is Openness.OPEN


class QuoteClosed(WorkflowError):
    """A quote cannot be decided: ``openness`` says why (decided before, expired, closed);
    ``decision`` is the earlier decision when it was decided."""

    quote_id: str
    openness: Openness
    decision: QuoteDecision | None

    def __init__(
        self, quote_id: str, openness: Openness, *, decision: QuoteDecision | None = None
    ) -> None:
        self.quote_id = quote_id
        self.openness = openness
        self.decision = decision
        why = {
            Openness.DECIDED: "it was decided before"
            + (
                ""
                if decision is None
                else f" ({'accepted' if decision.accepted else 'declined'} by contact "
                f"{decision.contact_id!r} at {decision.at.isoformat()})"
            ),
            Openness.EXPIRED: "it has expired",
            Openness.CLOSED: "it is not open for a decision (a draft, decided elsewhere, or "
            "held back by the company)",
            Openness.OPEN: "it is open",
        }[openness]
        super().__init__(f"quote {quote_id!r} cannot be accepted or declined: {why}")


class QuoteChanged(WorkflowError):
    """A quote changed since the contact looked at it (its number, amount, currency, date or
    valid until is no longer what they saw), so nothing was decided. ``quote`` is the quote as
    the portal shows it now: show it again and let them decide on that."""

    quote_id: str
    quote: PortalQuote

    def __init__(self, quote: PortalQuote) -> None:
        self.quote_id = quote.id
        self.quote = quote
        super().__init__(
            f"quote {quote.id!r} changed while the contact was looking at it (its number, amount, "
            "currency, date or valid until is not what they saw): nothing was decided; show "
            "them the quote again and decide on it as it is now"
        )


def quote_digest(quote: PortalQuote) -> str:
    """What the contact sees of ``quote`` when they decide on it, as a digest: SHA-256 (hex) of
    its id, number, amount (its value: ``4250.00`` and ``4250.0`` are the same), currency, date
    and valid until. The decision page sends it back as ``seen`` to :meth:`Quotes.decide`."""
    facts = [
        quote.id,
        quote.number,
        _plain(quote.amount),
        quote.currency,
        quote.date.isoformat(),
        None if quote.valid_until is None else quote.valid_until.isoformat(),
    ]
    text = json.dumps(facts, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _plain(amount: Decimal) -> str:
    """The amount's value, without exponent, trailing zeros or a minus on zero (``"4250"``,
    ``"0.5"``, ``"0"``)."""
    return "0" if amount.is_zero() else format(amount.normalize(), "f")


class InvalidSignature(ValidationError):
    """The name typed as a signature cannot be kept: ``problem`` is ``"missing"`` (blank),
    ``"too_long"`` (over :data:`MAX_SIGNATURE` characters) or ``"not_a_name"`` (no letter, or
    control characters)."""

    problem: str

    def __init__(self, message: str, *, problem: str) -> None:
        self.problem = problem
        super().__init__([message], summary="the signature is not valid")


def check_signature(signature: str | None) -> str:
    """The signature to keep: the typed name with its spaces collapsed. Raises
    :class:`InvalidSignature` when it is blank, too long, or not a name."""
    text = " ".join((signature or "").split())
    if not text:
        raise InvalidSignature(
            "signature: type your full name to sign (it is kept with the decision)",
            problem="missing",
        )
    if len(text) > MAX_SIGNATURE:
        raise InvalidSignature(
            f"signature: at most {MAX_SIGNATURE} characters, got {len(text)}: type your name only",
            problem="too_long",
        )
    if any(unicodedata.category(c).startswith("C") for c in text) or not any(
        c.isalpha() for c in text
    ):
        raise InvalidSignature(
            "signature: type your name in letters (no control characters)", problem="not_a_name"
        )
    return text


def check_decline_reason(reason: str | None) -> str:
    """The reason for declining a quote to keep: required (stripped), as long as any reason may
    be (:func:`~clientportal.workflow.check_reason`); :class:`~clientportal.InvalidReason`
    otherwise."""
    try:
        kept = check_reason(Action.REJECT, reason)
    except InvalidReason as invalid:
        if not invalid.missing:
            raise
        kept = None
    if kept is None:
        raise InvalidReason(
            "reason: declining a quote needs a reason (the company reads it): pass reason='...'",
            missing=True,
        )
    return kept


def quote_event(quote: PortalQuote, decision: QuoteDecision) -> NewEvent:
    """The event of ``decision`` on ``quote``: ``quote.accepted`` or ``quote.declined``, with
    the quote's id and number, the amount and currency decided on (the decision's; the quote's
    when the decision has none), the contact, the signature and the reason."""
    amount = quote.amount if decision.amount is None else decision.amount
    data: dict[str, Any] = {
        "quote_id": quote.id,
        "number": quote.number,
        "amount": str(amount),
        "currency": quote.currency if decision.currency is None else decision.currency,
        "contact_id": decision.contact_id,
        "actor": {"party": Party.CLIENT.value, "id": decision.contact_id},
        "signature": decision.signature,
        "reason": decision.reason,
    }
    return NewEvent(
        type=QUOTE_ACCEPTED if decision.accepted else QUOTE_DECLINED,
        occurred_at=decision.at,
        portal_id=decision.portal_id,
        client_id=decision.client_id,
        data=data,
    )


class Quotes:
    """The quotes a portal shows, and a contact's decision on one.

    Reads the quotes through ``pages`` (the pure visibility rules are their last gate), the
    decisions from ``store``, and whether the host holds a quote open from ``data`` when it is
    an :class:`~clientportal.ports.OpenQuotes`; the company's notice speaks with ``mail`` through
    the ``notifier``; time comes from ``clock``.
    """

    def __init__(
        self,
        data: DataSource,
        store: RequestStore,
        *,
        pages: Pages,
        notifier: Notifier,
        mail: MailSettings,
        clock: Clock,
    ) -> None:
        self._data = data
        self._store = store
        self._pages = pages
        self._notifier = notifier
        self._mail = mail
        self._clock = clock

    def __repr__(self) -> str:
        return f"Quotes(data={self._data!r})"

    # -- reading ---------------------------------------------------------------------------------

    def shown(self, viewer: Viewer) -> tuple[QuoteChoice, ...]:
        """Every quote the portal shows (newest first), each with its decision and whether it
        is open for one now. Nothing when the portal does not show quotes."""
        portal = portal_of(viewer)
        if not portal.settings.show_quotes:
            return ()
        return self._choices(portal, self._pages.quotes(viewer))

    def open(self, viewer: Viewer) -> tuple[QuoteChoice, ...]:
        """The quotes of the portal that are open for a decision now (newest first)."""
        return tuple(c for c in self.shown(viewer) if c.is_open)

    def quote(self, viewer: Viewer, quote_id: str) -> QuoteChoice:
        """One quote the portal shows, with its decision and openness. Raises
        :class:`~clientportal.NotFound` for a quote it does not show."""
        for choice in self.shown(viewer):
            if choice.quote.id == quote_id:
                return choice
        raise NotFound(f"no quote {quote_id!r} in portal {portal_of(viewer).id!r}")

    def _choices(self, portal: Portal, quotes: Sequence[PortalQuote]) -> tuple[QuoteChoice, ...]:
        if not quotes:
            return ()
        decisions = self._store.quote_decisions(portal.client_id, frozenset(q.id for q in quotes))
        now = self._clock.now()
        first = {q.id: openness(q, decisions.get(q.id), now=now) for q in quotes}
        held: frozenset[str] | None = None
        if isinstance(self._data, OpenQuotes) and Openness.OPEN in first.values():
            held = frozenset(self._data.open_quote_ids(portal.client_id))
        return tuple(
            QuoteChoice(
                q,
                decisions.get(q.id),
                first[q.id]
                if first[q.id] is not Openness.OPEN
                else openness(q, None, now=now, held_open=held),
            )
            for q in quotes
        )

    # -- deciding --------------------------------------------------------------------------------

    def decide(
        self,
        visit: Visit,
        quote_id: str,
        *,
        accept: bool,
        signature: str,
        reason: str | None = None,
        address_hash: str | None = None,
        seen: str | None = None,
    ) -> QuoteDecision:
        """The visit's contact accepts (``accept``) or declines quote ``quote_id``, signed with
        the name they typed (``signature``); declining needs a ``reason``. ``address_hash`` is
        the keyed hash of their address, kept with the decision. ``seen`` is
        :func:`quote_digest` of the quote as the contact saw it (the decision page's): when the
        quote is no longer that one, nothing is decided. Without ``seen`` (host code) the quote
        is decided as it is now.

        Stores the decision, with the amount and currency decided on, together with the
        company's notice and the ``quote.accepted`` / ``quote.declined`` event in one
        transaction. Raises :class:`InvalidSignature` or
        :class:`~clientportal.InvalidReason` for the typed input,
        :class:`~clientportal.WorkflowError` for a shared link (nobody to name),
        :class:`~clientportal.NotFound` for a quote the portal does not show, and
        :class:`QuoteClosed` for one that is not open (decided before, even a moment ago by
        somebody else, expired, or closed), and :class:`QuoteChanged` when ``seen`` is not the
        quote as it is now."""
        portal = visit.portal
        if visit.contact_id is None:
            raise WorkflowError(
                f"link {visit.link.id!r} is shared: only a contact's own link can accept or "
                "decline a quote, so the decision names who signed; issue the contact a link"
            )
        signed = check_signature(signature)
        why = check_decline_reason(reason) if not accept else None
        choice = self.quote(visit, quote_id)
        if not choice.is_open:
            raise QuoteClosed(quote_id, choice.openness, decision=choice.decision)
        if seen is not None and seen != quote_digest(choice.quote):
            raise QuoteChanged(choice.quote)
        contact = self._notifier.require_contact(portal, visit.contact_id)
        decision = QuoteDecision(
            client_id=portal.client_id,
            quote_id=quote_id,
            portal_id=portal.id,
            contact_id=contact.id,
            accepted=accept,
            signature=signed,
            at=self._clock.now(),
            reason=why,
            address_hash=address_hash,
            amount=choice.quote.amount,
            currency=choice.quote.currency,
        )
        notice = self._notice(visit, contact, choice.quote, decision)
        stored = self._store.decide_quote(
            decision,
            outbox=() if notice is None else (notice,),
            events=(quote_event(choice.quote, decision),),
        )
        if not stored:
            earlier = self._store.quote_decisions(portal.client_id, frozenset({quote_id}))
            raise QuoteClosed(quote_id, Openness.DECIDED, decision=earlier.get(quote_id))
        return decision

    def _notice(
        self, visit: Visit, contact: Contact, quote: PortalQuote, decision: QuoteDecision
    ) -> OutboxMessage | None:
        """The company's notice of ``decision`` (``None`` when it has nobody to tell)."""
        recipients = self._mail.recipients()
        if not recipients:
            return None
        from ..mail.quotes import quote_decided
        from ..mail.templates import MailKind

        language = self._mail.company_language
        projects = _names({p.id: p.name for p in self._pages.projects(visit)}, quote)
        mail = quote_decided(
            portal=visit.portal,
            contact=contact,
            quote=quote,
            decision=decision,
            project_names=projects,
            recipients=recipients,
            sender=self._mail.sender(),
            locale=language,
            template=self._mail.template(MailKind.QUOTE_DECIDED, visit.portal, language),
        )
        return OutboxMessage.of(random_id(), mail.message, created_at=decision.at)


def _names(projects: Mapping[str, str], quote: PortalQuote) -> tuple[str, ...]:
    """The names of the quote's projects (those the portal shows), sorted."""
    return tuple(sorted(projects.get(pid, pid) for pid in quote.project_ids))
