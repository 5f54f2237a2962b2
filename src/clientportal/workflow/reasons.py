"""Reasons: which actions need one, how long one may be, and how one is kept.

One rule for every caller (the pages, the JSON API, the staff's calls and the machine itself).
"""

from __future__ import annotations

from ..errors import InvalidReason
from .table import Action

__all__ = ["MAX_REASON", "NEEDS_REASON", "check_reason"]

#: Actions that need a non-empty reason (it is shown to the employee and kept in the audit trail).
NEEDS_REASON = frozenset({Action.REJECT, Action.REOPEN})
#: The longest reason kept, in characters (after surrounding whitespace is stripped).
MAX_REASON = 2000


def _clean(reason: str | None) -> str | None:
    """A reason without surrounding whitespace (blank means none), refused when too long."""
    text = (reason.strip() or None) if reason is not None else None
    if text is not None and len(text) > MAX_REASON:
        raise InvalidReason(
            f"reason: at most {MAX_REASON} characters, got {len(text)}: shorten it",
            missing=False,
        )
    return text


def check_reason(action: Action, reason: str | None) -> str | None:
    """The reason to keep for ``action``: stripped, ``None`` when blank. Raises
    :class:`~clientportal.InvalidReason` when ``action`` needs one (:data:`NEEDS_REASON`) and it
    is blank, or when it is longer than :data:`MAX_REASON` -- for every caller alike (the pages,
    the JSON API, the staff's calls)."""
    text = _clean(reason)
    if text is None and action in NEEDS_REASON:
        raise InvalidReason(
            f"reason: {action.name} needs a reason (it is kept in the audit trail and told to "
            "the people concerned): pass reason='...'",
            missing=True,
        )
    return text
