"""The exceptions clientportal raises.

Every exception is a :class:`ClientPortalError`, so a host app can catch the library's errors in one
place. Messages name the offending value and say what to do; they never contain a secret or token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import ApprovalStatus, Workflow
    from .workflow import Action, Party

__all__ = [
    "AccessDenied",
    "ClientPortalError",
    "ConfigError",
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


class AccessDenied(ClientPortalError):
    """Somebody may not open a portal. Subclasses say why (recorded inside, never shown outside)."""


class WorkflowError(ClientPortalError):
    """An approval decision could not be taken."""


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
        under = f" (workflow {workflow.name})" if workflow is not None else ""
        detail = f": {why}" if why else ""
        super().__init__(
            f"{party.name} may not {action.name} an entry in status {status.name}{under}{detail}"
        )
