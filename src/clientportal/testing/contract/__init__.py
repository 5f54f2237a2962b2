"""A contract test kit: check that your own DataSource or Store behaves as clientportal expects.

Subclass a contract in one of your test modules, name the subclass ``Test...`` so pytest collects
it, and say how to build the thing under test; every ``test_*`` method of the contract then runs
against it::

    from clientportal.ports import IdOrder
    from clientportal.testing.contract import DataSourceContract, Missing, StoreContract

    class TestMyDataSource(DataSourceContract):
        ids = IdOrder.INTEGER                   # the kit's ids arrive as "1", "20", "300"...
        cannot_hold = frozenset({Missing.INVOICES, Missing.MEMBERS})

        def make_store(self):
            return SqlStore(engine)             # where approval states live (or MemoryStore())

        def load(self, dataset):
            load_into_my_tables(dataset)        # your schema, your loader (int(id) is safe)

        def source(self, store):
            return MyDataSource(engine, store)  # must show store's approval states

    class TestMyStore(StoreContract):           # only if you write your own Store
        def make_store(self):
            return MyStore(engine)

:class:`DataSourceContract` (:mod:`.datasource`) draws adversarial worlds with
:func:`~clientportal.testing.strategies.worlds` — only worlds the host's schema can hold
(:class:`Missing`, :func:`representable`), in its ids (:class:`Renumbering`) — and checks that
pages concatenate to exactly the matching entries in (date desc, id asc) order, that every filter
works, that pushing the :class:`~clientportal.Scope` down never loses anything the pure filter
shows, that approval states come from the store, and (:mod:`.aggregates`) that the optional sums
(``entry_totals`` under every filter, ``entry_employee_ids``, ``entry_week_seconds``) equal the
pure filter's. Checks that need a part the host lacks skip, naming it; the host's hypothesis
settings win over the kit's (:func:`kit_settings`). ``make_source(dataset, store)`` may replace
``load`` and ``source``.

:class:`StoreContract` checks a whole :class:`~clientportal.ports.Store`. It is made of one
contract per port, for a store that implements only some of them: :class:`PortalStoreContract`
(portals, links, codes) and :class:`AccessLogContract` and :class:`ApprovalStoreContract`
(compare-and-set, audit trail) in :mod:`.store`, :class:`OutboxStoreContract` (leases, retries)
in :mod:`.outbox`, :class:`RequestStoreContract` (approval requests used once, e-mails sent
once, sign-offs and their withdrawal by an undo or reopen (:mod:`.signoffs`), quotes decided
once, states by status) in :mod:`.requests`. Each runs the
methods that must be atomic from several threads at once.

It includes :class:`CostSourceContract` (:mod:`.costs`): the same checks for a source's
expenses and trips, skipped (naming the missing part) for a source without them;
:func:`all_costs` walks every page of a source's expenses or trips.

:mod:`.samples` holds the fixed sample world both use (:func:`sample_dataset`, :data:`T0`), and
:mod:`.reading` the helpers a host's own tests can use too (:func:`all_entries`,
:func:`effective_dataset`, :func:`filed_dataset`).

Requires pytest and hypothesis (``pip install 'clientportal[testing]'``).
"""

# The underscore names are not public API: the library's own older tests import them from here.
# New code imports them from their modules (.draws, .samples).
from ..missing import Missing as Missing
from ..missing import representable as representable
from .costs import CostSourceContract as CostSourceContract
from .costs import all_costs as all_costs
from .datasource import DataSourceContract as DataSourceContract
from .draws import _busy_portal as _busy_portal
from .ids import Renumbering as Renumbering
from .outbox import OutboxStoreContract as OutboxStoreContract
from .reading import all_entries as all_entries
from .reading import effective_dataset as effective_dataset
from .reading import filed_dataset as filed_dataset
from .requests import RequestStoreContract as RequestStoreContract
from .samples import T0 as T0
from .samples import _link as _link
from .samples import _mail as _mail
from .samples import _sample_portal as _sample_portal
from .samples import _submitted as _submitted
from .samples import sample_dataset as sample_dataset
from .source_base import kit_settings as kit_settings
from .store import AccessLogContract as AccessLogContract
from .store import ApprovalStoreContract as ApprovalStoreContract
from .store import PortalStoreContract as PortalStoreContract
from .store import StoreContract as StoreContract
