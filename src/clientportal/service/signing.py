"""A client's approval, signed: the sign-off certificate each client approval makes.

When a contact approves items (from the portal, from an e-mail's action link, or a whole week or
month at once), :class:`Signing` draws up a :class:`~clientportal.ports.SignOff` of what they
approved *as their portal shows it* (the public records of :mod:`clientportal.visibility`: the
descriptions, names and amounts they saw, nothing internal), stored with the decision. Its
SHA-256 goes into the decision's events, and its PDF (:func:`clientportal.signoff.render_pdf`,
the ``pdf`` extra) goes with the company's notice. Without the extra the certificate is made and
stored all the same; only the notice goes without the PDF (a warning is logged once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..access import random_id
from ..model import Contact, Expense, Portal, TimeEntry, Trip
from ..ports import DataSource, SignOff
from ..visibility import visible_entries, visible_expenses, visible_trips
from ..workflow import Action, Actor, Party
from .decision_items import DecisionItem
from .reading import PortalReader

if TYPE_CHECKING:
    from ..signoff import SignedRow

__all__ = ["Signing"]

logger = logging.getLogger("clientportal.service")


class Signing:
    """Makes the sign-off certificates of client approvals, over the host's ``data`` (names)
    and the portals as ``reader`` shows them, naming ``company``."""

    def __init__(self, data: DataSource, reader: PortalReader, *, company: str) -> None:
        self._data = data
        self._reader = reader
        self._company = company
        self._warned = False

    def __repr__(self) -> str:
        return f"Signing(company={self._company!r})"

    @staticmethod
    def signs(action: Action, actor: Actor) -> bool:
        """Whether a step makes a certificate: a client's approval."""
        return action is Action.APPROVE and actor.party is Party.CLIENT

    def sign(
        self,
        portal: Portal,
        contact: Contact,
        items: Sequence[DecisionItem],
        *,
        at: dt.datetime,
        address_hash: str | None,
        period: tuple[dt.date, dt.date] | None = None,
    ) -> SignOff:
        """The certificate of ``contact`` approving ``items`` of ``portal`` at ``at``."""
        from ..signoff import certificate

        client = self._data.client(portal.client_id)
        return certificate(
            signoff_id=random_id(),
            portal=portal,
            company=self._company,
            client_name=portal.client_id if client is None else client.name,
            contact=contact,
            rows=self._rows(portal, items),
            period=period,
            at=at,
            address_hash=address_hash,
        )

    def _rows(self, portal: Portal, items: Sequence[DecisionItem]) -> Sequence[SignedRow]:
        from ..signoff import rows_of

        projects = self._reader.projects(portal)
        policy = self._reader.policy
        entries = tuple(
            visible_entries(
                portal, projects, [i for i in items if isinstance(i, TimeEntry)], policy
            )
        )
        expenses = tuple(
            visible_expenses(portal, projects, [i for i in items if isinstance(i, Expense)])
        )
        trips = tuple(visible_trips(portal, projects, [i for i in items if isinstance(i, Trip)]))
        people = frozenset(i.employee_id for i in items)
        employees = {e.id: e.name for e in self._data.employees(people)}
        return rows_of(
            entries,
            expenses,
            trips,
            projects={p.id: p.name for p in projects},
            employees=employees,
        )

    def attachment(self, signoff: SignOff) -> tuple[str, bytes] | None:
        """The certificate's PDF as ``(file name, bytes)`` for the company's notice, or ``None``
        when the ``pdf`` extra is not installed."""
        from ..signoff import pdf_available, pdf_filename, render_pdf

        if not pdf_available():
            if not self._warned:
                self._warned = True
                logger.warning(
                    "sign-off certificates are stored, but the company's notices go without "
                    "their PDF: install the pdf extra (pip install 'clientportal[pdf]')"
                )
            return None
        return pdf_filename(signoff), render_pdf(signoff)
