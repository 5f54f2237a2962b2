"""The approval workflow: a pure state machine over :class:`~clientportal.model.ApprovalState`.

Hours travel from the employee to an internal manager and/or the client in one of four
:class:`~clientportal.model.Workflow` (DESIGN.md §5). The legal steps are data
(:data:`~clientportal.workflow.table.TRANSITIONS`), checked by small graph functions when the table
loads. :func:`~clientportal.workflow.machine.approval_machine` applies them with the guards
time-tracking users rely on: only the stage's party decides, a rejection says why, nobody approves
their own hours unless allowed, approved hours are locked. The reminder policy
(:attr:`~clientportal.workflow.table.Party.POLICY`) approves only where the client may, and a
client may UNDO their decision (the service checks whose decision it was, and the window). Every
step returns a :class:`~clientportal.workflow.events.Transition`: the new state, an audit record
and the effects (e-mails to send) for the service layer. Nothing here does I/O.

Owners: ``apply(..., owner=entry.employee_id)`` says whose hours these are. An EMPLOYEE may
SUBMIT and WITHDRAW only entries whose ``owner`` is their own id (a MANAGER may on anyone's
behalf), and without ``owner`` an employee's step is refused rather than guessed. A manager or
admin may not APPROVE an entry whose ``owner`` is their own id, and without ``owner`` an internal
approval is refused too, unless the machine was made with ``self_approval=True``.

The table lives in :mod:`clientportal.workflow.table`, the rule for reasons in
:mod:`~clientportal.workflow.reasons`, what a step produces in :mod:`~clientportal.workflow.events`,
what a state means in :mod:`~clientportal.workflow.status`, the machine in
:mod:`~clientportal.workflow.machine` and the diagrams in :mod:`~clientportal.workflow.diagram`;
every name is importable from here.
"""

from .diagram import to_mermaid as to_mermaid
from .events import ApprovalEvent as ApprovalEvent
from .events import ClientApprovalRequested as ClientApprovalRequested
from .events import DecisionUndone as DecisionUndone
from .events import Effect as Effect
from .events import EntryApproved as EntryApproved
from .events import EntryRejected as EntryRejected
from .events import EntryReopened as EntryReopened
from .events import Transition as Transition
from .machine import ApprovalMachine as ApprovalMachine
from .machine import approval_machine as approval_machine
from .reasons import MAX_REASON as MAX_REASON
from .reasons import NEEDS_REASON as NEEDS_REASON
from .reasons import check_reason as check_reason
from .status import AWAITING_CLIENT as AWAITING_CLIENT
from .status import CLIENT_DECIDED as CLIENT_DECIDED
from .status import client_has_decided as client_has_decided
from .status import is_editable as is_editable
from .table import AUTO_FORWARD as AUTO_FORWARD
from .table import TRANSITIONS as TRANSITIONS
from .table import Action as Action
from .table import Actor as Actor
from .table import Party as Party
from .table import Step as Step
from .table import check_transitions as check_transitions
