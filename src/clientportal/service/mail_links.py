"""The personal links of a batch of e-mails: one new link per contact and portal, kept only if the
e-mails that carry them are stored.

An e-mail to a contact is read where there is no session (a phone, another browser), so it
carries a link of its own: issued through the :class:`~clientportal.service.links.LinkRegister`
(stored as a hash like any link, revocable, ended by ``revoke_all``), for the contact, expiring
after :attr:`MailSettings.email_link_days <clientportal.service.notify.MailSettings>`. The
contact's hand-issued links are neither reused nor touched.

An approval request also carries a one-click action link
(:mod:`clientportal.service.actions`): :meth:`MailLinks.action_url` draws its token and records
the :class:`~clientportal.ports.ApprovalRequest` behind it, which the decision stores with the
e-mail itself (:meth:`~clientportal.ports.ApprovalStore.apply_changes` ``requests=``), so an
action link exists exactly when its e-mail does.

A link row and the outbox row cannot be written in one transaction through the store's ports
(:meth:`~clientportal.ports.ApprovalStore.apply_changes` takes approval changes and e-mails, not
links), so :class:`MailLinks` does the nearest correct thing: it issues each link just before the
e-mails are stored, reuses it when the batch is tried again, and revokes every link whose e-mail
was not stored in the end. A link whose e-mail was never stored opens nothing anyway: its token
existed only in that e-mail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..access import random_id
from ..ports import ApprovalRequest, RequestedItem
from .decision_items import DecisionItem, kind_of
from .links import IssuedLink, LinkRegister

if TYPE_CHECKING:
    from .actions import ActionTokens
    from .notify import MailSettings

__all__ = ["MailLinks"]

logger = logging.getLogger("clientportal.service")


class MailLinks:
    """Issues the personal links of one batch of e-mails written at ``now``, and settles them.

    Call :meth:`start` before each attempt to build the batch's e-mails, :meth:`url` for each
    e-mail, and :meth:`settle` once the attempt that was stored (or none) is known.
    """

    def __init__(
        self,
        register: LinkRegister,
        mail: MailSettings,
        *,
        now: dt.datetime,
        tokens: ActionTokens | None = None,
    ) -> None:
        self._register = register
        self._mail = mail
        self._now = now
        self._expires_at = now + mail.email_link_lifetime
        self._issued: dict[tuple[str, str], IssuedLink] = {}
        self._used: set[tuple[str, str]] = set()
        self._tokens = tokens
        self._requests: list[ApprovalRequest] = []

    def __repr__(self) -> str:
        return f"MailLinks(issued={len(self._issued)}, expires_at={self._expires_at.isoformat()})"

    @property
    def valid_for(self) -> dt.timedelta:
        """How long the links work after the e-mail was written (what the e-mail says)."""
        return self._mail.email_link_lifetime

    @property
    def expires_at(self) -> dt.datetime:
        """When the batch's links stop working."""
        return self._expires_at

    def start(self) -> None:
        """A new attempt at building the batch's e-mails: no link is in use yet, no action link
        drawn."""
        self._used = set()
        self._requests = []

    def action_url(
        self,
        portal_id: str,
        contact_id: str,
        items: Sequence[DecisionItem],
        *,
        note: str | None = None,
    ) -> str | None:
        """The URL of a new one-click action link asking the contact about ``items`` (at the
        versions they are at now), or ``None`` when the batch draws none (no tokens given). Call
        it after :meth:`url` for the same contact: the request names that personal link (its
        one-time code is the action's optional PIN)."""
        if self._tokens is None or not items:
            return None
        issued = self._issued.get((portal_id, contact_id))
        link_id = None if issued is None else issued.link.id
        return self._mail.action_url(
            self._ask(portal_id, contact_id, items, self._tokens, link_id, note)
        )

    def ask_again(self, portal_id: str, contact_id: str, items: Sequence[DecisionItem]) -> None:
        """Record an approval request for ``items`` (at their versions now) with no e-mail and
        no usable action link (its token is drawn and dropped): what makes the reminders count
        items that await the contact again after they undid their decision."""
        if self._tokens is None or not items:
            return
        self._ask(portal_id, contact_id, items, self._tokens, None, None)

    def _ask(
        self,
        portal_id: str,
        contact_id: str,
        items: Sequence[DecisionItem],
        tokens: ActionTokens,
        link_id: str | None,
        note: str | None,
    ) -> str:
        """Record the approval request for ``items`` at their versions now, and return its
        action link's token."""
        request_id = random_id()
        token, token_hash = tokens.issue(request_id)
        self._requests.append(
            ApprovalRequest(
                id=request_id,
                portal_id=portal_id,
                contact_id=contact_id,
                items=tuple(RequestedItem(kind_of(i), i.id, i.approval.version) for i in items),
                token_hash=token_hash,
                created_at=self._now,
                expires_at=self._expires_at,
                link_id=link_id,
                note=note,
            )
        )
        return token

    def requests(self) -> tuple[ApprovalRequest, ...]:
        """The approval requests of this attempt's action links, to store with its e-mails."""
        return tuple(self._requests)

    def url(self, portal_id: str, contact_id: str, *, page: str | None = None) -> str:
        """The URL of the contact's personal link for this batch, landing on ``page`` (one of
        :data:`~clientportal.service.notify.LANDING_PAGES`) after it opens. The link is issued
        on first use and the same one is given on every attempt."""
        key = (portal_id, contact_id)
        issued = self._issued.get(key)
        if issued is None:
            issued = self._register.issue(portal_id, contact_id, expires_at=self._expires_at)
            self._issued[key] = issued
        self._used.add(key)
        return self._mail.link_url(issued.token, page=page)

    def settle(self, *, stored: bool) -> None:
        """Keep the links of the last attempt if its e-mails were ``stored``; revoke the rest.

        Never raises: a link that cannot be revoked now (the store failing is why a batch is
        usually not stored) is logged by id and stays unusable, since its token was never sent.
        """
        keep = self._used if stored else set()
        for key, issued in self._issued.items():
            if key in keep:
                continue
            try:
                self._register.revoke(issued.link.id)
            except Exception:
                logger.warning(
                    "could not revoke e-mail link %s of portal %s, whose e-mail was not stored; "
                    "it opens nothing (its token was never sent), revoke it when the store is back",
                    issued.link.id,
                    issued.link.portal_id,
                    exc_info=True,
                )
        self._issued = {key: issued for key, issued in self._issued.items() if key in keep}
        self._used = set()
