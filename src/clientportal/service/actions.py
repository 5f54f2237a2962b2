"""One-click decisions from an approval-request e-mail: the action link's token, and the desk
that shows what it asks and takes the decision.

An approval-request e-mail carries an *action link* (``/act/<token>``): its token is signed with
itsdangerous (its own salt, the service's secret keys, oldest → newest for rotation) and names
the :class:`~clientportal.ports.ApprovalRequest` and 128 random bits whose SHA-256 the request
keeps (:class:`ActionTokens`). So the store never holds a usable token, and the keys alone
forge nothing.

Mail scanners (Safe Links and the like) fetch every link of an e-mail, often several times, with
GET, HEAD and prefetch requests. So looking at an action link (:meth:`ActionDesk.look`) changes
nothing at all, and only :meth:`ActionDesk.decide` -- the POST of the confirmation page -- decides,
and only on the items still at the version the e-mail listed: anything changed since is reported,
never decided blindly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from typing import TYPE_CHECKING

from attrs import evolve, frozen

from ..access import (
    AccessMode,
    Link,
    PendingClaim,
    PortalAccess,
    admit,
    secret_digest,
)
from ..errors import (
    CodeRequired,
    InvalidCsrfToken,
    InvalidToken,
    LinkExpired,
    LinkRevoked,
    PortalInactive,
)
from ..model import Contact, Expense, ItemKind, Portal, TimeEntry, Trip
from ..ports import Clock, DataSource, Store, aware_now
from ..ports.requests import ApprovalRequest, RequestedItem
from ..ports.state import visit_reader
from ..visibility import visible_entries, visible_expenses, visible_trips
from ..workflow import AWAITING_CLIENT, Action, check_reason
from .action_records import (
    ActionItem,
    ActionResult,
    ActionStatus,
    ActionTotals,
    ActionView,
    ItemState,
    ShownItem,
    totals_of,
)
from .action_tokens import ActionTokens
from .decision_items import ItemReader
from .reading import PortalReader
from .sessions import stored_link
from .visits import Opening

if TYPE_CHECKING:
    from .access import AccessGate
    from .approvals import Approvals
    from .notify import Notifier

__all__ = [
    "ActionDesk",
    "ActionItem",
    "ActionResult",
    "ActionStatus",
    "ActionTokens",
    "ActionTotals",
    "ActionView",
    "ItemState",
    "ShownItem",
    "totals_of",
]

# What a token that names no request is looked up as: no request has this id (it is not a
# valid id), so the lookup finds nothing, as slowly as for one that exists.
_DECOY_REQUEST_ID = " no request"
_DECOY_SECRET_HASH = secret_digest(" no secret")

# --------------------------------------------------------------------------------------------------
# The desk


class ActionDesk:
    """Shows what an action link asks (:meth:`look`) and takes its decision (:meth:`decide`).

    Looking changes nothing at all: no link use, no event, no session, no log line, however
    often a mail scanner fetches it. A decision takes only the items still at the version the
    e-mail listed, through :meth:`Approvals.contact_decide
    <clientportal.service.approvals.Approvals.contact_decide>`, and uses the link up. On a
    portal that asks for a one-time code (:attr:`~clientportal.access.AccessMode.LINK_AND_CODE`)
    a decision needs the code of the contact's link the same e-mail carries (:meth:`send_code`
    e-mails one), checked by the access ``gate`` as the code step of the portal is.

    An unknown, forged or altered token, a request whose link was revoked (or whose portal's
    links all were), a switched-off portal and a contact no longer on the portal all raise an
    :class:`~clientportal.AccessDenied` (or :class:`~clientportal.NotFound`): the web layer
    answers them with the same 404 page as a link that does not open.
    """

    def __init__(
        self,
        *,
        store: Store,
        data: DataSource,
        reader: PortalReader,
        approvals: Approvals,
        gate: AccessGate,
        notifier: Notifier,
        tokens: ActionTokens,
        clock: Clock,
    ) -> None:
        self._store = store
        self._visits = visit_reader(store)
        self._data = data
        self._reader = reader
        self._items = ItemReader(data, reader)
        self._approvals = approvals
        self._gate = gate
        self._notifier = notifier
        self._tokens = tokens
        self._clock = clock

    def __repr__(self) -> str:
        return f"ActionDesk(store={self._store!r}, tokens={self._tokens!r})"

    @property
    def tokens(self) -> ActionTokens:
        """The tokens of the action links (what approval requests are issued with)."""
        return self._tokens

    # -- looking -------------------------------------------------------------------------------

    def look(self, token: object, *, now: dt.datetime | None = None) -> ActionView:
        """What the action link ``token`` shows at ``now`` (default: the clock's time): its
        portal, contact and items as the portal shows them now, each marked unchanged, changed,
        decided or gone; or only that it expired or was used. Changes nothing."""
        at = aware_now(self._clock) if now is None else now
        found = self._found(token, at)
        return self._view(found, at)

    # -- the one-time code ---------------------------------------------------------------------

    def send_code(self, token: object, *, client: str) -> dt.datetime:
        """E-mail the contact a new one-time code for the link's decision (on a portal that asks
        for one) and return when it expires; rate-limited per link as the portal's code step
        is. Raises :class:`~clientportal.CodeRequired` where no code is asked for (or the
        request names no link of the contact's) and :class:`~clientportal.LinkExpired` for a
        link that expired or was used."""
        now = aware_now(self._clock)
        found = self._found(token, now)
        self._check_open(found, now)
        return self._gate.request_code(self._pending(found, now), client=client)

    # -- the portal ----------------------------------------------------------------------------

    def open_portal(self, token: object, *, client: str) -> Opening:
        """Open the portal for the holder of the action link ``token``: the contact's personal
        link the same e-mail carries is opened (:meth:`AccessGate.open_link_of
        <clientportal.service.access.AccessGate.open_link_of>`), giving a session, or a pending
        value on a portal that asks for a code. Works after the link decided too (the e-mail's
        link lives on), not once it expired. Only a POST may call this: a GET must change
        nothing. Raises as :meth:`look` does, and :class:`~clientportal.LinkRevoked` for a
        request that names no link of the contact's."""
        now = aware_now(self._clock)
        found = self._found(token, now)
        link_id = found.request.link_id
        if link_id is None or now >= found.request.expires_at:
            raise LinkRevoked(
                f"request {found.request.id!r} names no link that still opens the portal: "
                "open the portal with a link of the contact's"
            )
        return self._gate.open_link_of(link_id, client=client)

    # -- CSRF without a session ----------------------------------------------------------------

    def csrf_token(self, token: str, nonce: str) -> str:
        """The CSRF token of the confirmation page's forms: bound to the action link ``token``
        and to ``nonce``, the random value of the browser's cookie (a double submit)."""
        return self._gate.codec.csrf_token(_csrf_subject(token, nonce))

    def check_csrf(self, token: str, nonce: str, value: object) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``value`` is :meth:`csrf_token`
        of ``token`` and ``nonce``."""
        if not nonce:
            raise InvalidCsrfToken()
        self._gate.codec.check_csrf(_csrf_subject(token, nonce), value)

    # -- deciding ------------------------------------------------------------------------------

    def decide(
        self,
        token: object,
        *,
        approve: bool,
        reason: str | None = None,
        pin: str | None = None,
        address_hash: str | None = None,
        client: str | None = None,
    ) -> ActionResult:
        """Approve (``approve``) or reject for ``reason`` the items of the action link that are
        still at the version its e-mail listed, as the request's contact; then the link is used.

        Items changed since the e-mail are never decided: the result lists them
        (:attr:`ActionResult.left`). ``pin`` is the one-time code of the contact's link on a
        portal that asks for one (checked against ``client``'s budgets: their address);
        ``address_hash`` is the keyed hash of the client's address for the audit trail
        (:meth:`AccessCodec.client_hash <clientportal.access.AccessCodec.client_hash>`).

        The code is checked by the gate's code step, which also opens the contact's link once
        (a session the desk does not hand out, and a ``link.opened`` event): what entering the
        code on the portal's code page does.

        Raises :class:`~clientportal.InvalidReason` for a rejection without a reason (or with
        one too long), :class:`~clientportal.CodeRequired` when the code is missing, the
        gate's code errors (:class:`~clientportal.InvalidCode`,
        :class:`~clientportal.CodeExpired`, :class:`~clientportal.CodeAttemptsExceeded`,
        :class:`~clientportal.RateLimited`) for a wrong one, and as :meth:`look` does.
        """
        now = aware_now(self._clock)
        found = self._found(token, now)
        action = Action.APPROVE if approve else Action.REJECT
        before = self._view(found, now)
        if before.expired:
            return ActionResult(status=ActionStatus.EXPIRED, view=before, approved=approve)
        if before.used:
            return ActionResult(status=ActionStatus.USED, view=before, approved=approve)
        reason = check_reason(action, reason)
        if before.needs_pin:
            if not pin:
                raise CodeRequired(
                    "the portal asks for the one-time code e-mailed to the contact: send it "
                    "with the decision",
                    link_id=found.request.link_id,
                )
            self._gate.verify_code(self._pending(found, now), pin, client=client or "unknown")
        listed = {item.ref: item.version for item in before.decidable}
        if not listed:
            return ActionResult(status=ActionStatus.NOTHING_LEFT, view=before, approved=approve)
        decision = self._approvals.contact_decide(
            found.portal,
            found.request.contact_id,
            action,
            list(listed),
            reason=reason,
            versions=listed,
            address_hash=address_hash,
        )
        if decision.applied:
            self._store.use_request(found.request.id, now)
        return ActionResult(
            status=ActionStatus.DECIDED, view=before, approved=approve, decision=decision
        )

    # -- helpers -------------------------------------------------------------------------------

    def _found(self, token: object, now: dt.datetime) -> _Found:
        """The request of ``token`` with its portal, access state and link, admitted now; the
        refusal otherwise (the same for every token that names no genuine request)."""
        read = self._tokens.read(token)
        request_id, secret_hash = read if read is not None else (_DECOY_REQUEST_ID, "")
        request = self._store.get_request(request_id)
        genuine = hmac.compare_digest(
            secret_hash, _DECOY_SECRET_HASH if request is None else request.token_hash
        )
        if read is None or request is None or not genuine:
            raise InvalidToken()
        link: Link | None = None
        closed = request.used_at is not None or now >= request.expires_at
        if request.link_id is not None and not closed:
            records = self._visits.read_visit(request.link_id)
            link = stored_link(request.link_id, records.link)
            portal, access = admit(
                link, records.portal, records.access, generation=link.generation, now=now
            )
            if portal.id != request.portal_id or link.contact_id != request.contact_id:
                raise InvalidToken(link_id=link.id)
        else:
            # A closed link only says so (in its portal's language): its link may be long gone.
            stored = self._store.get_portal(request.portal_id)
            access_state = self._store.get_access(request.portal_id)
            if stored is None or access_state is None or not (stored.active or closed):
                raise PortalInactive(f"portal {request.portal_id!r} is gone or switched off")
            if request.contact_id not in stored.contact_ids and not closed:
                raise LinkRevoked(
                    f"contact {request.contact_id!r} is no longer on portal {stored.id!r}"
                )
            portal, access = stored, access_state
        contact = self._notifier.require_contact(portal, request.contact_id)
        return _Found(request=request, portal=portal, access=access, link=link, contact=contact)

    def _check_open(self, found: _Found, now: dt.datetime) -> None:
        if found.request.used_at is not None or now >= found.request.expires_at:
            raise LinkExpired(
                f"the action link of request {found.request.id!r} expired or was used: "
                "open the portal to decide"
            )

    def _pending(self, found: _Found, now: dt.datetime) -> str:
        """A pending value for the code step of the request's link (the token proved that its
        holder has the e-mail that carries the link)."""
        link = found.link
        if link is None or found.access.mode is not AccessMode.LINK_AND_CODE:
            raise CodeRequired(
                f"request {found.request.id!r} cannot be decided with a one-time code: its "
                "portal asks for none, or the request names no link of the contact's"
            )
        claim = PendingClaim(link_id=link.id, generation=link.generation, issued_at=now)
        return self._gate.codec.pending_value(claim)

    def _view(self, found: _Found, now: dt.datetime) -> ActionView:
        request, portal = found.request, found.portal
        view = ActionView(
            request_id=request.id,
            portal=portal,
            contact=found.contact,
            created_at=request.created_at,
            expires_at=request.expires_at,
            expired=now >= request.expires_at,
            used=request.used_at is not None,
            needs_pin=found.access.mode is AccessMode.LINK_AND_CODE,
            note=request.note,
        )
        if not view.open:
            return view
        shown = self._shown(portal, request.items)
        items = tuple(
            _item(listed, shown.get((listed.kind, listed.id))) for listed in request.items
        )
        present = [i.shown for i in items if i.shown is not None]
        projects = {p.id: p.name for p in self._reader.projects(portal)}
        employee_ids = frozenset(i.employee_id for i in present)
        employees = (
            {e.id: e.name for e in self._data.employees(employee_ids) if e.id in employee_ids}
            if employee_ids
            else {}
        )
        return evolve(view, items=items, projects=projects, employees=employees)

    def _shown(
        self, portal: Portal, listed: Sequence[RequestedItem]
    ) -> dict[tuple[ItemKind, str], ShownItem]:
        """The listed items as the portal shows them now (none when its client may no longer
        approve)."""
        if not self._reader.scope(portal).approval:
            return {}
        keys = tuple(dict.fromkeys((i.kind, i.id) for i in listed))
        found = self._items.read(keys, portal)
        projects = self._reader.projects(portal)
        entries = [i for i in found.values() if isinstance(i, TimeEntry)]
        expenses = [i for i in found.values() if isinstance(i, Expense)]
        trips = [i for i in found.values() if isinstance(i, Trip)]
        shown: dict[tuple[ItemKind, str], ShownItem] = {}
        for e in visible_entries(portal, projects, entries, self._reader.policy):
            shown[ItemKind.ENTRY, e.id] = e
        for x in visible_expenses(portal, projects, expenses):
            shown[ItemKind.EXPENSE, x.id] = x
        for t in visible_trips(portal, projects, trips):
            shown[ItemKind.TRIP, t.id] = t
        return shown


@frozen(kw_only=True)
class _Found:
    """An action link's request and what it stands on, read and admitted."""

    request: ApprovalRequest
    portal: Portal
    access: PortalAccess
    link: Link | None
    contact: Contact


def _item(listed: RequestedItem, shown: ShownItem | None) -> ActionItem:
    """The listed item's :class:`ActionItem`: gone, decided, changed or unchanged."""
    if shown is None:
        state = ItemState.GONE
    elif shown.status is not AWAITING_CLIENT:
        state = ItemState.DECIDED
    elif shown.version != listed.version:
        state = ItemState.CHANGED
    else:
        state = ItemState.UNCHANGED
    return ActionItem(listed.kind, listed.id, listed.version, state, shown)


def _csrf_subject(token: str, nonce: str) -> str:
    """What a confirmation page's CSRF token is bound to: the action link and the cookie."""
    digest = hashlib.sha256(f"{token}\n{nonce}".encode()).hexdigest()
    return f"action:{digest}"
