"""What the store and the data source share about rows: an approval state and the columns that
hold it (``cp_approvals``, the two halves of ``cp_approval_events``), and ids in batches."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import attrs
from attrs import AttrsInstance
from sqlalchemy.engine import Row

from ..model import ApprovalState, ApprovalStatus, Workflow

__all__ = ["CHUNK", "approval_state", "batches", "record_of", "state_values"]

#: Ids per ``IN (...)`` list: well below every database's parameter limit.
CHUNK = 500

_T = TypeVar("_T")
_R = TypeVar("_R", bound=AttrsInstance)

_STATES: dict[tuple[str, str | None, int, str | None], ApprovalState] = {}


def approval_state(
    status: str, workflow: str | None, version: int, reason: str | None
) -> ApprovalState:
    """The approval state held in a row's columns; the common ones are built (and validated)
    once, as pages of entries meet the same few states again and again."""
    key = (status, workflow, version, reason)
    state = _STATES.get(key)
    if state is None:
        state = ApprovalState(
            status=ApprovalStatus(status),
            workflow=None if workflow is None else Workflow(workflow),
            version=version,
            reason=reason,
        )
        if reason is None and len(_STATES) < 4096:
            _STATES[key] = state
    return state


def state_values(state: ApprovalState, prefix: str = "") -> dict[str, Any]:
    """The column values of ``state``: ``status``, ``workflow``, ``version`` and ``reason``, each
    name after ``prefix``."""
    return {
        f"{prefix}status": state.status.value,
        f"{prefix}workflow": None if state.workflow is None else state.workflow.value,
        f"{prefix}version": state.version,
        f"{prefix}reason": state.reason,
    }


def batches(items: Iterable[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (the last one shorter), holding one list at a time."""
    rest = iter(items)
    while batch := list(itertools.islice(rest, size)):
        yield batch


def record_of(cls: type[_R], row: Row[Any], **converted: Any) -> _R:
    """The attrs record ``cls`` of a row whose columns are named as its fields; ``converted``
    gives the fields whose column needs converting (an enum from its name, bytes, JSON)."""
    columns = row._mapping
    fields = attrs.fields(cls)
    values = {f.name: columns[f.name] for f in fields if f.name not in converted}
    return cls(**values, **converted)
