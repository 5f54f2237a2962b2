"""The exceptions clientportal raises.

Every exception is a :class:`ClientPortalError`, so a host app can catch the library's errors in one
place. Messages name the offending value and say what to do; they never contain a secret or token.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AccessDenied",
    "ClientPortalError",
    "ConfigError",
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
