"""Reminders, escalations, warnings and approvals by the policy: what the worker does about
approval requests nobody answers, and the staff's own digests.

:meth:`Reminders.run` reads the unused approval requests
(:meth:`~clientportal.ports.RequestStore.open_requests`) and the current state of the items they
list, and for each contact of each portal, under the portal's
:class:`~clientportal.reminders.ReminderPolicy` (else the company's):

- an item still *awaits* the contact while it is ``PENDING_EXTERNAL`` at the version the request
  listed and the portal still shows it; a request with nothing awaiting is done with, so
  reminders stop the moment the items are decided;
- a **reminder** is one digest per contact and portal listing everything that awaits them, sent
  on the local day one of their requests has a reminder due (:func:`~.reminders.due_on_day`),
  at most once a day;
- the **escalation** of a request to the policy's ``escalate_to`` contacts, the **warning** before
  the approval by the policy, once per request;
- the **approval by the policy** through :meth:`Approvals.policy_approve
  <clientportal.service.approvals.Approvals.policy_approve>`, whose compare-and-set on each
  item's version takes the step once whatever the number of workers;
- a **staff digest** of the items awaiting the staff (``PENDING_INTERNAL``) to the company
  policy's ``staff_recipients``, at most once a day.

Every e-mail is sent under a key claimed through
:meth:`~clientportal.ports.RequestStore.send_once` that names what it is
(``reminder:<hash of portal and contact>:<local day>``, ``escalation:<request>``,
``warning:<request>``, ``staff-reminder:<local day>``), with its event, so any number of workers
send each once; ``approved:<request>`` marks a request the policy approved. A round reads the
items of a contact's requests only when something can be due (:meth:`Reminders._may_act`, from
the times and the keys alone). A
contact's e-mails carry a personal link issued for them (as the approval requests do), only by
the worker that claimed the key (:meth:`.reminder_mail.ReminderMail.send`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from attrs import frozen

from ..errors import ConfigError
from ..mail.templates import MailKind
from ..model import ApprovalStatus, Contact, ItemRef, Portal
from ..ports import (
    ApprovalRequest,
    Clock,
    DataSource,
    OutboxMessage,
    Store,
    aware_now,
)
from ..ports.events import (
    REMINDER_ESCALATED,
    REMINDER_SENT,
    REMINDER_WARNED,
)
from ..reminders import (
    ReminderPolicy,
    auto_approval_at,
    due_on_day,
    escalation_at,
    latest_reminder,
    local_day,
    warning_at,
)
from .decision_items import DecisionItem, ItemKey, ItemReader, kind_of
from .links import LinkRegister
from .notify import MailSettings, Notifier
from .reading import PortalReader
from .reminder_mail import ReminderMail, queued, refs
from .reminder_report import PolicyApprover as PolicyApprover
from .reminder_report import ReminderReport as ReminderReport
from .staff_reminders import StaffDigest

__all__ = ["Reminders"]

logger = logging.getLogger("clientportal.reminders")

#: How many open requests are read per page.
_PAGE = 500
#: How far back, beyond the policy's longest wait, requests are still read.
_MARGIN = dt.timedelta(days=7)


@frozen
class _Asked:
    """One open request and the items of it that still await its contact."""

    request: ApprovalRequest
    items: tuple[DecisionItem, ...]


def _check_policies(
    policy: ReminderPolicy | None, portal_policies: Mapping[str, ReminderPolicy]
) -> None:
    problems: list[str] = []
    if policy is not None and not isinstance(policy, ReminderPolicy):
        problems.append(f"reminders: must be a ReminderPolicy or None, got {type(policy).__name__}")
    for portal_id, each in portal_policies.items():
        if not isinstance(each, ReminderPolicy):
            problems.append(
                f"portal_reminders[{portal_id!r}]: must be a ReminderPolicy, got "
                f"{type(each).__name__}"
            )
    if problems:
        raise ConfigError(problems, subject="the reminders")


class Reminders:
    """Sends what the reminder policies ask for (see the module's docstring).

    ``policy`` is the company's (``None``: no reminders, except for the portals of
    ``portal_policies``, keyed by portal id). Reads the requests from ``store`` and the items
    from ``data`` through ``reader`` (what each portal shows), writes the e-mails with
    ``notifier`` and ``mail``, issues the personal links with ``links``, approves through
    ``approvals``; ``scope`` is what each portal's reads share.
    """

    def __init__(
        self,
        *,
        data: DataSource,
        store: Store,
        reader: PortalReader,
        notifier: Notifier,
        approvals: PolicyApprover,
        links: LinkRegister,
        mail: MailSettings,
        policy: ReminderPolicy | None,
        portal_policies: Mapping[str, ReminderPolicy] | None = None,
        clock: Clock,
        scope: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        portal_policies = dict(portal_policies or {})
        _check_policies(policy, portal_policies)
        self._data = data
        self._store = store
        self._reader = reader
        self._items = ItemReader(data, reader)
        self._notifier = notifier
        self._approvals = approvals
        self._links = links
        self._mail = mail
        self._policy = policy
        self._portal_policies = portal_policies
        self._clock = clock
        self._scope = scope
        self._out = ReminderMail(
            data=data, store=store, reader=reader, notifier=notifier, links=links
        )
        self._staff = StaffDigest(data=data, store=store, reader=reader, mail=mail)

    def __repr__(self) -> str:
        return f"Reminders(policy={self._policy!r}, portals={sorted(self._portal_policies)})"

    @property
    def active(self) -> bool:
        """True when some policy is set (else :meth:`run` has nothing to do)."""
        return self._policy is not None or bool(self._portal_policies)

    def policy_for(self, portal_id: str) -> ReminderPolicy | None:
        """The policy of portal ``portal_id``: its own, else the company's."""
        return self._portal_policies.get(portal_id, self._policy)

    def run(self, now: dt.datetime | None = None) -> ReminderReport:
        """Send every reminder, escalation, warning and staff digest due at ``now`` (the clock's
        time when ``None``), and approve what the policy approves, each once."""
        if not self.active:
            return ReminderReport()
        now = aware_now(self._clock) if now is None else now
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")
        report = ReminderReport()
        portals = {p.id: p for p in self._store.list_portals()}  # read once a round
        for (portal_id, contact_id), requests in sorted(self._open_requests(now).items()):
            policy = self.policy_for(portal_id)
            if policy is None or not any(self._may_act(policy, r, now) for r in requests):
                continue  # nothing can be due: no item is read
            try:
                with self._scope():
                    report += self._contact(
                        portals.get(portal_id), contact_id, requests, now, policy
                    )
            except Exception:
                logger.exception(
                    "reminders for contact %s of portal %s failed; the others go on",
                    contact_id,
                    portal_id,
                )
        if self._policy is not None and self._policy.staff_recipients:
            with self._scope():
                report += ReminderReport(staff=int(self._staff.run(self._policy, now)))
        return report

    # -- reading ---------------------------------------------------------------------------------

    def _horizon(self) -> dt.timedelta:
        """How long after its request something may still be due, for every policy."""
        longest = dt.timedelta(0)
        for policy in (self._policy, *self._portal_policies.values()):
            if policy is None:
                continue
            spans = [policy.first_after + max(0, policy.max_reminders - 1) * policy.every]
            spans += [s for s in (policy.escalate_after, policy.auto_approve_after) if s]
            longest = max(longest, *spans)
        return longest + _MARGIN

    def _open_requests(self, now: dt.datetime) -> dict[tuple[str, str], list[ApprovalRequest]]:
        since = now - self._horizon()
        found: dict[tuple[str, str], list[ApprovalRequest]] = {}
        after: str | None = None
        while True:
            page = self._store.open_requests(since=since, after=after, limit=_PAGE)
            for request in page:
                if request.created_at <= now:
                    found.setdefault((request.portal_id, request.contact_id), []).append(request)
            if len(page) < _PAGE:
                return found
            after = page[-1].id

    def _awaiting(self, portal: Portal, requests: Sequence[ApprovalRequest]) -> list[_Asked]:
        """Each request with the items of it that still await its contact (requests with none
        left out), oldest first."""
        keys = tuple(dict.fromkeys((i.kind, i.id) for r in requests for i in r.items))
        items = self._items.read(keys, portal) if keys else {}
        asked = []
        for request in sorted(requests, key=lambda r: (r.created_at, r.id)):
            waiting = []
            for listed in request.items:
                item = items.get((listed.kind, listed.id))
                if (
                    item is not None
                    and item.approval.status is ApprovalStatus.PENDING_EXTERNAL
                    and item.approval.version == listed.version
                ):
                    waiting.append(item)
            if waiting:
                asked.append(_Asked(request, tuple(waiting)))
        return asked

    # -- one contact -----------------------------------------------------------------------------

    def _may_act(self, policy: ReminderPolicy, request: ApprovalRequest, now: dt.datetime) -> bool:
        """Whether anything can be due for ``request`` at ``now``, from the times alone and the
        keys already sent (no item is read): a reminder due today, or an escalation, warning or
        approval whose time has come and that was not done yet."""
        latest = latest_reminder(policy, request.created_at, now)
        if latest is not None and due_on_day(policy, latest[1], now):
            return True
        steps = (
            (escalation_at(policy, request.created_at), f"escalation:{request.id}"),
            (warning_at(policy, request.created_at), f"warning:{request.id}"),
            (auto_approval_at(policy, request.created_at), f"approved:{request.id}"),
        )
        return any(
            at is not None and at <= now and self._store.once_done_at(key) is None
            for at, key in steps
        )

    def _contact(
        self,
        portal: Portal | None,
        contact_id: str,
        requests: Sequence[ApprovalRequest],
        now: dt.datetime,
        policy: ReminderPolicy,
    ) -> ReminderReport:
        if portal is None or not portal.active:
            return ReminderReport()
        portal_id = portal.id
        if not self._reader.scope(portal).approval:
            return ReminderReport()
        asked = self._awaiting(portal, requests)
        if not asked:
            return ReminderReport()
        contact = self._notifier.contact(portal, contact_id)
        report = ReminderReport()
        if contact is not None and contact.email is not None and contact.id in portal.contact_ids:
            report += self._remind(policy, portal, contact, asked, now)
            report += self._escalate(policy, portal, contact, asked, now)
            report += self._warn(policy, portal, contact, asked, now)
        else:
            logger.warning(
                "contact %s of portal %s is no longer on the portal or has no e-mail address: "
                "not reminded",
                contact_id,
                portal_id,
            )
        return report + self._auto_approve(policy, portal, asked, now)

    def _remind(
        self,
        policy: ReminderPolicy,
        portal: Portal,
        contact: Contact,
        asked: Sequence[_Asked],
        now: dt.datetime,
    ) -> ReminderReport:
        due = []
        for each in asked:
            latest = latest_reminder(policy, each.request.created_at, now)
            if latest is not None and due_on_day(policy, latest[1], now):
                due.append(latest[0])
        if not due:
            return ReminderReport()
        from ..mail.reminders import reminder

        number = max(due)
        items = _union(asked)
        requests = [a.request for a in asked]

        def build(url: str) -> list[OutboxMessage]:
            mail = reminder(
                portal=portal,
                contact=contact,
                awaiting=self._out.shown(portal, items),
                number=number,
                asked_on=local_day(requests[0].created_at, policy),
                portal_url=url,
                sender=self._mail.sender(),
                now=now,
                link_valid_for=self._mail.email_link_lifetime,
                template=self._out.template(MailKind.REMINDER, portal, contact),
                max_rows=self._mail.listed_entries,
            )
            return [queued(mail, now)]

        event = self._out.event(
            REMINDER_SENT,
            portal,
            now,
            contact_id=contact.id,
            request_ids=[r.id for r in requests],
            items=refs(items),
            number=number,
        )
        # Ids may be long (up to 191 characters each): the key names the pair by its hash.
        pair = hashlib.sha256(f"{portal.id}\0{contact.id}".encode()).hexdigest()[:32]
        key = f"reminder:{pair}:{local_day(now, policy).isoformat()}"
        sent = self._out.send(key, portal, [(contact, build)], event, now)
        return ReminderReport(reminders=int(sent))

    def _escalate(
        self,
        policy: ReminderPolicy,
        portal: Portal,
        contact: Contact,
        asked: Sequence[_Asked],
        now: dt.datetime,
    ) -> ReminderReport:
        due = [
            a for a in asked if (at := escalation_at(policy, a.request.created_at)) and at <= now
        ]
        if not due:
            return ReminderReport()
        others = self._out.contacts(portal, policy.escalate_to, asked=contact)
        if not others:
            return ReminderReport()
        from ..mail.reminders import escalation

        sent = 0
        for each in due:

            def build(url: str, to: Contact, each: _Asked = each) -> list[OutboxMessage]:
                mail = escalation(
                    portal=portal,
                    contact=to,
                    asked=contact,
                    awaiting=self._out.shown(portal, each.items),
                    asked_on=local_day(each.request.created_at, policy),
                    portal_url=url,
                    sender=self._mail.sender(),
                    now=now,
                    link_valid_for=self._mail.email_link_lifetime,
                    template=self._out.template(MailKind.REMINDER_ESCALATION, portal, to),
                    max_rows=self._mail.listed_entries,
                )
                return [queued(mail, now)]

            event = self._out.event(
                REMINDER_ESCALATED,
                portal,
                now,
                contact_ids=[c.id for c in others],
                asked_contact_id=contact.id,
                request_ids=[each.request.id],
                items=refs(each.items),
            )
            builders = [(to, _bound(build, to)) for to in others]
            sent += self._out.send(f"escalation:{each.request.id}", portal, builders, event, now)
        return ReminderReport(escalations=sent)

    def _warn(
        self,
        policy: ReminderPolicy,
        portal: Portal,
        contact: Contact,
        asked: Sequence[_Asked],
        now: dt.datetime,
    ) -> ReminderReport:
        from ..mail.reminders import auto_approval_warning

        sent = 0
        for each in asked:
            warn_at = warning_at(policy, each.request.created_at)
            approve_at = auto_approval_at(policy, each.request.created_at)
            if warn_at is None or approve_at is None or now < warn_at:
                continue
            # A warning sent late (no worker ran in its window) still gives its full notice:
            # the policy approves no sooner than warn_before_auto_approve after it.
            if policy.warn_before_auto_approve is not None:
                approve_at = max(approve_at, now + policy.warn_before_auto_approve)

            def build(
                url: str, each: _Asked = each, at: dt.datetime = approve_at
            ) -> list[OutboxMessage]:
                mail = auto_approval_warning(
                    portal=portal,
                    contact=contact,
                    awaiting=self._out.shown(portal, each.items),
                    approve_at=at,
                    time_zone=policy.zone,
                    portal_url=url,
                    sender=self._mail.sender(),
                    now=now,
                    link_valid_for=self._mail.email_link_lifetime,
                    template=self._out.template(MailKind.AUTO_APPROVAL_WARNING, portal, contact),
                    max_rows=self._mail.listed_entries,
                )
                return [queued(mail, now)]

            event = self._out.event(
                REMINDER_WARNED,
                portal,
                now,
                contact_id=contact.id,
                request_ids=[each.request.id],
                items=refs(each.items),
                approve_at=approve_at.isoformat(),
            )
            sent += self._out.send(
                f"warning:{each.request.id}", portal, [(contact, build)], event, now
            )
        return ReminderReport(warnings=sent)

    def _auto_approve(
        self, policy: ReminderPolicy, portal: Portal, asked: Sequence[_Asked], now: dt.datetime
    ) -> ReminderReport:
        due: dict[ItemRef, int] = {}
        done: list[str] = []
        for each in asked:
            approve_at = auto_approval_at(policy, each.request.created_at)
            if approve_at is None:
                continue
            if policy.warn_before_auto_approve is not None:
                # Never unwarned: only once the warning went out (to a contact who can be
                # told), and its full notice after it.
                warned = self._store.once_done_at(f"warning:{each.request.id}")
                if warned is None:
                    continue
                approve_at = max(approve_at, warned + policy.warn_before_auto_approve)
            if approve_at > now:
                continue
            done.append(each.request.id)
            for item in each.items:
                due[ItemRef(kind_of(item), item.id)] = item.approval.version
        if not due:
            return ReminderReport()
        result = self._approvals.policy_approve(portal, due)
        for request_id in done:
            # Its items are decided now (or moved on): later rounds need not read them again.
            self._store.send_once(f"approved:{request_id}", at=now)
        return ReminderReport(auto_approved=len(result.applied))


def _bound(
    build: Callable[[str, Contact], list[OutboxMessage]], to: Contact
) -> Callable[[str], list[OutboxMessage]]:
    return lambda url: build(url, to)


def _union(asked: Sequence[_Asked]) -> tuple[DecisionItem, ...]:
    found: dict[ItemKey, DecisionItem] = {}
    for each in asked:
        for item in each.items:
            found.setdefault((kind_of(item), item.id), item)
    return tuple(found.values())
