"""What a reminder round reports, and what it needs of the approvals
(:mod:`clientportal.service.reminders`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from attrs import frozen

from ..model import ItemRef, Portal
from .outcomes import DecisionResult

__all__ = ["PolicyApprover", "ReminderReport"]


class PolicyApprover(Protocol):
    """What the reminders need of :class:`~clientportal.service.approvals.Approvals`."""

    def policy_approve(self, portal: Portal, items: Mapping[ItemRef, int]) -> DecisionResult:
        """Approve ``items`` (each at its version) for the portal's client, as the policy."""
        ...


@frozen
class ReminderReport:
    """What one :meth:`Reminders.run` did: ``reminders`` (digests to contacts),
    ``escalations`` (requests escalated), ``warnings`` (requests warned of), ``auto_approved``
    (items approved by the policy), ``staff`` (staff digests)."""

    reminders: int = 0
    escalations: int = 0
    warnings: int = 0
    auto_approved: int = 0
    staff: int = 0

    @property
    def busy(self) -> bool:
        """True when the run sent or approved something."""
        return bool(
            self.reminders or self.escalations or self.warnings or self.auto_approved or self.staff
        )

    def __add__(self, other: ReminderReport) -> ReminderReport:
        return ReminderReport(
            self.reminders + other.reminders,
            self.escalations + other.escalations,
            self.warnings + other.warnings,
            self.auto_approved + other.auto_approved,
            self.staff + other.staff,
        )
