"""The example project's URLs: its own home page, and the client portal under /portal/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from portal_service import service

from clientportal.contrib.django import portal_urls


def home(request: HttpRequest) -> HttpResponse:
    """The host's own page."""
    return HttpResponse("Atelier Brun's time tracking. The client portal lives under /portal/.")


urlpatterns = [
    path("", home),
    path("portal/", include(portal_urls(service))),
]
