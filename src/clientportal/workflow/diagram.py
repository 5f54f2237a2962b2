"""The workflows as diagrams, drawn from the transition table."""

from __future__ import annotations

from ..model import ApprovalStatus, Workflow
from .reasons import NEEDS_REASON
from .table import AUTO_FORWARD, TRANSITIONS, _names

__all__ = ["to_mermaid"]


def to_mermaid(workflow: Workflow) -> str:
    """A mermaid ``stateDiagram-v2`` of ``workflow``, drawn from
    :data:`~clientportal.workflow.table.TRANSITIONS`.

    Each arrow reads ``action by party / party``; ``(reason)`` marks actions that need one.
    """
    lines = ["stateDiagram-v2", "    direction LR", f"    [*] --> {ApprovalStatus.OPEN.name}"]
    for step in TRANSITIONS[workflow]:
        label = f"{step.action.name.lower()} by {_names(step.parties, ' / ').lower()}"
        if step.action in NEEDS_REASON:
            label += " (reason)"
        lines.append(f"    {step.source.name} --> {step.target.name}: {label}")
    mentioned = {step.source for step in TRANSITIONS[workflow]}
    for status, action in AUTO_FORWARD.items():
        if status in mentioned:
            lines.append(
                f"    note right of {status.name} : with auto_forward=True "
                f"{action.name.lower()} follows at once"
            )
    return "\n".join(lines) + "\n"
