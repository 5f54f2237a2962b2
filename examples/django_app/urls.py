"""The example project's URLs: its own home page, the client portal under /portal/ and the staff
console under /console/ (through Django's routing: its gate sees ``request.user``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from portal_service import TRACKER, service, staff_member

from clientportal.contrib.django import portal_urls
from clientportal.contrib.django.console import console_urls
from clientportal.contrib.django.mapping import DjangoDirectory


def home(request: HttpRequest) -> HttpResponse:
    """The host's own page."""
    return HttpResponse("Atelier Brun's time tracking. The client portal lives under /portal/.")


urlpatterns = [
    path("", home),
    path("portal/", include(portal_urls(service))),
    path(
        "console/",
        include(console_urls(service, DjangoDirectory(TRACKER), authorize=staff_member)),
    ),
]
