"""Theming and templates: a validated name, logo and accent colour, host templates that override
(and extend) the built-in ones, and every page's texts in every supported language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from webtools import WsgiClient, open_portal

from clientportal import ConfigError
from clientportal.i18n import LABELS, translator
from clientportal.model import SUPPORTED_LANGUAGES
from clientportal.web import PortalApp, Theme, make_wsgi_app
from clientportal.web.render import TEMPLATE_DIR
from clientportal.web.texts import PageText
from worlds import WebWorld


@pytest.mark.parametrize(
    "fields",
    [
        {"accent": "red"},
        {"accent": "#12"},
        {"accent": "#1234567"},
        {"accent": "#12345g"},
        {"accent": "#fff;}body{x"},
        {"logo_url": "javascript:alert(1)"},
        {"logo_url": "http://cdn.example/logo.png"},
        {"logo_url": "//cdn.example/logo.png"},
        {"logo_url": "https://user:pw@cdn.example/logo.png"},
        {"logo_url": 'https://cdn.example/a"onerror=x.png'},
        {"logo_url": "/static/logo svg"},
        {"name": ""},
        {"name": "x" * 201},
    ],
)
def test_theme_refuses_unsafe_values(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"must|cannot"):
        Theme(**fields)


def test_theme_accent_reaches_the_pages_through_a_stylesheet(world: WebWorld) -> None:
    theme = Theme(name="Example Co", accent="#FC0", logo_url="https://cdn.example.com/logo.svg")
    assert theme.accent_text == "#000000"
    assert Theme(accent="#123456").accent_text == "#ffffff"
    client = WsgiClient(make_wsgi_app(world.service, theme=theme))
    page = open_portal(client, world)
    assert '<span class="brand-company">Example Co</span>' in page.text
    assert '<img class="brand-logo" src="https://cdn.example.com/logo.svg" alt="Example Co"' in (
        page.text
    )
    assert (
        "img-src 'self' data: https://cdn.example.com;" in page.headers["Content-Security-Policy"]
    )
    found = re.search(r'href="(/theme\.css\?v=\w+)"', page.text)
    assert found
    css = client.get(found.group(1))
    assert css.text == ":root{--accent:#ffcc00;--accent-text:#000000;}\n"
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"


def test_a_local_logo_adds_no_origin_to_the_policy(world: WebWorld) -> None:
    app = PortalApp(world.service, theme=Theme(logo_url="/assets/logo.png"))
    assert "img-src 'self' data:;" in app.csp


def test_host_templates_override_and_extend_the_built_in_ones(
    world: WebWorld, tmp_path: Path
) -> None:
    (tmp_path / "brand.html").write_text(
        '<div class="brand">ACME CORP {{ portal.name if portal else "" }}</div>'
    )
    (tmp_path / "overview.html").write_text(
        '{% extends "clientportal/overview.html" %}'
        '{% block content %}<p class="host-banner">{{ t("overview") }}</p>{{ super() }}'
        "{% endblock %}"
    )
    client = WsgiClient(make_wsgi_app(world.service, template_dirs=[tmp_path]))
    html = open_portal(client, world).text
    assert "ACME CORP Acme portal" in html
    assert '<p class="host-banner">Overview</p>' in html
    assert "Hours per week" in html  # the built-in content is still there
    hours = client.get("/portal/acme-en/hours").text
    assert "ACME CORP Acme portal" in hours  # every page uses the host's brand


def test_host_templates_are_autoescaped_too(world: WebWorld, tmp_path: Path) -> None:
    (tmp_path / "brand.html").write_text("<div>{{ '<script>x</script>' }}</div>")
    client = WsgiClient(make_wsgi_app(world.service, template_dirs=[tmp_path]))
    html = open_portal(client, world).text
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"template_dirs": ["/no/such/dir"]}, "does not exist"),
        ({"prefix": "portal"}, "prefix must be a path"),
        ({"max_body": 10}, "max_body must be at least 1024"),
        ({"page_size": 0}, "page_size must be from 1 to 1000"),
        ({"theme": "blue"}, "theme must be a clientportal.web.Theme"),
    ],
)
def test_bad_app_options_are_refused(
    world: WebWorld, options: dict[str, object], problem: str
) -> None:
    with pytest.raises((ConfigError, ValueError), match=problem):
        PortalApp(world.service, **options)  # type: ignore[arg-type]


def _texts_the_pages_use() -> set[str]:
    """The keys the templates and the web views pass to ``t(...)`` / ``ctx.text(...)``."""
    used: set[str] = set()
    for template in TEMPLATE_DIR.glob("*.html"):
        used |= set(re.findall(r"\bt\('(\w+)'", template.read_text()))
    for module in Path(TEMPLATE_DIR.parent).glob("*.py"):
        if module.name == "texts.py":  # its docstrings show t("key") itself
            continue
        used |= set(re.findall(r"\b(?:t|text|ctx\.text)\(\"(\w+)\"", module.read_text()))
    return used


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_page_text_is_a_catalog_label_that_fills_in_every_language(language: str) -> None:
    used = _texts_the_pages_use()
    assert {"main_navigation", "week_of", "shared_link", "too_many_title"} <= used
    assert not used - set(LABELS), "every page text must be a key of clientportal.i18n.LABELS"
    t = PageText(language)
    for key in used:
        values = dict.fromkeys(re.findall(r"%\((\w+)\)s", LABELS[key]), "<v>")
        text = t(key, **values)
        assert text.strip()
        assert "%(" not in text
        assert text.count("<v>") == len(values), (key, language, text)


@pytest.mark.parametrize(
    ("language", "key", "values", "expected"),
    [
        ("nl", "main_navigation", {}, "Hoofdnavigatie"),
        ("de", "week_of", {"date": "3. März"}, "Woche vom 3. März"),
        ("fr", "budget_of", {"used": "46 h", "amount": "120 h"}, "46 h sur 120 h"),
        ("es", "code_send", {}, "Enviarme un código"),
        ("pl", "too_many_title", {}, "Zbyt wiele prób"),
        ("en", "recently_decided", {}, "Recently decided"),
    ],
)
def test_the_page_only_texts_come_from_the_babel_catalog(
    language: str, key: str, values: dict[str, str], expected: str
) -> None:
    assert PageText(language)(key, **values) == expected
    assert translator(language).label(key, **values) == expected


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_page_renders_in_every_language(world: WebWorld, language: str) -> None:
    world.service.admin.update_portal("acme-en", language=language)
    client = WsgiClient(make_wsgi_app(world.service))
    page = open_portal(client, world)
    assert page.status == 200
    assert f'<html lang="{language}">' in page.text
    for url in ("hours", "approvals", "invoices", "quotes"):
        result = client.get(f"/portal/acme-en/{url}")
        assert result.status == 200, url
        assert result.headers["Content-Language"] == language
    expected = PageText(language)("hours_per_week")
    assert expected in page.text
