"""The ports: the small Protocols through which clientportal touches the world, and the records
they carry.

The functional core never does I/O; the application layer (:mod:`clientportal.service`) talks to
these ports, and a backend implements them (:mod:`clientportal.memory` in memory,
:mod:`clientportal.sql` over SQLAlchemy). Every method takes and returns plain records of
:mod:`clientportal.model` and :mod:`clientportal.access`, so each maps onto a table row and a
single statement. Times are always passed in, taken from a :class:`Clock`.

- :mod:`~clientportal.ports.data`: the host's data (:class:`DataSource` and its optional parts);
- :mod:`~clientportal.ports.state`: the library's own state (:class:`Store` and its parts);
- :mod:`~clientportal.ports.effects`: time, rate limits and mail delivery;
- :mod:`~clientportal.ports.events`: the event log, webhooks and callbacks' cursors.
"""

from ..errors import ChangedMeanwhile as ChangedMeanwhile
from .costs import PORTAL_CURRENCY as PORTAL_CURRENCY
from .costs import CostEmployees as CostEmployees
from .costs import CostPage as CostPage
from .costs import CostTotals as CostTotals
from .costs import CostTotalsSource as CostTotalsSource
from .costs import ExpenseSource as ExpenseSource
from .costs import TripSource as TripSource
from .data import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from .data import DataSource as DataSource
from .data import DocumentFile as DocumentFile
from .data import EntryCursor as EntryCursor
from .data import EntryEmployees as EntryEmployees
from .data import EntryPage as EntryPage
from .data import EntryQuery as EntryQuery
from .data import EntryTotals as EntryTotals
from .data import EntryWeeks as EntryWeeks
from .data import IdOrder as IdOrder
from .data import InvoicedItems as InvoicedItems
from .data import OpenQuotes as OpenQuotes
from .data import Totals as Totals
from .data import id_order_of as id_order_of
from .data import id_sort_key as id_sort_key
from .data import unique_by_id as unique_by_id
from .effects import Clock as Clock
from .effects import Mailer as Mailer
from .effects import OneConnection as OneConnection
from .effects import RateLimiter as RateLimiter
from .effects import RateLimits as RateLimits
from .effects import SystemClock as SystemClock
from .effects import aware_now as aware_now
from .events import ConsumerState as ConsumerState
from .events import Event as Event
from .events import EventConsumers as EventConsumers
from .events import EventLog as EventLog
from .events import NewEvent as NewEvent
from .events import WebhookDelivery as WebhookDelivery
from .events import WebhookEndpoint as WebhookEndpoint
from .events import WebhookStore as WebhookStore
from .events import check_event_limit as check_event_limit
from .events import decision_type as decision_type
from .events import event_body as event_body
from .events import submitted_to_client_type as submitted_to_client_type
from .events import unknown_event as unknown_event
from .requests import ApprovalRequest as ApprovalRequest
from .requests import QuoteDecision as QuoteDecision
from .requests import RequestedItem as RequestedItem
from .requests import RequestStore as RequestStore
from .requests import SignOff as SignOff
from .state import AccessLog as AccessLog
from .state import ApprovalChange as ApprovalChange
from .state import ApprovalStore as ApprovalStore
from .state import OutboxMessage as OutboxMessage
from .state import OutboxStore as OutboxStore
from .state import PortalStore as PortalStore
from .state import Store as Store
from .state import VisitReader as VisitReader
from .state import VisitRecords as VisitRecords
from .state import check_changes as check_changes
from .state import check_claim as check_claim
from .state import check_new_outbox as check_new_outbox
from .state import link_problem as link_problem
from .state import read_visit as read_visit
from .state import session_problem as session_problem
