"""The application layer: one room per use case, and the composition root that builds them.

:class:`PortalService` wires the use cases over a host's :class:`~clientportal.ports.DataSource`
and the library's :class:`~clientportal.ports.Store`, and holds no state of its own: everything
lives behind the ports, so any number of service objects (threads, processes, servers) can share
one store.

- :attr:`~PortalService.access` -- visitors open links, hold sessions, enter one-time codes
  (:mod:`clientportal.service.access`);
- :attr:`~PortalService.links` -- the agency issues and revokes links
  (:mod:`clientportal.service.links`);
- :attr:`~PortalService.pages` -- what a visitor reads: overview, hours, totals, documents, CSV
  (:mod:`clientportal.service.pages`);
- :attr:`~PortalService.approvals` -- every decision: the client's and the staff's
  (:mod:`clientportal.service.approvals`);
- :attr:`~PortalService.admin` -- portals (:mod:`clientportal.service.admin`);
- :attr:`~PortalService.actions` -- the one-click action links of approval requests
  (:mod:`clientportal.service.actions`);
- :attr:`~PortalService.signoffs` -- the sign-off certificates of client approvals
  (:mod:`clientportal.service.signoffs`);
- :attr:`~PortalService.quotes` -- quotes a contact accepts or declines
  (:mod:`clientportal.service.quotes`);
- :attr:`~PortalService.reminders` -- reminders, escalation and auto-approval, run by the worker
  (:mod:`clientportal.service.reminders`).

Who is told what (:mod:`clientportal.service.notify`) serves the rooms that change something.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping

from ..access import AccessPolicy, SecretKeys
from ..errors import ConfigError
from ..model import ApprovalPolicy
from ..ports import (
    Clock,
    DataSource,
    Event,
    OneConnection,
    RateLimiter,
    RateLimits,
    Store,
    SystemClock,
)
from ..reminders import ReminderPolicy
from ..workflow import approval_machine
from .access import AccessGate
from .actions import ActionDesk, ActionTokens
from .admin import Admin
from .approvals import Approvals
from .costs_reading import CostsView
from .events import EventReader
from .links import IssuedLink, LinkRegister
from .notify import MailSettings, Notifier
from .outcomes import DecisionResult, EntryOutcome, Outcome
from .pages import HoursChoices, HoursPerWeek, Overview, Pages, Viewer
from .quotes import Quotes
from .reading import HoursPage, PortalReader, remembered_projects
from .reminder_report import ReminderReport
from .reminders import Reminders
from .signing import Signing
from .signoffs import SignOffs
from .undo import UndoRules
from .visits import CodeDelivery, Opening, SessionGrant, Visit

__all__ = [
    "AccessGate",
    "ActionDesk",
    "Admin",
    "Approvals",
    "CodeDelivery",
    "CostsView",
    "DecisionResult",
    "EntryOutcome",
    "EventReader",
    "HoursChoices",
    "HoursPage",
    "HoursPerWeek",
    "IssuedLink",
    "LinkRegister",
    "MailSettings",
    "Opening",
    "Outcome",
    "Overview",
    "Pages",
    "PortalService",
    "Quotes",
    "ReminderReport",
    "Reminders",
    "SessionGrant",
    "SignOffs",
    "Viewer",
    "Visit",
]


class PortalService:
    """The portal's use cases over a host's ``data`` and the library's ``store``.

    ``secret_keys`` sign the links and sessions (one key, or a list oldest → newest for rotation).
    ``mail`` is the company's side of the e-mails. ``policy`` is the company's approval policy
    (approval off when not given); ``self_approval`` lets managers approve their own hours.
    ``clock`` defaults to the system clock in UTC. ``access_policy`` sets the access lifetimes and
    limits; ``client_limiter``, ``prefix_limiter``, ``link_limiter`` and ``code_limiter`` replace
    the gate's default rate limiters (see
    :class:`~clientportal.service.access.AccessGate`), which are the store's own when it keeps
    shared ones (:class:`~clientportal.ports.RateLimits`). ``reminders`` is the company's
    :class:`~clientportal.reminders.ReminderPolicy` (none: nobody is reminded) and
    ``portal_reminders`` a portal's own, by portal id. A contact may undo their decision for
    ``undo_window`` after making it (``timedelta(0)``: never).
    """

    def __init__(
        self,
        data: DataSource,
        store: Store,
        *,
        mail: MailSettings,
        secret_keys: SecretKeys,
        clock: Clock | None = None,
        policy: ApprovalPolicy | None = None,
        self_approval: bool = False,
        access_policy: AccessPolicy | None = None,
        client_limiter: RateLimiter | None = None,
        prefix_limiter: RateLimiter | None = None,
        link_limiter: RateLimiter | None = None,
        code_limiter: RateLimiter | None = None,
        reminders: ReminderPolicy | None = None,
        portal_reminders: Mapping[str, ReminderPolicy] | None = None,
        undo_window: dt.timedelta = dt.timedelta(minutes=15),
    ) -> None:
        problems: list[str] = []
        if reminders is not None and not isinstance(reminders, ReminderPolicy):
            problems.append(f"reminders must be a ReminderPolicy, got {type(reminders).__name__}")
        for portal_id, own in (portal_reminders or {}).items():
            if not isinstance(own, ReminderPolicy):
                problems.append(
                    f"portal_reminders[{portal_id!r}] must be a ReminderPolicy, got "
                    f"{type(own).__name__}"
                )
        if not isinstance(undo_window, dt.timedelta) or undo_window < dt.timedelta(0):
            problems.append(
                f"undo_window must be a timedelta of 0 or more (0: no undo), got {undo_window!r}"
            )
        if not isinstance(mail, MailSettings):
            problems.append(f"mail must be a MailSettings, got {type(mail).__name__}")
        if policy is not None and not isinstance(policy, ApprovalPolicy):
            problems.append(f"policy must be an ApprovalPolicy, got {type(policy).__name__}")
        if problems:
            raise ConfigError(problems, subject="the portal service")
        #: The company's side of the e-mails, and where the portal lives.
        self.mail = mail
        #: Where the service's time comes from.
        self.clock: Clock = SystemClock() if clock is None else clock
        #: The company's approval policy.
        self.policy = ApprovalPolicy() if policy is None else policy
        reader = PortalReader(data, self.policy)
        tokens = ActionTokens(secret_keys)
        notifier = Notifier(
            data=data,
            reader=reader,
            portals=store.list_portals,
            outbox=store,
            mail=mail,
            tokens=tokens,
        )
        #: Visitors: open links, sessions, one-time codes, CSRF.
        self.access = AccessGate(
            store,
            secret_keys,
            log=store,
            clock=self.clock,
            policy=access_policy,
            client_limiter=client_limiter,
            prefix_limiter=prefix_limiter,
            link_limiter=link_limiter,
            code_limiter=code_limiter,
            limits=store if isinstance(store, RateLimits) else None,
            notifier=notifier,
        )
        #: The agency's links: issue, list, revoke.
        self.links: LinkRegister = self.access.links
        #: What a visitor reads.
        self.pages = Pages(data, reader)
        #: Every approval decision.
        self.approvals = Approvals(
            data=data,
            store=store,
            reader=reader,
            machine=approval_machine(
                self.policy.workflow,
                auto_forward=self.policy.auto_forward,
                self_approval=self_approval,
            ),
            policy=self.policy,
            notifier=notifier,
            links=self.links,
            clock=self.clock,
            signing=Signing(data, reader, company=mail.company_name or mail.sender_name),
            undo=UndoRules(store, data, undo_window),
            scope=self.request_scope,
        )
        #: Portals.
        self.admin = Admin(data, store, policy=self.policy, clock=self.clock)
        #: The one-click action links of approval requests: look, then decide.
        self.actions = ActionDesk(
            store=store,
            data=data,
            reader=reader,
            approvals=self.approvals,
            gate=self.access,
            notifier=notifier,
            tokens=tokens,
            clock=self.clock,
        )
        #: The sign-off certificates of client approvals.
        self.signoffs = SignOffs(store, pages=self.pages)
        #: Quotes a contact accepts or declines.
        self.quotes = Quotes(
            data, store, pages=self.pages, notifier=notifier, mail=mail, clock=self.clock
        )
        #: Reminders, escalation and auto-approval: what the worker runs.
        self.reminders = Reminders(
            data=data,
            store=store,
            reader=reader,
            notifier=notifier,
            approvals=self.approvals,
            links=self.links,
            mail=mail,
            policy=reminders,
            portal_policies=dict(portal_reminders or {}),
            clock=self.clock,
            scope=self.request_scope,
        )
        self._sharing = tuple(part for part in (store, data) if isinstance(part, OneConnection))
        self._events = EventReader(store)

    def events(self, after: str | None = None, limit: int = 100) -> tuple[Event, ...]:
        """Up to ``limit`` (1 to 1,000) events of the store's log after the event ``after``
        (from the start when ``None``), in order: decisions, links issued, opened and revoked,
        portals created and changed (:mod:`clientportal.service.events`). Pass the id of the
        last event read as ``after`` to read on; an event that commits later is never placed
        before it, however many processes write."""
        return self._events.events(after=after, limit=limit)

    def portal_events(
        self, portal_id: str, *, before: str | None = None, limit: int = 50
    ) -> tuple[Event, ...]:
        """Up to ``limit`` (1 to 1,000) events of the portal ``portal_id``, newest first, before
        the event ``before`` (from the newest when ``None``; pass the last id read to read
        older ones): its client's decisions, its links and changes, and the staff's steps on
        its client's items. A page costs what it returns, however long the log. Raises
        :class:`~clientportal.NotFound` for an unknown portal and
        :class:`~clientportal.ValidationError` for a bad ``limit`` or ``before``."""
        portal = self.admin.portal(portal_id)
        return self._events.portal_events(portal, before=before, limit=limit)

    @contextlib.contextmanager
    def request_scope(self) -> Iterator[None]:
        """What one request shares. Within the block, the reads of the store and of the data
        source share one connection each where they can
        (:class:`~clientportal.ports.OneConnection`) instead of one from the pool per statement,
        and a portal's projects are read once (:func:`~.reading.remembered_projects`). The web
        app wraps every request in it; wrap a script's batch of reads in it the same way."""
        with contextlib.ExitStack() as stack:
            for part in self._sharing:
                stack.enter_context(part.one_connection())
            stack.enter_context(remembered_projects())
            yield

    def __repr__(self) -> str:
        return f"PortalService(policy={self.policy!r}, mail={self.mail!r})"
