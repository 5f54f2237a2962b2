"""Differential: the SQL backends, through the service, show exactly what the pure filter shows.

For adversarial hypothesis worlds and portals, ``PortalService`` over ``SqlDataSource`` and
``SqlStore`` (SQLite in memory, and PostgreSQL when configured) gives the same projects, budgets,
invoices, quotes, employee filter, hours (walked page by page) and approval queue as
``portal_view`` over the same dataset in memory.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from clientportal.model import ApprovalPolicy, Dataset, Portal
from clientportal.ports import EntryQuery
from clientportal.service import MailSettings, PortalService
from clientportal.sql import SqlDataSource, SqlStore, load_dataset
from clientportal.sql.testing import clear_tables
from clientportal.testing.contract import _busy_portal, filed_dataset
from clientportal.testing.strategies import policies, portals, worlds
from clientportal.visibility import PortalEntry, Scope, portal_view

MAIL = MailSettings(
    sender_name="Example Co",
    sender_address="portal@example.com",
    message_id_domain="portal.example.com",
    base_url="https://portal.example.com/",
)
SECRET = "differential-secret-key-0123456789"

EXAMPLES = settings(
    max_examples=min(100, settings.default.max_examples if settings.default else 100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def walk(service: PortalService, portal: Portal, query: EntryQuery) -> list[PortalEntry]:
    found: list[PortalEntry] = []
    next_query: EntryQuery | None = query
    while next_query is not None:
        page = service.pages.hours(portal, next_query)
        found.extend(page.entries)
        next_query = page.next_query
    return found


def check_same_as_pure_filter(
    engine: Engine, world: Dataset, portal: Portal, policy: ApprovalPolicy | None, limit: int
) -> None:
    clear_tables(engine)
    load_dataset(engine, world)
    source = SqlDataSource(engine)
    service = PortalService(
        source, SqlStore(engine), mail=MAIL, secret_keys=[SECRET], policy=policy
    )
    view = portal_view(portal, filed_dataset(world), policy)  # loaded without files

    overview = service.pages.overview(portal)
    assert overview.projects == view.projects
    assert overview.budgets == view.budgets
    assert overview.invoices == view.invoices
    assert overview.quotes == view.quotes
    assert overview.employees == view.employees
    assert overview.can_approve == view.can_approve

    assert tuple(walk(service, portal, EntryQuery(limit=limit))) == view.entries
    queue: list[PortalEntry] = []
    page_query: EntryQuery | None = EntryQuery(limit=limit)
    while page_query is not None:
        page = service.pages.awaiting_approval(portal, page_query)
        queue.extend(page.entries)
        page_query = page.next_query
    assert tuple(queue) == view.awaiting_approval

    # The source alone, re-filtered by the pure rules, agrees too (the service's last gate aside).
    scope = Scope.of(portal, policy)
    visible = {p.id for p in view.projects}
    assert {p.id for p in source.projects(scope) if scope.shows_project(p)} == visible


def differential(engine: Engine) -> None:
    @EXAMPLES
    @given(st.data())
    def check(data: st.DataObject) -> None:
        world = data.draw(worlds(max_entries=30), label="world")
        portal = data.draw(portals(world), label="portal")
        if data.draw(st.booleans(), label="busy"):  # the client with most hours, all its projects
            portal = _busy_portal(data, world)
        policy = data.draw(st.none() | policies(), label="policy")
        shown = len(portal_view(portal, world, policy).entries)
        limit = data.draw(st.integers(1, max(1, min(8, shown - 1))), label="page size")
        check_same_as_pure_filter(engine, world, portal, policy, limit)

    check()


def test_sqlite_through_the_service_shows_exactly_the_pure_view(sqlite_memory: Engine) -> None:
    differential(sqlite_memory)


def test_postgres_through_the_service_shows_exactly_the_pure_view(postgres: Engine) -> None:
    differential(postgres)
