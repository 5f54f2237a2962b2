"""The staff console in each of the four example hosts, started as real servers (the fixture of
test_examples_servers.py): /console/ answers with the example's portal, its pages answer, its
activity shows the link the test opened, and a link issued through the console's form (CSRF
cookie and token, as a browser sends them) opens the portal."""

from __future__ import annotations

import html
import re
import urllib.parse
import urllib.request

import pytest
import test_examples_servers as examples

#: The real servers, one per example (started with ``--port 0``, the portal link printed).
server = examples.server


def read(
    client: urllib.request.OpenerDirector, url: str, form: dict[str, str] | None = None
) -> str:
    data = None if form is None else urllib.parse.urlencode(form).encode()
    with client.open(url, data=data, timeout=30) as response:
        assert response.status == 200, url
        return str(response.read().decode("utf-8"))


@pytest.mark.parametrize("server", sorted(examples.CASES), indirect=True)
def test_the_console_answers_in_each_example_and_its_link_opens_the_portal(
    server: tuple[examples.Example, str],
) -> None:
    example, link = server
    origin = link.split("/portal/", 1)[0]
    visitor = examples.browser()
    read(visitor, link)  # the printed link, opened: an event of the portal

    staff = examples.browser()
    listing = read(staff, origin + "/console/")
    assert "Client portals" in listing
    assert html.escape(example.page[0], quote=False) in listing, example.page[0]
    found = re.search(r'href="(/console/portals/(?!new")[^"/?]+)"', listing)
    assert found is not None, listing
    portal = origin + found.group(1)

    settings = read(staff, portal)
    for section in ("General", "Settings", "Projects", "Access"):
        assert f">{section}</h2>" in settings, section
    assert 'aria-current="page">Approval</a>' in read(staff, portal + "/approvals")
    activity = read(staff, portal + "/activity")
    assert "Portal opened with a link" in activity

    links = read(staff, portal + "/links")
    token = re.search(r'name="csrf_token" value="([^"]+)"', links)
    contact = re.search(r'name="contact" value="([^"]+)"', links)
    assert token is not None
    assert contact is not None
    issued = read(
        staff, portal + "/links", {"csrf_token": token.group(1), "contact": contact.group(1)}
    )
    new_link = re.search(r'id="new-link" class="link-url" value="([^"]+)"', issued)
    assert new_link is not None, issued
    opened = read(examples.browser(), html.unescape(new_link.group(1)))
    assert f'<html lang="{example.language}"' in opened
    assert html.escape(example.page[0], quote=False) in opened
