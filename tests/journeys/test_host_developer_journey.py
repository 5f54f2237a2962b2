"""The host developer's journey: the README's snippets, pasted into a Flask app over the host's
own tables, serve a portal that a client opens in a browser, and the client's decision lands in
the host's database."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from parts import served

from clientportal import (
    ApprovalState,
    ApprovalStatus,
    Client,
    Contact,
    Dataset,
    Employee,
    Project,
    TimeEntry,
    Workflow,
)
from clientportal.sql import load_dataset, tables

pytest.importorskip("flask", reason="the host developer's journey mounts the portal in Flask")

README = Path(__file__).resolve().parents[2] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
#: What the README's MailSettings says the portal's public address is.
PUBLIC = "https://pixel.example/portal"


def snippet(containing: str) -> str:
    """The README's Python block that contains ``containing``."""
    return next(s for s in SNIPPETS if containing in s)


def host_data() -> Dataset:
    """The host's own time tracking: one client with a contact, a project, a month of hours,
    the latest of them submitted to the client."""
    today = dt.date.today()
    waiting = ApprovalState(ApprovalStatus.PENDING_EXTERNAL, Workflow.INTERNAL_EXTERNAL, version=2)
    entries = [
        TimeEntry(f"h{n}", "web", "eva", today - dt.timedelta(days=n), 3600 * (1 + n % 4),
                  f"Homepage work {n}", rate=None)
        for n in range(1, 20)
    ] + [TimeEntry("h0", "web", "eva", today, 5400, "Checkout page", approval=waiting)]  # fmt: skip
    return Dataset(
        clients=[Client("acme", "Acme")],
        contacts=[Contact("ann", "acme", "Ann de Vries", "ann@acme.example")],
        employees=[Employee("eva", "Eva Jansen")],
        projects=[Project("web", "acme", "Website", member_ids={"eva"})],
        entries=entries,
    )


def test_the_readme_in_a_flask_app_serves_a_portal_whose_decisions_reach_the_host_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTAL_SECRET", "host-journey-secret-key-0123456789abcdef")
    host: dict[str, Any] = {"__name__": "pixel_app"}  # the host's own module
    exec(compile(snippet("make_wsgi_app"), "README.md", "exec"), host)
    load_dataset(host["engine"], host_data())
    exec(compile(snippet("service.admin.create_portal"), "README.md", "exec"), host)
    exec(compile(snippet("portal_blueprint"), "README.md", "exec"), host)
    link = host["service"].mail.link_url(host["link"].token)
    assert link.startswith(PUBLIC + "/")

    with served(lambda _: host["app"]) as url:
        page = browser.new_page()
        try:
            response = page.goto(link.replace(PUBLIC, url + "/portal"))
            assert response is not None
            assert response.status == 200
            assert page.locator("h1").first.inner_text() == "Acme website"
            assert "Website" in page.locator("main").inner_text()
            page.get_by_role("navigation").get_by_role("link", name="Approvals").click()
            page.wait_for_url(re.compile(r"/approvals$"))
            row = page.locator("tr", has_text="Checkout page")
            with page.expect_navigation():
                row.get_by_role("button", name=re.compile("^Approve")).click()
            assert page.get_by_role("status").filter(has_text="1 time entry approved").count() == 1
        finally:
            page.close()

    with host["engine"].connect() as conn:
        stored = conn.execute(
            sa.select(tables.approvals.c.status).where(tables.approvals.c.entry_id == "h0")
        ).scalar_one()
    assert stored == ApprovalStatus.APPROVED.value
