"""The application layer: one object that does the portal's work over the host's data.

:class:`PortalService` opens links and checks sessions (through the
:class:`~clientportal.AccessGate`), builds the pages of a portal from the host's
:class:`~clientportal.ports.DataSource` with the pure visibility filter as the last gate, streams
CSV exports, takes the client's and the staff's approval decisions through the workflow machine
(audit record and e-mails in the same transaction as the decision), and administers portals and
links. It holds no state of its own: everything lives behind the ports, so any number of service
objects (threads, processes, servers) can share one store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeAlias, TypeVar

from attrs import evolve

from .access import AccessMode, Link, LinkStatus, SecretKeys, random_id
from .decisions import Decider, DecisionResult
from .errors import ConfigError, InvalidToken, NotFound, ValidationError, WorkflowError
from .gate import AccessGate, IssuedLink, Opening, SessionGrant, Visit
from .model import ApprovalPolicy, Contact, Dataset, Portal, PortalSettings, Project
from .notify import MailSettings, access_code_message
from .pages import HoursPage, Overview, PortalReader, Totals
from .ports import MAX_PAGE_SIZE, Clock, DataSource, DocumentFile, EntryQuery, Store, SystemClock
from .visibility import Scope, check_portal
from .workflow import Action, Actor, ApprovalEvent, Party, approval_machine

__all__ = ["PortalService", "Viewer"]

#: Whose eyes a page is built for: a checked :class:`~clientportal.Visit`, or a portal itself (for
#: the staff's preview of what the client sees).
Viewer: TypeAlias = Visit | Portal

_STAFF = (Party.EMPLOYEE, Party.MANAGER, Party.ADMIN)

_R = TypeVar("_R", Contact, Project)


class PortalService:
    """The portal's work over a host's ``data`` and the library's ``store``.

    Give either an ``AccessGate`` (``gate``) or the ``secret_keys`` to build one over ``store``
    (oldest → newest, as for the gate). ``policy`` is the company's approval policy (approval off
    when not given); ``self_approval`` lets managers approve their own hours. ``clock`` defaults to
    the system clock in UTC.
    """

    def __init__(
        self,
        data: DataSource,
        store: Store,
        *,
        mail: MailSettings,
        gate: AccessGate | None = None,
        secret_keys: SecretKeys | None = None,
        clock: Clock | None = None,
        policy: ApprovalPolicy | None = None,
        self_approval: bool = False,
    ) -> None:
        problems = []
        if (gate is None) == (secret_keys is None):
            problems.append(
                "give either gate=AccessGate(...) or secret_keys=[...] (to build one), not "
                + ("both" if gate is not None else "neither")
            )
        if not isinstance(mail, MailSettings):
            problems.append(f"mail must be a MailSettings, got {type(mail).__name__}")
        if policy is not None and not isinstance(policy, ApprovalPolicy):
            problems.append(f"policy must be an ApprovalPolicy, got {type(policy).__name__}")
        if problems:
            raise ConfigError(problems, subject="the portal service")
        self.data = data
        self.store = store
        self.mail = mail
        self.clock: Clock = SystemClock() if clock is None else clock
        self.policy = ApprovalPolicy() if policy is None else policy
        if gate is None:
            assert secret_keys is not None
            gate = AccessGate(store, secret_keys, log=store, clock=self.clock)
        self.gate = gate
        self.reader = PortalReader(data, self.policy)
        self._decider = Decider(
            data=data,
            store=store,
            portals=store,
            reader=self.reader,
            machine=approval_machine(
                self.policy.workflow,
                auto_forward=self.policy.auto_forward,
                self_approval=self_approval,
            ),
            policy=self.policy,
            mail=mail,
        )

    def __repr__(self) -> str:
        return f"PortalService(data={self.data!r}, store={self.store!r}, policy={self.policy!r})"

    # -- visitors --------------------------------------------------------------------------------

    def open_link(self, token: object, *, client: str) -> Opening:
        """Open a link token from ``client`` (the visitor's address); see
        :meth:`AccessGate.open <clientportal.AccessGate.open>`."""
        return self.gate.open(token, client=client)

    def request_code(self, pending: object, *, client: str) -> dt.datetime:
        """Make a one-time code for the link a visitor opened and queue the e-mail that brings
        it to the link's contact. Returns when the code expires."""
        delivery = self.gate.request_code(pending, client=client)
        contact = self._contact(delivery.portal, delivery.contact_id)
        now = self._now()
        message = access_code_message(
            self.mail,
            portal=delivery.portal,
            contact=contact,
            code=delivery.code,
            valid_for=self.gate.policy.code_lifetime,
            now=now,
        )
        self.store.enqueue([message])
        return delivery.expires_at

    def verify_code(self, pending: object, code: str, *, client: str) -> SessionGrant:
        """Exchange the link's one-time code for a session."""
        return self.gate.verify_code(pending, code, client=client)

    def pending_link(self, pending: object) -> Link:
        """The link a visitor opened before entering its one-time code (``pending`` from
        :class:`~clientportal.gate.Opening`), for the code page to check it against its portal.

        Raises :class:`~clientportal.InvalidToken` for anything but a genuine pending value of a
        stored link, and :class:`~clientportal.CodeExpired` once the code step has taken too long.
        """
        claim = self.gate.codec.read_pending(pending, now=self._now())
        link = self.store.get_link(claim.link_id)
        if link is None:
            raise InvalidToken(
                f"link {claim.link_id!r} does not exist: issue the contact a new link",
                link_id=claim.link_id,
            )
        return link

    def pending_contact(self, pending: object) -> Contact | None:
        """Who the one-time code of a pending step is e-mailed to: the link's contact, or ``None``
        for a shared link or a contact the DataSource no longer lists for the portal's client.
        Raises as :meth:`pending_link` does."""
        link = self.pending_link(pending)
        portal = self.store.get_portal(link.portal_id)
        if link.contact_id is None or portal is None:
            return None
        try:
            return self._contact(portal, link.contact_id)
        except NotFound:
            return None

    def pending_csrf_token(self, pending: str) -> str:
        """The CSRF token of the code step's forms, bound to ``pending`` (as :meth:`csrf_token` is
        bound to a visit)."""
        return self.gate.codec.csrf_token(_pending_subject(pending))

    def check_pending_csrf(self, pending: str, token: object) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``token`` is the code step's."""
        self.gate.codec.check_csrf(_pending_subject(pending), token)

    def visit(self, session: object, *, client: str) -> Visit:
        """The visit a session cookie stands for: who is looking at which portal, checked now."""
        return self.gate.check_session(session, client=client)

    def csrf_token(self, visit: Visit) -> str:
        """The CSRF token for the visit's forms."""
        return self.gate.csrf_token(visit)

    def check_csrf(self, visit: Visit, token: object, *, client: str) -> None:
        """Raise :class:`~clientportal.InvalidCsrfToken` unless ``token`` is the visit's."""
        self.gate.check_csrf(visit, token, client=client)

    # -- pages -----------------------------------------------------------------------------------

    def overview(self, viewer: Viewer) -> Overview:
        """The portal's projects, budgets, invoices, quotes and employee filter, and whether its
        client may approve hours (as :func:`~clientportal.portal_view` gives them)."""
        return self.reader.overview(_portal(viewer))

    def hours(self, viewer: Viewer, query: EntryQuery | None = None) -> HoursPage:
        """One page of the portal's hours that match ``query`` (all, 100 at a time, by default).

        Filter by employee, project, date range and approval status; ask for the next page with
        :attr:`HoursPage.next_query`.
        """
        return self.reader.page(_portal(viewer), _query(query))

    def awaiting_approval(self, viewer: Viewer, query: EntryQuery | None = None) -> HoursPage:
        """One page of the hours waiting for the client's decision (empty unless the portal's
        client may approve); ``query`` filters further, its statuses aside."""
        portal = _portal(viewer)
        query = _query(query)
        statuses = self.reader.awaiting_statuses(portal)
        if not statuses:
            return HoursPage(entries=(), next=None, totals=Totals(), query=query)
        return self.reader.page(portal, evolve(query, statuses=statuses))

    def hours_totals(self, viewer: Viewer, query: EntryQuery | None = None) -> Totals:
        """The totals of all the portal's hours that match ``query`` (every page, not one)."""
        return self.reader.totals(_portal(viewer), _query(query))

    def export_csv(
        self, viewer: Viewer, query: EntryQuery | None = None, *, delimiter: str = ","
    ) -> Iterator[str]:
        """The portal's hours that match ``query`` as CSV lines, streamed a page at a time.

        The columns are named in the portal's language and hold only what the portal shows.
        Encode the lines as UTF-8 (with a BOM for spreadsheets that need one).
        """
        from .export import csv_lines

        portal = _portal(viewer)
        query = evolve(_query(query), limit=MAX_PAGE_SIZE)
        if delimiter not in (",", ";", "\t"):
            raise ValidationError(
                [f"delimiter: must be ',', ';' or a tab, got {delimiter!r}"],
                summary="cannot export",
            )
        projects = self.reader.projects(portal)

        def names(ids: Iterable[str]) -> Mapping[str, str]:
            wanted = frozenset(ids)
            return {e.id: e.name for e in self.data.employees(wanted) if e.id in wanted}

        return csv_lines(
            self.reader.iter_entries(portal, query, projects),
            scope=self.reader.scope(portal),
            language=portal.language,
            project_names={p.id: p.name for p in projects},
            employee_names=names,
            delimiter=delimiter,
        )

    def document(self, viewer: Viewer, kind: str, document_id: str) -> DocumentFile:
        """The file of an invoice or quote (``kind`` "invoice" or "quote") the portal shows.

        Raises :class:`~clientportal.NotFound` for any document the portal does not show.
        """
        if kind not in ("invoice", "quote"):
            raise ValidationError(
                [f"kind: must be 'invoice' or 'quote', got {kind!r}"], summary="cannot download"
            )
        overview = self.overview(viewer)
        shown = {d.id for d in (overview.invoices if kind == "invoice" else overview.quotes)}
        document = None
        if document_id in shown:
            document = self.data.document_file(kind, document_id)
        if document is None:
            raise NotFound(f"no {kind} {document_id!r} to download in this portal")
        return document

    # -- the client's decisions ----------------------------------------------------------------

    def client_approve(
        self,
        visit: Visit,
        entry_ids: Iterable[str],
        *,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """The visit's contact approves entries of their portal; the company is told."""
        return self.client_decide(visit, Action.APPROVE, entry_ids, versions=versions)

    def client_reject(
        self,
        visit: Visit,
        entry_ids: Iterable[str],
        *,
        reason: str,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """The visit's contact rejects entries for ``reason``; the company is told why."""
        return self.client_decide(visit, Action.REJECT, entry_ids, reason=reason, versions=versions)

    def client_decide(
        self,
        visit: Visit,
        action: Action,
        entry_ids: Iterable[str],
        *,
        reason: str | None = None,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """Approve or reject (``action``) entries as the visit's contact.

        Only entries the visit's portal shows can be decided on, only when its client may
        approve, and only through a personal link (the audit trail names who decided). ``versions``
        maps entry ids to the :attr:`PortalEntry.version <clientportal.PortalEntry.version>` the
        contact saw; entries that moved on since are reported as changed meanwhile.
        """
        if not isinstance(visit, Visit):
            raise ValidationError(
                [f"visit: must be the Visit of a checked session, got {type(visit).__name__}"],
                summary="cannot decide",
            )
        if action not in (Action.APPROVE, Action.REJECT):
            raise ValidationError(
                [f"action: a client approves or rejects, got {action!r}"], summary="cannot decide"
            )
        portal = visit.portal
        if not self.reader.scope(portal).approval:
            raise WorkflowError(
                f"portal {portal.id!r} does not let its client approve hours: switch on its "
                "settings.approval (and the hours), with an approval policy whose workflow has a "
                "client step"
            )
        if visit.contact_id is None:
            raise WorkflowError(
                f"link {visit.link.id!r} is shared: only a contact's own link can approve or "
                "reject hours, so the audit trail names who decided; issue the contact a link"
            )
        contact = self._contact(portal, visit.contact_id)
        return self._decider.decide(
            action,
            entry_ids,
            Actor(Party.CLIENT, contact.id),
            now=self._now(),
            reason=reason,
            versions=versions,
            portal=portal,
            contact=contact,
        )

    # -- the staff's actions ---------------------------------------------------------------------

    def act(
        self,
        action: Action,
        entry_ids: Iterable[str],
        *,
        by: Actor,
        reason: str | None = None,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """Take ``action`` on entries as a member of the host's staff (``by``: an employee,
        manager or admin). Entries that now await the client are e-mailed to the contacts of
        every portal that lets its client approve them, one e-mail per contact and portal.

        SUBMIT is refused while the company's approval policy is off; entries already in a
        workflow can still be finished.
        """
        if not isinstance(by, Actor) or by.party not in _STAFF:
            raise ValidationError(
                [
                    f"by: must be an Actor of the staff (EMPLOYEE, MANAGER or ADMIN), got {by!r}; "
                    "a client decides through client_decide(visit, ...)"
                ],
                summary=f"cannot {getattr(action, 'name', action)!s} entries",
            )
        if not isinstance(action, Action):
            raise ValidationError(
                [f"action: must be an Action, got {action!r}"], summary="cannot act on entries"
            )
        if action is Action.SUBMIT and not self.policy.enabled:
            raise WorkflowError(
                "approval is switched off in the company's approval policy: enable it "
                "(ApprovalPolicy(enabled=True, workflow=...)) before submitting hours"
            )
        return self._decider.decide(
            action, entry_ids, by, now=self._now(), reason=reason, versions=versions
        )

    def submit(self, entry_ids: Iterable[str], *, by: Actor) -> DecisionResult:
        """Submit hours for approval (from OPEN or REJECTED)."""
        return self.act(Action.SUBMIT, entry_ids, by=by)

    def approve(
        self, entry_ids: Iterable[str], *, by: Actor, versions: Mapping[str, int] | None = None
    ) -> DecisionResult:
        """Approve hours internally (a manager or admin; never their own hours by default)."""
        return self.act(Action.APPROVE, entry_ids, by=by, versions=versions)

    def reject(
        self,
        entry_ids: Iterable[str],
        *,
        by: Actor,
        reason: str,
        versions: Mapping[str, int] | None = None,
    ) -> DecisionResult:
        """Reject hours internally, for ``reason``."""
        return self.act(Action.REJECT, entry_ids, by=by, reason=reason, versions=versions)

    def withdraw(self, entry_ids: Iterable[str], *, by: Actor) -> DecisionResult:
        """Take submitted hours back to OPEN (the employee or a manager)."""
        return self.act(Action.WITHDRAW, entry_ids, by=by)

    def reopen(self, entry_ids: Iterable[str], *, by: Actor, reason: str) -> DecisionResult:
        """Reopen approved hours for ``reason`` (a manager or admin)."""
        return self.act(Action.REOPEN, entry_ids, by=by, reason=reason)

    def submit_to_client(self, entry_ids: Iterable[str], *, by: Actor) -> DecisionResult:
        """Send internally approved hours on to the client (without automatic forwarding)."""
        return self.act(Action.SUBMIT_TO_CLIENT, entry_ids, by=by)

    def history(self, entry_id: str) -> tuple[ApprovalEvent, ...]:
        """The entry's approval history (its audit trail), oldest first."""
        return tuple(self.store.history(entry_id))

    # -- portals ---------------------------------------------------------------------------------

    def create_portal(
        self,
        *,
        client_id: str,
        name: str,
        project_ids: Iterable[str] = (),
        contact_ids: Iterable[str] = (),
        language: str = "en",
        settings: PortalSettings | None = None,
        id: str | None = None,
    ) -> Portal:
        """Create a portal, its employee filter taken from the selected projects' members.

        Raises :class:`~clientportal.ConfigError` listing every problem (see
        :func:`~clientportal.check_portal`), or when a portal with ``id`` exists.
        """
        portal_id = random_id() if id is None else id
        if self.store.get_portal(portal_id) is not None:
            raise ConfigError(
                [f"a portal with id {portal_id!r} exists: change it with update_portal()"],
                subject=f"portal {portal_id!r}",
            )
        try:
            draft = Portal(
                id=portal_id,
                client_id=client_id,
                name=name,
                language=language,
                settings=PortalSettings() if settings is None else settings,
                project_ids=project_ids,
                contact_ids=contact_ids,
                created_at=self._now(),
            )
        except (TypeError, ValueError) as error:
            raise ConfigError([str(error)], subject=f"portal {portal_id!r}") from None
        projects = self._check(draft)
        portal = evolve(draft, employee_ids=frozenset().union(*(p.member_ids for p in projects)))
        self.store.put_portal(portal)
        return portal

    def update_portal(
        self,
        portal_id: str,
        *,
        name: str | None = None,
        project_ids: Iterable[str] | None = None,
        contact_ids: Iterable[str] | None = None,
        language: str | None = None,
        settings: PortalSettings | None = None,
        active: bool | None = None,
    ) -> Portal:
        """Change a portal (arguments left ``None`` stay as they are); checked as on creation.

        Members of newly selected projects join the employee filter; nobody leaves it.
        """
        current = self.portal(portal_id)
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "name": name,
                "language": language,
                "settings": settings,
                "active": active,
                "project_ids": project_ids,
                "contact_ids": contact_ids,
            }.items()
            if v is not None
        }
        try:
            draft = evolve(current, **changes)
        except (TypeError, ValueError) as error:
            raise ConfigError([str(error)], subject=f"portal {portal_id!r}") from None
        projects = self._check(draft)
        portal = evolve(
            draft, employee_ids=draft.employee_ids.union(*(p.member_ids for p in projects))
        )
        self.store.put_portal(portal)
        return portal

    def check_portal(self, portal: Portal) -> None:
        """Check a portal against the company's policy and the host's data; raises
        :class:`~clientportal.ConfigError` listing every problem."""
        self._check(portal)

    def portal(self, portal_id: str) -> Portal:
        """The portal with this id; :class:`~clientportal.NotFound` when there is none."""
        portal = self.store.get_portal(portal_id)
        if portal is None:
            raise NotFound(f"no portal with id {portal_id!r}: list them with portals()")
        return portal

    def portals(self) -> tuple[Portal, ...]:
        """Every portal, by id."""
        return tuple(self.store.list_portals())

    def _check(self, portal: Portal) -> tuple[Project, ...]:
        """``check_portal`` against the host's data; returns the portal's (own) projects."""
        client = self.data.client(portal.client_id)
        projects = tuple(
            p
            for p in self.data.projects(Scope.of(portal, self.policy))
            if p.client_id == portal.client_id and p.id in portal.project_ids
        )
        check_portal(
            portal,
            self.policy,
            Dataset(
                clients=() if client is None else (client,),
                contacts=_by_id(self.data.contacts(portal.client_id)),
                projects=_by_id(projects),
            ),
        )
        return projects

    # -- links -----------------------------------------------------------------------------------

    def issue_link(
        self,
        portal_id: str,
        contact_id: str | None = None,
        *,
        expires_at: dt.datetime | None = None,
    ) -> IssuedLink:
        """A new link to the portal for a contact (``None``: a shared link). Send
        :meth:`link_url` of its token; the token cannot be shown again."""
        return self.gate.issue_link(portal_id, contact_id, expires_at=expires_at)

    def link_url(self, token: str) -> str:
        """The URL that opens a link token."""
        return self.mail.link_url(token)

    def links(self, portal_id: str) -> tuple[Link, ...]:
        """The portal's links, revoked ones included, oldest first."""
        self.portal(portal_id)
        return self.gate.links(portal_id)

    def link_status(self, link: Link) -> LinkStatus:
        """Whether the link opens its portal now."""
        return self.gate.link_status(link)

    def revoke_link(self, link_id: str) -> Link:
        """End one link and its sessions."""
        return self.gate.revoke_link(link_id)

    def regenerate_link(self, link_id: str, *, expires_at: dt.datetime | None = None) -> IssuedLink:
        """A new link for the same portal and contact; the old one is revoked."""
        return self.gate.regenerate_link(link_id, expires_at=expires_at)

    def revoke_all(self, portal_id: str) -> int:
        """End every link of the portal at once; returns the portal's new link generation."""
        return self.gate.revoke_all(portal_id)

    def set_access_mode(self, portal_id: str, mode: AccessMode) -> None:
        """Whether the portal asks for a one-time e-mail code after the link."""
        self.gate.set_access_mode(portal_id, mode)

    # -- helpers ---------------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        now = self.clock.now()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ConfigError(
                [f"it returned {now.isoformat()}: return datetime.now(timezone.utc)"],
                subject="the service's clock",
            )
        return now

    def _contact(self, portal: Portal, contact_id: str) -> Contact:
        for contact in self.data.contacts(portal.client_id):
            if contact.id == contact_id and contact.client_id == portal.client_id:
                return contact
        raise NotFound(
            f"contact {contact_id!r} of portal {portal.id!r} is not among client "
            f"{portal.client_id!r}'s contacts in the DataSource: add them back or take them off "
            "the portal"
        )


def _portal(viewer: Viewer) -> Portal:
    if isinstance(viewer, Visit):
        return viewer.portal
    if isinstance(viewer, Portal):
        return viewer
    raise ValidationError(
        [f"viewer: must be a Visit (from visit()) or a Portal, got {type(viewer).__name__}"],
        summary="cannot build the page",
    )


def _pending_subject(pending: str) -> str:
    """What a code step's CSRF token is bound to: a digest of its pending value."""
    return "pending:" + hashlib.sha256(pending.encode("utf-8")).hexdigest()


def _query(query: EntryQuery | None) -> EntryQuery:
    if query is None:
        return EntryQuery()
    if not isinstance(query, EntryQuery):
        raise ValidationError(
            [f"query: must be an EntryQuery, got {type(query).__name__}"],
            summary="cannot read hours",
        )
    return query


def _by_id(records: Iterable[_R]) -> tuple[_R, ...]:
    seen: dict[str, _R] = {}
    for record in records:
        seen.setdefault(record.id, record)
    return tuple(seen.values())
