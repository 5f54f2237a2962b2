"""The example project's portal service: the tracker's own tables read through a mapping, the
portal's state in the same database (the tables ``migrate`` made), and one French portal."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.http import HttpRequest
from tracker.models import Client, Contact, Entry, Person, Project, Task

from clientportal import (
    ApprovalPolicy,
    MailSettings,
    NotFound,
    PortalService,
    PortalSettings,
    Workflow,
)
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
from clientportal.sql import SqlStore
from clientportal.web.console import StaffMember
from clientportal.workflow import Actor, Party

TRACKER = Mapping(
    clients=Clients(Client, name="name"),
    contacts=Contacts(Contact, client="client", name="name", email="email", language="language"),
    projects=Projects(Project, client="client", name="name"),
    employees=Employees(Person, name="name"),
    entries=Entries(Entry, project="project", employee="person", date="day",
                    duration=minutes("minutes"), description="note", task="task__name"),
)  # fmt: skip


def example_data(today: dt.date) -> None:
    """A French wine estate's brand refresh, once: one project, two designers."""
    if Client.objects.exists():
        return
    domaine = Client.objects.create(name="Domaine des Tilleuls")
    Contact.objects.create(client=domaine, name="Claire Martin", email="claire@tilleuls.example",
                           language="fr")  # fmt: skip
    ines, paul = (
        Person.objects.create(name="Inès Moreau"),
        Person.objects.create(name="Paul Girard"),
    )
    marque = Project.objects.create(client=domaine, name="Identité visuelle")
    logo = Task.objects.create(project=marque, name="Logo")
    for who, ago, hours, what in [
        (ines, 1, 4.0, "Nouvelles étiquettes"),
        (paul, 2, 2.5, "Photos du domaine"),
        (ines, 6, 6.0, "Logo : trois pistes"),
        (paul, 12, 3.0, "Atelier de lancement"),
    ]:
        day = today - dt.timedelta(days=ago)
        Entry.objects.create(
            project=marque, task=logo, person=who, note=what, day=day, minutes=int(hours * 60)
        )


def create_service(base_url: str) -> PortalService:
    """The portal service over the tracker, with one French portal (created on the first run,
    its two newest entries submitted to the client)."""
    example_data(dt.date.today())
    service = PortalService(
        DjangoDataSource(TRACKER),
        SqlStore(engine_from_settings()),
        secret_keys=[secrets.token_urlsafe(32)],
        policy=ApprovalPolicy(enabled=True, workflow=Workflow.EXTERNAL),
        mail=MailSettings(
            sender_name="Atelier Brun",
            sender_address="heures@brun.example",
            message_id_domain="brun.example",
            base_url=base_url,
        ),
    )
    try:
        service.admin.portal("domaine")
    except NotFound:
        domaine = Client.objects.get()
        service.admin.create_portal(
            id="domaine",
            client_id=str(domaine.pk),
            name="Domaine des Tilleuls",
            project_ids={str(p.pk) for p in Project.objects.filter(client=domaine)},
            contact_ids={str(c.pk) for c in Contact.objects.filter(client=domaine)},
            language="fr",
            settings=PortalSettings(approval=True),
        )
        newest = Entry.objects.order_by("-day")[:2]
        staff = Actor(Party.MANAGER, str(Person.objects.order_by("pk").first().pk))  # type: ignore[union-attr]
        service.approvals.submit([str(e.pk) for e in newest], by=staff)
    return service


#: The example has no login page: a visitor from this machine stands in for a signed-in user.
THIS_MACHINE = ("127.0.0.1", "::1")


def staff_member(request: HttpRequest) -> StaffMember | None:
    """Who uses the staff console (urls.py mounts it), from Django's own request: a signed-in
    staff user acts as the first designer. Put your own rule here (None: 403)."""
    user = request.user
    staff = user.is_authenticated and user.is_staff
    if not staff and request.META.get("REMOTE_ADDR") not in THIS_MACHINE:
        return None
    designer = Person.objects.earliest("pk")
    name = user.get_username() or designer.name
    return StaffMember(actor=Actor(Party.MANAGER, str(designer.pk)), name=name)


service = create_service(settings.BASE_URL + "/portal")
