"""A Django host end to end: the library's tables made by ``migrate``, the store on Django's
database, the host's tracker read through a mapping, admin actions that issue links and submit
hours, and the link opening the portal served by Django."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import include, path
from frameworks import DjangoHost, WsgiClient
from tracker import Contact, Customer, Entry, Person, Project, Task, create_tables

from clientportal import (
    ApprovalPolicy,
    ApprovalStatus,
    MailSettings,
    PortalService,
    PortalSettings,
    Workflow,
)
from clientportal.contrib.django import portal_urls
from clientportal.contrib.django.actions import issue_links, submit, submit_to_client
from clientportal.contrib.django.engine import engine_from_settings
from clientportal.contrib.django.mapping import (
    Clients,
    Contacts,
    DjangoDataSource,
    Employees,
    Entries,
    Mapping,
    Projects,
    minutes,
)
from clientportal.contrib.django.models import Approval
from clientportal.sql import SqlStore

HOST = Mapping(
    clients=Clients(Customer, name="name"),
    projects=Projects(Project, client="customer", name="name"),
    employees=Employees(Person, name="name"),
    entries=Entries(
        Entry,
        project="project",
        employee="person",
        date="day",
        duration=minutes("minutes"),
        description="note",
        task="task__name",
    ),
    contacts=Contacts(Contact, client="customer", name="name", email="email"),
)
TODAY = dt.date.today()


@pytest.fixture
def service(migrated: str) -> Iterator[PortalService]:
    """The tracker with two clients, and a portal for Acme's website project."""
    create_tables(migrated)
    db = migrated
    acme, other = Customer.objects.using(db).bulk_create(
        [Customer(id=1, name="Acme"), Customer(id=2, name="Other Ltd")]
    )
    ines = Person.objects.using(db).create(id=1, name="Inès Moreau")
    site = Project.objects.using(db).create(id=1, customer=acme, name="Website")
    secret = Project.objects.using(db).create(id=2, customer=other, name="Secret")
    Entry.objects.using(db).create(
        id=99, project=secret, person=ines, day=TODAY, minutes=60, note="Other's secret work"
    )
    design = Task.objects.using(db).create(id=1, project=site, name="Design")
    Entry.objects.using(db).bulk_create(
        Entry(id=n, project=site, task=design, person=ines, day=TODAY - dt.timedelta(n),
              minutes=30 * n, note=f"Homepage round {n}")
        for n in range(1, 12)
    )  # fmt: skip
    Contact.objects.using(db).bulk_create(
        [
            Contact(id=1, customer=acme, name="Claire", email="claire@acme.example"),
            Contact(id=2, customer=acme, name="Bob", email="bob@acme.example"),
        ]
    )
    engine = engine_from_settings(db)
    made = PortalService(
        DjangoDataSource(HOST, using=db),
        SqlStore(engine),
        secret_keys=[secrets.token_urlsafe(32)],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Atelier",
            sender_address="hours@atelier.example",
            message_id_domain="atelier.example",
            base_url="http://testserver/portal",
        ),
    )
    made.admin.create_portal(
        id="acme",
        client_id="1",
        name="Acme website",
        project_ids={"1"},
        contact_ids={"1"},
        settings=PortalSettings(approval=True),
    )
    yield made
    engine.dispose()


def admin_request() -> Any:
    request = RequestFactory().post("/admin/tracker/entry/")
    request.user = SimpleNamespace(pk=1)  # Inès: staff act as employees the source knows
    request._messages = CookieStorage(request)
    return request


def said(request: Any) -> list[str]:
    return [str(m) for m in get_messages(request)]


def states(alias: str) -> dict[str, str]:
    return dict(Approval.objects.using(alias).values_list("entry_id", "status"))


def test_submit_then_submit_to_client_from_the_admin(service: PortalService, migrated: str) -> None:
    entries = ModelAdmin(Entry, AdminSite())
    request = admin_request()
    submit(service)(entries, request, Entry.objects.using(migrated).filter(pk__in=[1, 2]))
    assert said(request) == ["submitted: 2 of 2 entries"]
    assert states(migrated) == {"1": "PENDING_EXTERNAL", "2": "PENDING_EXTERNAL"}
    # The page of hours reads those states through the ORM.
    page = DjangoDataSource(HOST, using=migrated).entries_by_id(frozenset({"1", "3"}))
    assert {e.id: e.approval.status for e in page} == {
        "1": ApprovalStatus.PENDING_EXTERNAL,
        "3": ApprovalStatus.OPEN,
    }
    again = admin_request()
    submit_to_client(service)(entries, again, Entry.objects.using(migrated).filter(pk=3))
    messages = said(again)
    assert messages[0] == "submitted to the client: 0 of 1 entries"
    assert messages[1].startswith("not done: 3: ")


def test_an_action_by_an_unknown_user_says_what_is_wrong(
    service: PortalService, migrated: str
) -> None:
    entries = ModelAdmin(Entry, AdminSite())
    request = admin_request()
    request.user = SimpleNamespace(pk=None)
    submit(service)(entries, request, Entry.objects.using(migrated))
    assert said(request) == ["the admin action needs a signed-in user (request.user)"]
    stranger = admin_request()
    stranger.user = SimpleNamespace(pk=7)
    submit(service)(entries, stranger, Entry.objects.using(migrated))
    assert "'7' is not an employee in the DataSource" in said(stranger)[0]
    assert states(migrated) == {}


def test_issued_links_are_shown_once_and_open_the_portal_in_django(
    service: PortalService, migrated: str
) -> None:
    request = admin_request()
    contacts = ModelAdmin(Contact, AdminSite())
    answer = issue_links(service)(contacts, request, Contact.objects.using(migrated))
    assert answer is not None
    assert answer.headers["Cache-Control"] == "no-store"
    html = answer.content.decode()
    urls = re.findall(r"http://testserver/portal/\S+?(?=<)", html)
    assert len(urls) == 1  # Claire's; Bob is on no portal
    assert said(request) == ["not on any active portal, no link issued: Bob"]
    assert [link.contact_id for link in service.links.for_portal("acme")] == ["1"]

    client = WsgiClient(DjangoHost([path("portal/", include(portal_urls(service)))]))
    opened = client.request("GET", urls[0].removeprefix("http://testserver"))
    assert opened.status == 303
    overview = client.request("GET", opened.header("Location") or "")
    assert overview.status == 200
    assert "Acme website" in overview.text
    hours = client.request("GET", (opened.header("Location") or "").rstrip("/") + "/hours")
    assert hours.status == 200
    assert "Homepage round 1" in hours.text
    assert "secret work" not in hours.text


def test_the_actions_register_on_the_hosts_model_admins(service: PortalService) -> None:
    def get_service() -> PortalService:
        return service

    class EntryAdmin(admin.ModelAdmin):
        actions = (submit(get_service), submit_to_client(get_service))

    class ContactAdmin(admin.ModelAdmin):
        actions = (issue_links(get_service),)

    request = admin_request()
    request.user.has_perm = lambda permission, obj=None: True
    site = AdminSite()
    offered = {
        name: description
        for name, (_, _, description) in EntryAdmin(Entry, site).get_actions(request).items()
    }
    assert offered["submit_entries"] == "Submit the selected entries for approval"
    assert offered["submit_to_client_entries"] == "Submit the selected entries to the client"
    contact_actions = ContactAdmin(Contact, site).get_actions(request)
    assert contact_actions["issue_portal_links"][2] == "Issue client portal links"
