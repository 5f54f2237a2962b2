"""clientportal.contrib.django: URL patterns and a view for Django projects."""

from __future__ import annotations

import sys
import types

from frameworks import MOUNT, DjangoHost, WsgiClient, django_setup, link_path, make_service, require

require("django", "django")
django_setup()

import pytest  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.http import StreamingHttpResponse  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from clientportal import PortalService  # noqa: E402
from clientportal.contrib.django import (  # noqa: E402
    portal_urls,
    portal_view,
    service_from_settings,
    to_django_response,
)
from clientportal.web import PortalApp, Response  # noqa: E402


@pytest.fixture
def settings_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """An importable module ``cp_host_portal`` for CLIENTPORTAL_SERVICE to name."""
    module = types.ModuleType("cp_host_portal")
    monkeypatch.setitem(sys.modules, "cp_host_portal", module)
    return module


def open_and_follow(client: WsgiClient, link: str) -> str:
    opened = client.request("GET", link)
    assert opened.status == 303, opened.text
    page = client.request("GET", opened.header("Location") or "")
    assert page.status == 200
    return page.text


def test_a_factory_is_called_once_on_the_first_request() -> None:
    service = make_service()
    calls: list[int] = []

    def factory() -> PortalService:
        calls.append(1)
        return service

    host = DjangoHost([path("portal/", include(portal_urls(factory)))])
    assert calls == []  # nothing is built while the URLconf loads
    client = WsgiClient(host)
    assert "New website" in open_and_follow(client, link_path(service))
    assert client.request("GET", MOUNT + "/portal/acme/hours").status == 200
    assert calls == [1]


def test_the_settings_name_the_service_for_the_includable_urls(
    settings_module: types.ModuleType,
) -> None:
    service = make_service()
    settings_module.service = service
    with override_settings(CLIENTPORTAL_SERVICE="cp_host_portal.service"):
        app = service_from_settings()
        assert isinstance(app, PortalApp)
        assert app.service is service
        host = DjangoHost([path("portal/", include("clientportal.contrib.django.urls"))])
        assert "New website" in open_and_follow(WsgiClient(host), link_path(service))


def test_settings_options_reach_the_portal_app(settings_module: types.ModuleType) -> None:
    settings_module.make = make_service
    with override_settings(
        CLIENTPORTAL_SERVICE="cp_host_portal.make", CLIENTPORTAL_OPTIONS={"page_size": 7}
    ):
        assert service_from_settings().page_size == 7


def test_missing_or_wrong_settings_say_what_to_set(settings_module: types.ModuleType) -> None:
    with pytest.raises(ImproperlyConfigured, match="set CLIENTPORTAL_SERVICE"):
        service_from_settings()
    with (
        override_settings(CLIENTPORTAL_SERVICE="cp_host_portal.nothing"),
        pytest.raises(ImproperlyConfigured, match=r"cp_host_portal\.nothing"),
    ):
        service_from_settings()
    settings_module.number = 42
    with (
        override_settings(CLIENTPORTAL_SERVICE="cp_host_portal.number"),
        pytest.raises(ImproperlyConfigured, match="got int"),
    ):
        service_from_settings()
    settings_module.service = make_service()
    with (
        override_settings(
            CLIENTPORTAL_SERVICE="cp_host_portal.service", CLIENTPORTAL_OPTIONS=["page_size"]
        ),
        pytest.raises(ImproperlyConfigured, match="must be a dict"),
    ):
        service_from_settings()


def test_the_script_name_is_kept_in_links_and_cookies() -> None:
    service = make_service()
    view = portal_view(service)
    subpath = link_path(service).removeprefix(MOUNT + "/")  # open/<token>
    request = RequestFactory().get("/clients/" + subpath, SCRIPT_NAME="/site")
    assert request.path == "/site/clients/" + subpath
    response = view(request, subpath)
    assert response.status_code == 303
    assert response["Location"].startswith("/site/clients/")
    (cookie,) = response.cookies.values()
    assert cookie["path"] == "/site/clients"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_djangos_middleware_does_not_weaken_the_portals_headers() -> None:
    service = make_service()
    host = DjangoHost([path("portal/", include(portal_urls(service)))])
    client = WsgiClient(host)
    opened = client.request("GET", link_path(service))
    page = client.request("GET", opened.header("Location") or "")
    assert page.header_all("X-Frame-Options") == ["DENY"]  # not Django's default too
    assert page.header_all("Referrer-Policy") == ["no-referrer"]  # not Django's same-origin
    assert page.header_all("Content-Type") == ["text/html; charset=utf-8"]


def test_streams_become_streaming_responses_and_cookies_keep_their_value() -> None:
    chunks = iter([b"a,b\r\n", b"1,2\r\n"])
    portal = Response(headers=[("Content-Type", "text/csv")], body=chunks)
    portal.set_cookie("cp_session", "abc.def-ghi_jk", path="/portal", max_age=60)
    portal.headers.add("Vary", "Cookie")
    portal.headers.add("Vary", "Accept-Language")
    answer = to_django_response(portal)
    assert isinstance(answer, StreamingHttpResponse)
    assert b"".join(answer.streaming_content) == b"a,b\r\n1,2\r\n"  # type: ignore[arg-type]
    assert answer["Content-Type"] == "text/csv"
    assert answer["Vary"] == "Cookie, Accept-Language"
    morsel = answer.cookies["cp_session"]
    assert morsel.coded_value == "abc.def-ghi_jk"
    assert morsel["max-age"] == "60"
    assert morsel["path"] == "/portal"
    head = to_django_response(Response(body=iter([b"x"])), head=True)
    assert head.content == b""  # type: ignore[attr-defined]


def test_a_prefix_belongs_to_the_include_not_the_view() -> None:
    service = make_service()
    with pytest.raises(TypeError, match="include"):
        portal_view(service, prefix="/portal")
    with pytest.raises(TypeError, match="without a prefix"):
        portal_urls(PortalApp(service, prefix="/portal"))
