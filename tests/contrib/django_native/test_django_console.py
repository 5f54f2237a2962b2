"""The staff console served through Django's URL routing (``console_urls``): the gate gets
Django's own request after the project's middleware, so a real signed-in user (Django's auth and
sessions, Django's test client) decides who may use it and who acts; the console's forms work
through it (CSRF), and a link it issues opens the portal mounted beside it."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import include, path
from frameworks import UrlConf, make_service, world

from clientportal import PortalService
from clientportal.contrib.django import portal_urls
from clientportal.contrib.django.console import console_urls, console_view, staff_users
from clientportal.web.console import DatasetDirectory, StaffMember
from clientportal.workflow import Action, Actor, Party

APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "clientportal.contrib.django",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
FORM = "application/x-www-form-urlencoded"
PASSWORD = "correct horse battery staple"


class Site:
    """The project: the console under /console/ (the default gate) and /staff/ (the host's own
    gate, which records the requests it is given), the portal under /portal/."""

    def __init__(self) -> None:
        self.service: PortalService = make_service()
        self.seen: list[HttpRequest] = []
        directory = DatasetDirectory(world())
        self.urls = UrlConf(
            [
                path("console/", include(console_urls(self.service, directory))),
                path(
                    "staff/",
                    include(
                        console_urls(
                            lambda: self.service,
                            directory,
                            authorize=self.as_employee,
                            name="staff_console",
                        )
                    ),
                ),
                path("portal/", include(portal_urls(self.service))),
            ]
        )

    def as_employee(self, request: HttpRequest) -> StaffMember | None:
        """The host's gate: staff users act as the employee of their user name."""
        self.seen.append(request)
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None
        return StaffMember(actor=Actor(Party.MANAGER, user.get_username()), name="Eva (staff)")


def _users() -> None:
    from django.contrib.auth.models import User

    User.objects.all().delete()
    User.objects.create_user("eva", password=PASSWORD, is_staff=True, first_name="Eva",
                             last_name="Jansen")  # fmt: skip
    User.objects.create_user("tom", password=PASSWORD, is_staff=False)


@pytest.fixture
def site() -> Iterator[Site]:
    """A Django project with auth and sessions (in the in-memory default database) and the
    console mounted; two users: eva (staff) and tom (not)."""
    made = Site()
    with override_settings(
        INSTALLED_APPS=APPS,
        MIDDLEWARE=MIDDLEWARE,
        ROOT_URLCONF=made.urls,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        for app in ("contenttypes", "auth", "sessions"):
            call_command("migrate", app, database="default", verbosity=0)
        _users()
        yield made


def signed_in(username: str | None) -> Client:
    client = Client()
    if username is not None:
        assert client.login(username=username, password=PASSWORD)
    return client


def post(client: Client, url: str, form: dict[str, Any]) -> Any:
    """A form posted as a browser posts it (url-encoded)."""
    return client.post(url, urlencode(form, doseq=True), content_type=FORM)


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def test_the_default_gate_admits_signed_in_staff_users_only(site: Site) -> None:
    assert signed_in(None).get("/console/").status_code == 403
    assert signed_in("tom").get("/console/").status_code == 403
    page = signed_in("eva").get("/console/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Acme website" in text
    assert "Eva Jansen" in text  # the user's full name in the header


def test_the_default_gate_acts_as_a_manager_named_by_the_users_key() -> None:
    from django.contrib.auth.models import AnonymousUser

    class User:
        pk = 7
        is_authenticated = is_active = is_staff = True

        def get_full_name(self) -> str:
            return ""

        def get_username(self) -> str:
            return "kim"

    request = HttpRequest()
    request.user = User()  # type: ignore[assignment]
    assert staff_users(request) == StaffMember(actor=Actor(Party.MANAGER, "7"), name="kim")
    request.user = AnonymousUser()
    assert staff_users(request) is None


def test_a_hosts_gate_gets_djangos_request_and_its_user_acts(site: Site) -> None:
    eva = signed_in("eva")
    page = eva.get("/staff/portals/acme/approvals")
    assert page.status_code == 200
    assert site.seen
    assert all(isinstance(r, HttpRequest) for r in site.seen)
    assert site.seen[-1].user.get_username() == "eva"
    text = page.content.decode()
    assert "Eva (staff)" in text
    assert 'value="e4"' in text  # open hours may go to the client

    done = post(eva, "/staff/portals/acme/approvals", {"csrf_token": csrf(text), "entry": ["e4"]})
    assert done.status_code == 200
    assert "1 time entry submitted to the client." in done.content.decode()
    (event,) = site.service.approvals.history("e4")
    assert (event.action, event.actor) == (Action.SUBMIT, Actor(Party.MANAGER, "eva"))

    forged = post(eva, "/staff/portals/acme/approvals", {"csrf_token": "x", "entry": ["e5"]})
    assert forged.status_code == 403
    assert len(site.service.approvals.history("e5")) == 0

    assert signed_in("tom").get("/staff/portals/acme/approvals").status_code == 403


def test_a_link_issued_in_the_console_opens_the_portal_beside_it(site: Site) -> None:
    eva = signed_in("eva")
    links = eva.get("/console/portals/acme/links").content.decode()
    issued = post(
        eva, "/console/portals/acme/links", {"csrf_token": csrf(links), "contact": "ann"}
    ).content.decode()
    found = re.search(r'id="new-link" class="link-url" value="([^"]+)"', issued)
    assert found is not None, issued
    url = html.unescape(found.group(1))
    assert url.startswith("http://testserver/portal/")
    visitor = Client()
    entered = visitor.get(url.removeprefix("http://testserver"))
    assert entered.status_code == 303
    opened = visitor.get(entered.headers["Location"])
    assert opened.status_code == 200
    assert "Acme website" in opened.content.decode()


def test_without_the_auth_middleware_the_default_gate_says_what_is_missing(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    without_auth = [m for m in MIDDLEWARE if "auth" not in m]
    with override_settings(MIDDLEWARE=without_auth), caplog.at_level(logging.ERROR):
        answer = Client().get("/console/")
    assert answer.status_code == 500
    assert "Traceback" not in answer.content.decode()
    assert "AuthenticationMiddleware" in caplog.text


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"prefix": "/console"}, "include() it at that path"),
        ({"authorize": "staff"}, "authorize must be a function of Django's request"),
    ],
)
def test_a_prefix_or_a_gate_that_is_no_function_is_refused(
    options: dict[str, Any], says: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(says)):
        console_view(make_service(), DatasetDirectory(world()), **options)
