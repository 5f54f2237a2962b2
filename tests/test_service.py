"""PortalService pages: what a visitor sees through the service equals the pure portal_view, page
by page, filtered and totalled, whatever the DataSource returns (the pure filter is the last
gate)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    Budget,
    BudgetType,
    Client,
    ConfigError,
    Contact,
    Dataset,
    DocumentStatus,
    Employee,
    Invoice,
    MemoryDataSource,
    MemoryStore,
    NotFound,
    Portal,
    PortalSettings,
    Project,
    Quote,
    TimeEntry,
    ValidationError,
    portal_view,
)
from clientportal.errors import DataSourceError
from clientportal.memory import ManualClock
from clientportal.ports import DocumentFile, EntryCursor, EntryPage, EntryQuery, Totals
from clientportal.service import PortalService
from clientportal.testing.strategies import policies, portals, worlds
from clientportal.visibility import PortalEntry, Scope
from test_service_world import (
    DAY0,
    EVA,
    EXTERNAL,
    MAIL,
    SECRET,
    T0,
    acme_portal,
    dataset,
    make_world,
)

# --------------------------------------------------------------------------------------------------
# Helpers

#: The profile's number of examples (1000 in CI), at most 300: each example builds a service.
EXAMPLES = min(settings().max_examples, 300)


def all_pages(service: PortalService, viewer: Portal, query: EntryQuery) -> list[PortalEntry]:
    entries: list[PortalEntry] = []
    next_query: EntryQuery | None = query
    pages = 0
    while next_query is not None:
        page = service.pages.hours(viewer, next_query)
        assert len(page.entries) <= next_query.limit
        entries += page.entries
        next_query = page.next_query
        pages += 1
        assert pages < 10_000
    return entries


def assert_overview_is_the_view(service: PortalService, portal: Portal, data: Dataset,
                                policy: ApprovalPolicy | None) -> None:  # fmt: skip
    view = portal_view(portal, data, policy)
    overview = service.pages.overview(portal)
    assert overview.projects == view.projects
    assert overview.budgets == view.budgets
    assert overview.invoices == view.invoices
    assert overview.quotes == view.quotes
    assert overview.employees == view.employees
    assert overview.can_approve == view.can_approve
    assert all_pages(service, portal, EntryQuery(limit=3)) == list(view.entries)
    assert list(service.pages.awaiting_approval(portal, EntryQuery(limit=1000)).entries) == list(
        view.awaiting_approval
    )


class LeakySource:
    """A buggy (or hostile) DataSource: ignores the scope and returns everything it has, each
    entry twice, with internal budgets, drafts and other clients' documents."""

    def __init__(self, data: Dataset) -> None:
        self.inner = MemoryDataSource(data)
        self.data = data
        self.entry_calls = 0

    def client(self, client_id: str) -> Client | None:
        return self.inner.client(client_id)

    def contacts(self, client_id: str) -> Sequence[Contact]:
        return self.data.contacts  # everyone's contacts

    def employees(self, employee_ids: frozenset[str]) -> Sequence[Employee]:
        return self.data.employees  # everyone

    def projects(self, scope: Scope) -> Sequence[Project]:
        return self.data.projects  # other clients' projects too

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        self.entry_calls += 1
        # Every entry of every client around an honest page (so some twice), out of order.
        honest = self.inner.entries(scope, query)
        return EntryPage(entries=(*self.data.entries, *honest.entries), next=honest.next)

    def entries_by_id(self, entry_ids: frozenset[str]) -> Sequence[TimeEntry]:
        return self.data.entries

    def budgets(self, scope: Scope) -> Sequence[Budget]:
        return self.data.budgets

    def invoices(self, scope: Scope) -> Sequence[Invoice]:
        return self.data.invoices

    def quotes(self, scope: Scope) -> Sequence[Quote]:
        return self.data.quotes

    def document_file(self, kind: str, document_id: str) -> DocumentFile | None:
        return DocumentFile(f"{document_id}.pdf", "application/pdf", b"%PDF")


# --------------------------------------------------------------------------------------------------
# The view through the service is the pure view


def test_overview_and_pages_equal_portal_view() -> None:
    w = make_world()
    assert_overview_is_the_view(w.service, acme_portal(), w.dataset, EXTERNAL)


def test_overview_content_for_acme() -> None:
    w = make_world()
    overview = w.service.pages.overview(acme_portal())
    assert [p.id for p in overview.projects] == ["web"]
    assert [b.id for b in overview.budgets] == ["b1"]  # never TOTAL_COSTS (V5), never erp's
    assert [i.id for i in overview.invoices] == ["i1"]  # no draft, no Globex invoice (V6)
    assert [q.id for q in overview.quotes] == ["q1"]
    # the snapshot (eva, tom) and Ivo, who logged hours on web without being a member (V8)
    assert [e.id for e in overview.employees] == ["eva", "ivo", "tom"]
    assert overview.client_name == "Acme B.V."
    assert overview.can_approve
    assert overview.shows_hours


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_v1_v12_service_equals_portal_view_for_adversarial_worlds(data: st.DataObject) -> None:
    world = data.draw(worlds())
    portal = data.draw(portals(world))
    policy = data.draw(policies())
    store = MemoryStore([portal])
    service = PortalService(
        MemoryDataSource(world, store), store, mail=MAIL, secret_keys=[SECRET],
        clock=ManualClock(T0), policy=policy,
    )  # fmt: skip
    assert_overview_is_the_view(service, portal, world, policy)


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_last_gate_a_leaky_source_shows_nothing_more(data: st.DataObject) -> None:
    world = data.draw(worlds())
    portal = data.draw(portals(world))
    policy = data.draw(policies())
    store = MemoryStore([portal])
    service = PortalService(
        LeakySource(world), store, mail=MAIL, secret_keys=[SECRET], clock=ManualClock(T0),
        policy=policy,
    )  # fmt: skip
    assert_overview_is_the_view(service, portal, world, policy)


def test_last_gate_filters_other_clients_entries_of_a_leaky_source() -> None:
    data = dataset()
    w = make_world(source=LeakySource(data))
    page = w.service.pages.hours(acme_portal(), EntryQuery(limit=1000))
    ids = [e.id for e in page.entries]
    assert ids == [e.id for e in portal_view(acme_portal(), data, EXTERNAL).entries]
    assert not {"g1", "g2", "g3", "a1", "a2"} & set(ids)  # Globex's and the unselected project's
    assert len(ids) == len(set(ids))  # each once, although the source repeated them


def test_public_records_carry_no_internal_data() -> None:
    w = make_world()
    entries = {
        e.id: e for e in w.service.pages.hours(acme_portal(), EntryQuery(limit=1000)).entries
    }
    assert isinstance(entries["w2"], PortalEntry)
    assert not hasattr(entries["w2"], "cost_rate")
    assert not hasattr(entries["w3"], "internal_note")
    assert entries["w1"].amount == Decimal("675.00")


# --------------------------------------------------------------------------------------------------
# Hours: filters, keyset pages, totals


def test_hours_pages_walk_every_visible_entry_once_newest_first() -> None:
    w = make_world(extra_entries=250)
    entries = all_pages(w.service, acme_portal(), EntryQuery(limit=37))
    expected = portal_view(acme_portal(), w.dataset, EXTERNAL).entries
    assert entries == list(expected)
    assert len(entries) > 150
    keys = [(-e.date.toordinal(), e.id) for e in entries]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (EntryQuery(employee_ids={"eva"}), ["w7", "w6", "w3", "w1"]),
        (EntryQuery(employee_ids={"tom", "ivo"}), ["w5", "w4", "w2"]),
        (EntryQuery(project_ids={"app"}), []),  # not selected in the portal
        (EntryQuery(project_ids={"erp"}), []),  # another client's project
        (
            EntryQuery(date_from=DAY0 + dt.timedelta(days=1), date_to=DAY0 + dt.timedelta(days=2)),
            ["w4", "w2", "w3"],
        ),
        (EntryQuery(statuses={ApprovalStatus.APPROVED}), ["w7"]),
        (EntryQuery(statuses={ApprovalStatus.OPEN}, employee_ids={"eva"}), ["w6", "w3", "w1"]),
        (
            EntryQuery(after=EntryCursor(DAY0 + dt.timedelta(days=3), "w5")),
            ["w6", "w4", "w2", "w3", "w1"],
        ),
    ],
)
def test_hours_filters(query: EntryQuery, expected: list[str]) -> None:
    w = make_world()
    assert [e.id for e in w.service.pages.hours(acme_portal(), query).entries] == expected


def test_page_totals_and_totals_over_all_pages() -> None:
    w = make_world(extra_entries=40)
    portal = acme_portal()
    view = portal_view(portal, w.dataset, EXTERNAL)
    expected = Totals.of(view.entries, amounts=True)
    assert w.service.pages.hours_totals(portal, EntryQuery(limit=5)) == expected
    page = w.service.pages.hours(portal, EntryQuery(limit=5))
    assert page.totals == Totals.of(page.entries, amounts=True)
    assert page.totals.count == 5
    assert expected.billable_seconds == expected.seconds - 3 * 3600  # w4 is not billable
    assert expected.amount == Decimal("675.00")  # only w1 has a rate


def test_totals_have_no_amount_unless_the_portal_shows_amounts() -> None:
    portal = acme_portal(settings=PortalSettings())
    w = make_world(portals=(portal,))
    totals = w.service.pages.hours_totals(portal)
    assert totals.amount is None
    assert totals.count == 7


def test_hidden_hours_give_empty_pages_but_the_rest_of_the_overview() -> None:
    portal = acme_portal(settings=evolve(acme_portal().settings, show_hours=False))
    w = make_world(portals=(portal,))
    assert w.service.pages.hours(portal).entries == ()
    assert w.service.pages.hours(portal).next is None
    overview = w.service.pages.overview(portal)
    assert overview.employees == ()
    assert not overview.can_approve
    assert not overview.shows_hours
    assert [i.id for i in overview.invoices] == ["i1"]
    assert list(w.service.pages.export_csv(portal))[1:] == []


def test_awaiting_approval_is_empty_without_client_approval() -> None:
    portal = acme_portal(settings=evolve(acme_portal().settings, approval=False))
    w = make_world(portals=(portal,))
    assert w.service.approvals.submit(["w1"], by=EVA).all_applied
    assert w.service.pages.hours(
        portal, EntryQuery(statuses={ApprovalStatus.PENDING_EXTERNAL})
    ).entries
    assert w.service.pages.awaiting_approval(portal).entries == ()


class StuckSource(MemoryDataSource):
    """Returns a next cursor that does not move on."""

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        return EntryPage(entries=(), next=query.after or EntryCursor(DAY0, "zzz"))


def test_a_source_whose_pages_do_not_move_on_is_refused() -> None:
    data = dataset()
    w = make_world(source=StuckSource(data))
    with pytest.raises(DataSourceError, match="does not come after"):
        list(w.service.pages.export_csv(acme_portal()))  # walks every page (totals need not)


class BackwardsSource(MemoryDataSource):
    """Returns a whole page but a next cursor in the middle of it."""

    def entries(self, scope: Scope, query: EntryQuery) -> EntryPage:
        page = super().entries(scope, query)
        if page.next is None or len(page.entries) < 2:
            return page
        middle = page.entries[0]
        return EntryPage(entries=page.entries, next=EntryCursor(middle.date, middle.id))


def test_a_cursor_behind_the_page_never_repeats_entries() -> None:
    w = make_world(source=BackwardsSource(dataset(60)), extra_entries=60)
    entries = all_pages(w.service, acme_portal(), EntryQuery(limit=7))
    assert [e.id for e in entries] == [
        e.id for e in portal_view(acme_portal(), w.dataset, EXTERNAL).entries
    ]


# --------------------------------------------------------------------------------------------------
# Documents


def test_documents_only_those_the_portal_shows() -> None:
    data = dataset()
    files = {("invoice", i.id): DocumentFile(f"{i.id}.pdf", "application/pdf", b"%PDF-1.7")
             for i in data.invoices}  # fmt: skip
    store = MemoryStore([acme_portal()])
    service = PortalService(
        MemoryDataSource(data, store, documents=files), store, mail=MAIL, secret_keys=[SECRET],
        clock=ManualClock(T0), policy=EXTERNAL,
    )  # fmt: skip
    assert service.pages.document(acme_portal(), "invoice", "i1").filename == "i1.pdf"
    for hidden in ("i2", "i3", "nope"):  # a draft, Globex's, unknown
        with pytest.raises(NotFound):
            service.pages.document(acme_portal(), "invoice", hidden)
    with pytest.raises(ValidationError, match="kind"):
        service.pages.document(acme_portal(), "receipt", "i1")


# --------------------------------------------------------------------------------------------------
# Construction


def test_the_service_checks_its_settings_and_builds_its_rooms_over_one_store() -> None:
    store = MemoryStore()
    data = MemoryDataSource(Dataset())
    with pytest.raises(ConfigError, match="mail must be a MailSettings"):
        PortalService(data, store, mail="me@example.com", secret_keys=[SECRET])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="secret key"):
        PortalService(data, store, mail=MAIL, secret_keys=["short"])
    service = PortalService(data, store, mail=MAIL, secret_keys=[SECRET])
    assert service.links is service.access.links
    assert service.policy == ApprovalPolicy()


def test_mail_settings_validate_and_build_urls() -> None:
    assert MAIL.base_url == "https://portal.example.com"
    assert MAIL.link_url("tok") == "https://portal.example.com/open/tok"
    assert MAIL.portal_url("p1") == "https://portal.example.com/portal/p1"
    assert MAIL.company_recipients == (("Office", "office@example.com"), ("", "boss@example.com"))
    with pytest.raises(ValueError, match="base_url"):
        evolve(MAIL, base_url="portal.example.com")
    with pytest.raises(ValueError, match="not an e-mail address"):
        evolve(MAIL, company_recipients=["office"])
    with pytest.raises(ValueError, match="message_id_domain"):
        evolve(MAIL, message_id_domain="localhost")
    with pytest.raises(ValueError, match="link_path"):
        evolve(MAIL, link_path="/open")


def test_invoice_and_quote_statuses_in_the_world() -> None:
    # the overview tests rely on a draft and another client's invoice being present
    statuses = {(i.client_id, i.status) for i in dataset().invoices}
    assert ("acme", DocumentStatus.DRAFT) in statuses
    assert ("globex", DocumentStatus.PAID) in statuses
    assert any(b.type is BudgetType.TOTAL_COSTS for b in dataset().budgets)
