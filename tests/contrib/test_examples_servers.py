"""Each example host app starts as a real server on a free port, prints a portal link, and the
link opens the portal: a clean URL, the portal's page in its language, the host's own page."""

from __future__ import annotations

import http.cookiejar
import os
import select
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from attrs import frozen
from frameworks import require

from servers import stop

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@frozen
class Example:
    script: str
    needs: tuple[tuple[str, str], ...]
    home: str  # on the host's own page
    page: tuple[str, ...]  # on the portal's overview
    hours: str  # on the hours page
    language: str


CASES = {
    "wsgi": Example(
        "wsgi_app.py",
        (("waitress", "web"),),
        "Studio Pixel",
        ("Acme Bakery — new website", "New website", "Hours per week", "Budgets"),
        "Homepage wireframes",
        "en",
    ),
    "flask": Example(
        "flask_app.py",
        (("flask", "flask"),),
        "Webbureau Kade",
        ("Fietsen De Vries — webwinkel", "Webwinkel", "Uren per week"),
        "Checkout: iDEAL payments",
        "nl",
    ),
    "fastapi": Example(
        "fastapi_app.py",
        (("fastapi", "fastapi"), ("uvicorn", "fastapi")),
        "Nordlicht time tracking",
        ("Werkzeugbau Keller", "Service-App", "Maschinendaten"),
        "Wartungsplan-Ansicht",
        "de",
    ),
    "django": Example(
        "django_app/serve.py",
        (("django", "django"), ("waitress", "web")),
        "Atelier Brun",
        ("Domaine des Tilleuls", "Identité visuelle"),
        "Nouvelles étiquettes",
        "fr",
    ),
}


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Example, str]]:
    """The example started with ``--port 0``, and the portal link it printed."""
    example = CASES[request.param]
    for module, extra in example.needs:
        require(module, extra)
    stderr = (tmp_path / "stderr.txt").open("w")
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / example.script), "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("Portal link: "):
            process.kill()
            stderr.flush()
            pytest.fail(
                f"{example.script} printed {line!r} instead of a link; stderr:\n"
                + (tmp_path / "stderr.txt").read_text()
            )
        yield example, line.removeprefix("Portal link: ").strip()
    finally:
        stop(process)
        stderr.close()


def browser() -> urllib.request.OpenerDirector:
    """A client that keeps cookies, follows redirects and ignores any proxy settings."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
    )


@pytest.mark.parametrize("server", sorted(CASES), indirect=True)
def test_the_printed_link_opens_the_portal(server: tuple[Example, str]) -> None:
    example, link = server
    origin = link.split("/portal/", 1)[0]
    assert link.startswith("http://127.0.0.1:")
    client = browser()
    with client.open(link, timeout=30) as response:
        assert response.status == 200
        landed = response.url
        page = response.read().decode("utf-8")
        headers = response.headers
    token = link.rsplit("/", 1)[1]
    assert token not in landed  # the link was exchanged for a cookie: a clean URL
    assert landed.startswith(origin + "/portal/")
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert f'<html lang="{example.language}"' in page
    for text in example.page:
        assert text in page, text

    with client.open(landed + "/hours", timeout=30) as response:
        assert example.hours in response.read().decode("utf-8")

    with client.open(origin + "/", timeout=30) as response:
        assert example.home in response.read().decode("utf-8")

    with pytest.raises(urllib.error.HTTPError) as reused:
        browser().open(link.replace(token, token[:-4] + "AAAA"), timeout=30)
    assert reused.value.code == 404
    reused.value.close()
