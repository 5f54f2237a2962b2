"""Who may act for the staff: one rule for every caller (:meth:`Approvals.act
<clientportal.service.approvals.Approvals.act>` and the CLI's ``--by``)."""

from __future__ import annotations

from ..errors import ValidationError
from ..ports import DataSource
from ..workflow import Action, Actor

__all__ = ["check_actor"]


def check_actor(data: DataSource, by: Actor, action: Action) -> None:
    """Refuse a staff ``by`` whose id ``data`` does not know as an employee: the audit trail must
    name somebody real, and the machine's owner rules compare ids with the items' employees.

    Raises :class:`~clientportal.ValidationError` naming the id (the one rule for every caller:
    :meth:`Approvals.act` and the CLI's ``--by``)."""
    if not any(e.id == by.id for e in data.employees(frozenset({by.id}))):
        raise ValidationError(
            [
                f"by: {by.id!r} is not an employee in the DataSource: act as a member of the "
                "staff it knows (DataSource.employees(ids) returns those it knows)"
            ],
            summary=f"cannot {action.name.lower()} entries",
        )
