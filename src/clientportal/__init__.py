"""clientportal: a client portal for any time-tracking application.

The public API is re-exported here; everything that decides (what a client sees, which approval
step is legal) is a pure function over the attrs values of :mod:`clientportal.model`.
"""

from .errors import AccessDenied as AccessDenied
from .errors import ClientPortalError as ClientPortalError
from .errors import ConfigError as ConfigError
from .errors import TransitionNotAllowed as TransitionNotAllowed
from .errors import ValidationError as ValidationError
from .errors import WorkflowError as WorkflowError
from .model import ApprovalPolicy as ApprovalPolicy
from .model import ApprovalState as ApprovalState
from .model import ApprovalStatus as ApprovalStatus
from .model import Budget as Budget
from .model import BudgetType as BudgetType
from .model import Client as Client
from .model import Contact as Contact
from .model import Dataset as Dataset
from .model import DocumentStatus as DocumentStatus
from .model import Employee as Employee
from .model import Invoice as Invoice
from .model import Portal as Portal
from .model import PortalSettings as PortalSettings
from .model import Project as Project
from .model import Quote as Quote
from .model import TimeEntry as TimeEntry
from .model import Workflow as Workflow
from .visibility import PortalBudget as PortalBudget
from .visibility import PortalEmployee as PortalEmployee
from .visibility import PortalEntry as PortalEntry
from .visibility import PortalInvoice as PortalInvoice
from .visibility import PortalProject as PortalProject
from .visibility import PortalQuote as PortalQuote
from .visibility import PortalView as PortalView
from .visibility import Scope as Scope
from .visibility import check_portal as check_portal
from .visibility import portal_view as portal_view
from .visibility import visible_entries as visible_entries
from .workflow import Action as Action
from .workflow import Actor as Actor
from .workflow import Applied as Applied
from .workflow import ApprovalEvent as ApprovalEvent
from .workflow import ApprovalMachine as ApprovalMachine
from .workflow import BulkResult as BulkResult
from .workflow import ClientApprovalRequested as ClientApprovalRequested
from .workflow import Effect as Effect
from .workflow import EntryApproved as EntryApproved
from .workflow import EntryRejected as EntryRejected
from .workflow import EntryReopened as EntryReopened
from .workflow import Party as Party
from .workflow import Refused as Refused
from .workflow import Transition as Transition
from .workflow import approval_machine as approval_machine
from .workflow import is_editable as is_editable
from .workflow import to_mermaid as to_mermaid

__version__ = "0.1.0"
