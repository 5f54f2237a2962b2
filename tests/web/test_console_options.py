"""The console's options: ``language=`` (the console's language when the staff member has none,
before the browser's) and ``template_dirs`` (the host's templates before the built-in ones, the
preview's frame kept), and a clear error for a bad one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from consoletools import EVA, Browser, console_app, console_service

from clientportal import ConfigError, Dataset, PortalSettings
from clientportal.web.console import ConsoleApp, DatasetDirectory, StaffMember


@pytest.mark.parametrize(
    ("language", "browser", "expected"),
    [
        ("nl", "de", "Klantportalen"),  # the option before the browser's
        ("de", "", "Kundenportale"),
        ("pl", "en", "Portale klientów"),
        (None, "fr", "Portails client"),  # no option: the browser's
    ],
)
def test_the_language_option_speaks_before_the_browser(
    language: str | None, browser: str, expected: str
) -> None:
    app = console_app(console_service(), language=language)
    page = Browser(app, language=browser).get("/console/")
    assert page.status == 200
    assert expected in page.text
    assert page.response.headers.get("Content-Language") == (language or browser)


def test_the_staff_members_language_speaks_before_the_option() -> None:
    staff = StaffMember(actor=EVA.actor, name="Eva", language="es")
    page = Browser(console_app(console_service(), staff, language="nl")).get("/console/")
    assert '<html lang="es">' in page.text


def test_the_language_option_speaks_on_the_pages_for_nobody_too() -> None:
    app = console_app(console_service(), staff=None, language="fr")
    page = Browser(app, language="en").get("/console/")
    assert page.status == 403
    assert '<html lang="fr">' in page.text
    missing = Browser(app, language="en").get("/console/no/such/page")
    assert missing.status == 404
    assert '<html lang="fr">' in missing.text


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"language": "xx"}, "language must be one of nl, en, de, fr, es, pl"),
        ({"language": 7}, "language must be one of"),
        ({"template_dirs": ["/no/such/dir"]}, "template directory '/no/such/dir' does not exist"),
        ({"prefix": "console"}, "prefix must be a path"),
    ],
)
def test_a_bad_option_is_a_config_error_naming_it(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        ConsoleApp(
            console_service(),
            authorize=lambda request: EVA,
            directory=DatasetDirectory(Dataset()),
            **options,
        )


def test_a_region_of_a_language_is_accepted() -> None:
    page = Browser(console_app(console_service(), language="nl-BE")).get("/console/")
    assert "Klantportalen" in page.text


def host_templates(tmp_path: Path) -> Path:
    """A host's templates: a banner in the header of every console page (its
    console/base.html extends the built-in one and fills its ``brand`` block), its brand, and
    a portal base.html the preview must not use."""
    (tmp_path / "console").mkdir()
    (tmp_path / "console" / "base.html").write_text(
        '{% extends "clientportal/console/base.html" %}'
        '{% block brand %}<p class="host-banner">Studio Pixel staff</p>{{ super() }}'
        "{% endblock %}"
    )
    (tmp_path / "brand.html").write_text('<div class="brand">ACME CORP brand</div>')
    (tmp_path / "base.html").write_text("<p>the host's own portal frame</p>")
    return tmp_path


def test_the_hosts_templates_come_before_the_built_in_ones(tmp_path: Path) -> None:
    service = console_service()
    portal = service.admin.create_portal(
        client_id="acme",
        name="Acme",
        project_ids={"web"},
        contact_ids={"ann"},
        settings=PortalSettings(show_budget=True),
    )
    browser = Browser(console_app(service, template_dirs=[host_templates(tmp_path)]))
    for path in (
        "/console/",
        f"/console/portals/{portal.id}",
        f"/console/portals/{portal.id}/links",
    ):
        page = browser.get(path)
        assert page.status == 200, path
        assert '<p class="host-banner">Studio Pixel staff</p>' in page.text, path
        assert "Client portals" in page.text  # the built-in page is still there
    preview = browser.get(f"/console/portals/{portal.id}/preview").text
    assert "ACME CORP brand" in preview  # the host's brand, as the client sees it
    assert "Preview as Ann Baker" in preview  # inside the console's preview frame
    assert "the host's own portal frame" not in preview


def test_host_templates_are_autoescaped_too(tmp_path: Path) -> None:
    (tmp_path / "console").mkdir()
    (tmp_path / "console" / "base.html").write_text(
        '{% extends "clientportal/console/base.html" %}'
        "{% block brand %}<div>{{ '<script>x</script>' }}</div>{% endblock %}"
    )
    page = Browser(console_app(console_service(), template_dirs=[tmp_path])).get("/console/")
    assert "&lt;script&gt;x&lt;/script&gt;" in page.text
