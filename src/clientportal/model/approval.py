"""Approval values: workflows, statuses, the company's policy and one item's state (the
state machine lives in :mod:`clientportal.workflow`)."""

from __future__ import annotations

import enum

from attrs import field, frozen
from attrs import validators as v

from .. import _validators as cv

# --------------------------------------------------------------------------------------------------
# Approval values (the state machine lives in workflow.py)


class Workflow(enum.Enum):
    """Who approves submitted hours, and in which order."""

    INTERNAL = "INTERNAL"
    EXTERNAL = "EXTERNAL"
    INTERNAL_EXTERNAL = "INTERNAL_EXTERNAL"
    EXTERNAL_INTERNAL = "EXTERNAL_INTERNAL"

    @property
    def includes_client(self) -> bool:
        """True when the client approves at some stage (every workflow but INTERNAL)."""
        return self is not Workflow.INTERNAL


class ApprovalStatus(enum.Enum):
    """Where a time entry stands in its approval workflow."""

    OPEN = "OPEN"
    PENDING_INTERNAL = "PENDING_INTERNAL"
    INTERNALLY_APPROVED = "INTERNALLY_APPROVED"
    PENDING_EXTERNAL = "PENDING_EXTERNAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@frozen
class ApprovalPolicy:
    """The company's approval settings (the "Approve" app of the source product)."""

    enabled: bool = field(default=False, validator=cv.boolean)
    workflow: Workflow = field(default=Workflow.INTERNAL, validator=v.instance_of(Workflow))
    auto_forward: bool = field(default=True, validator=cv.boolean)

    @property
    def client_approves(self) -> bool:
        """True when approval is on and its workflow has a client step."""
        return self.enabled and self.workflow.includes_client


@frozen
class ApprovalState:
    """The approval state of one time entry; ``workflow`` is captured when it is submitted."""

    status: ApprovalStatus = field(
        default=ApprovalStatus.OPEN, validator=v.instance_of(ApprovalStatus)
    )
    workflow: Workflow | None = field(default=None, validator=v.optional(v.instance_of(Workflow)))
    version: int = field(default=0, validator=cv.seconds)
    reason: str | None = field(default=None, validator=cv.optional_text)

    def __attrs_post_init__(self) -> None:
        if self.workflow is None and self.status is not ApprovalStatus.OPEN:
            raise ValueError(
                f"an entry in status {self.status.name} must name the workflow it was submitted "
                "under (workflow=...)"
            )
