"""The exceptions clientportal raises.

Every exception is a :class:`ClientPortalError`, so a host app can catch the library's errors in one
place. Messages name the offending value and say what to do; they never contain a secret or token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .model import ApprovalStatus, Workflow
    from .workflow import Action, Party

__all__ = [
    "AccessDenied",
    "ChangedMeanwhile",
    "ClientPortalError",
    "CodeAttemptsExceeded",
    "CodeExpired",
    "CodeRequired",
    "ConfigError",
    "DataSourceError",
    "DeliveryError",
    "GenerationMismatch",
    "InvalidCode",
    "InvalidCsrfToken",
    "InvalidReason",
    "InvalidToken",
    "LinkExpired",
    "LinkRevoked",
    "NotFound",
    "PortalInactive",
    "RateLimited",
    "SessionEnded",
    "SessionExpired",
    "TransitionNotAllowed",
    "ValidationError",
    "WorkflowError",
]


class ClientPortalError(Exception):
    """Base class of every error raised by clientportal."""


class ValidationError(ClientPortalError, ValueError):
    """Input did not match the data contract.

    ``errors`` lists every problem found, each as ``"<path>: <message>"`` (for example
    ``"$.entries[3].seconds: must be >= 0"``), so a caller can fix them all in one go.
    """

    errors: tuple[str, ...]

    def __init__(self, errors: Iterable[str], *, summary: str = "invalid input") -> None:
        self.errors = tuple(errors)
        lines = "\n".join(f"  - {error}" for error in self.errors)
        count = len(self.errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{summary} ({count} {noun}):\n{lines}" if lines else summary)


class InvalidReason(ValidationError):
    """A reason is missing where a step needs one (``missing``), or is too long.

    The one rule for reasons lives in :func:`clientportal.workflow.check_reason`; the pages show
    this error in the portal's language, the JSON API as a 400 problem.
    """

    missing: bool

    def __init__(self, problem: str, *, missing: bool) -> None:
        self.missing = missing
        super().__init__([problem], summary="the reason is not valid")


class ConfigError(ClientPortalError, ValueError):
    """A portal's configuration is not valid.

    ``problems`` lists every problem found; the message lists them all, one per line.
    """

    problems: tuple[str, ...]

    def __init__(self, problems: Iterable[str], *, subject: str = "portal configuration") -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            f"{subject} is not valid:\n{lines}" if lines else f"{subject} is not valid"
        )


class DataSourceError(ClientPortalError):
    """A host's ``DataSource`` answered something the port does not allow (a page that does not
    move on, say). The message names the method and what to fix in the implementation."""


class DeliveryError(ClientPortalError):
    """An e-mail could not be delivered now. ``permanent`` when the mail server refused it for
    good (a 5xx answer to its recipients or content): retrying will not help, so the outbox gives
    it up at once and keeps the error."""

    permanent: bool

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        self.permanent = permanent
        super().__init__(message)


class AccessDenied(ClientPortalError):
    """Somebody may not open a portal. Subclasses say why (recorded inside, never shown outside).

    ``reason`` is the short code the access log records; ``link_id`` names the link when it is
    known. The web layer answers every ``AccessDenied`` with the same 404.
    """

    #: The short, stable code the access log records for this kind of refusal.
    reason: ClassVar[str] = "access_denied"
    #: The message used when none is given. Messages never contain a token, code or key.
    default_message: ClassVar[str] = "access denied"

    link_id: str | None

    def __init__(self, message: str | None = None, *, link_id: str | None = None) -> None:
        self.link_id = link_id
        super().__init__(self.default_message if message is None else message)


class InvalidToken(AccessDenied):
    """A token, session value or pending-code value is malformed, too long, forged or altered."""

    reason = "invalid_token"
    default_message = (
        "the token is not valid: it was altered, cut short, made for another purpose, or signed "
        "with a key that is no longer configured; send the contact a new link"
    )


class LinkExpired(AccessDenied):
    """The link's ``expires_at`` has passed."""

    reason = "link_expired"
    default_message = "the link has expired: issue the contact a new link"


class LinkRevoked(AccessDenied):
    """The link was revoked (or regenerated), or its contact was taken off the portal."""

    reason = "link_revoked"
    default_message = "the link was revoked: issue the contact a new link"


class PortalInactive(AccessDenied):
    """The link's portal is switched off (``Portal.active`` is false) or no longer exists."""

    reason = "portal_inactive"
    default_message = "the portal is not active: switch it on before its links open again"


class GenerationMismatch(AccessDenied):
    """All links of the portal were revoked at once (its generation moved on) after this one."""

    reason = "generation_mismatch"
    default_message = (
        "the link belongs to an earlier generation of the portal's links (all were revoked at "
        "once): issue the contact a new link"
    )


class SessionExpired(AccessDenied):
    """A session is older than the session lifetime, or was not used for the idle timeout."""

    reason = "session_expired"
    default_message = "the session has expired: open the portal link again"


class SessionEnded(AccessDenied):
    """The session was ended on the server (its visitor signed out): its cookie, or any copy of
    it, no longer opens the portal."""

    reason = "session_ended"
    default_message = "the session was signed out: open the portal link again"


class CodeRequired(AccessDenied):
    """The portal asks for a one-time e-mail code that this visitor has not given."""

    reason = "code_required"
    default_message = "the portal asks for a one-time e-mail code: open the link and enter the code"


class InvalidCode(AccessDenied):
    """A one-time code is wrong, already used, or was never requested."""

    reason = "invalid_code"
    default_message = "the code is not valid: check it, or request a new code"


class CodeExpired(AccessDenied):
    """A one-time code (or the step that asks for it) is older than its lifetime."""

    reason = "code_expired"
    default_message = "the code has expired: request a new code"


class CodeAttemptsExceeded(AccessDenied):
    """Too many wrong attempts were made at one one-time code."""

    reason = "code_attempts_exceeded"
    default_message = "too many wrong attempts at this code: request a new code"


class InvalidCsrfToken(AccessDenied):
    """A state-changing request carried no CSRF token, or one made for another session."""

    reason = "invalid_csrf_token"
    default_message = "the form is out of date or was not sent by the portal: reload the page"


class RateLimited(AccessDenied):
    """Too many failed attempts from one client address, or at one link's code."""

    reason = "rate_limited"
    default_message = "too many failed attempts: wait a while before trying again"


class NotFound(ClientPortalError, LookupError):
    """An id names no record (a portal or link that does not exist)."""


class WorkflowError(ClientPortalError):
    """An approval decision could not be taken."""


class ChangedMeanwhile(WorkflowError):
    """Somebody else moved entries on since they were read, so nothing was written.

    Raised by :meth:`ApprovalStore.apply_changes <clientportal.ports.ApprovalStore.apply_changes>`
    (the service then reports those entries as changed meanwhile and stores the rest);
    ``entry_ids`` names them, and ``kinds`` the kind of each (an
    :class:`~clientportal.ItemKind` value: ``"entry"``, ``"expense"`` or ``"trip"``; all
    ``"entry"`` when not given). ``items`` pairs them: ``(kind, id)``.
    """

    entry_ids: tuple[str, ...]
    kinds: tuple[str, ...]

    def __init__(self, entry_ids: Sequence[str], kinds: Sequence[str] | None = None) -> None:
        self.entry_ids = tuple(entry_ids)
        self.kinds = ("entry",) * len(self.entry_ids) if kinds is None else tuple(kinds)
        if len(self.kinds) != len(self.entry_ids):
            raise ValueError(
                f"ChangedMeanwhile: {len(self.kinds)} kinds for {len(self.entry_ids)} ids: "
                "give one kind per id"
            )
        super().__init__(
            f"{len(self.entry_ids)} items changed meanwhile (look at them again): "
            + ", ".join(i if k == "entry" else f"{k} {i}" for k, i in list(self.items)[:10])
        )

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        """``(kind, id)`` of every item that moved on."""
        return tuple(zip(self.kinds, self.entry_ids, strict=True))


class TransitionNotAllowed(WorkflowError):
    """An approval step is not allowed: ``action`` by ``party`` on an entry in ``status``.

    ``workflow`` is the workflow the step was checked against and ``why`` says what is allowed
    instead, or which guard refused (a missing reason, self-approval). The message says them all.
    """

    status: ApprovalStatus
    action: Action
    party: Party
    workflow: Workflow | None
    why: str | None

    def __init__(
        self,
        status: ApprovalStatus,
        action: Action,
        party: Party,
        *,
        workflow: Workflow | None = None,
        why: str | None = None,
    ) -> None:
        self.status = status
        self.action = action
        self.party = party
        self.workflow = workflow
        self.why = why
        super().__init__(self.describe())

    def describe(self, item: str = "an entry") -> str:
        """The message, naming what was refused as ``item`` ("an expense", "a trip")."""
        under = f" (workflow {self.workflow.name})" if self.workflow is not None else ""
        detail = f": {self.why}" if self.why else ""
        return (
            f"{self.party.name} may not {self.action.name} {item} in status {self.status.name}"
            f"{under}{detail}"
        )
