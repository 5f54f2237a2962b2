"""The newcomer's journey: ``clientportal demo --smtp`` to a real SMTP server sends the approval
requests of the hours it leaves awaiting the clients; the Dutch contact opens the link of his
e-mail on a phone, approves one entry and rejects another in its row, never meets an English word,
and the company's notice arrives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parts import (
    approve_in_row,
    cli_env,
    english_on,
    entry_row,
    free_port,
    portal_links_in,
    reject_in_row,
    running,
    text_of,
    to_addresses,
)

from smtp_sink import SmtpServer

DUTCH_CONTACT = "ruud.visser@lumen.example"
OFFICE = "office@pixel.example"


def test_the_demo_sends_its_requests_and_a_decision_on_a_phone_tells_the_company(
    tmp_path: Path, smtp: SmtpServer, phone: Any
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["demo", "--db", str(tmp_path / "demo.sqlite3"), "--port", str(port),
            "--smtp", f"127.0.0.1:{smtp.port}"]  # fmt: skip
    with running(args, cwd=tmp_path, port=port, env=cli_env()):
        requests = smtp.wait_for(3)
        (mine,) = [m for m in requests if DUTCH_CONTACT in to_addresses(m)]
        assert "goedkeuring" in str(mine["Subject"])
        (link,) = portal_links_in(mine, base + "/")

        page = phone.new_page()
        response = page.goto(link)
        assert response is not None
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.url.endswith("/approvals")
        boxes = page.locator("section[aria-labelledby=awaiting-h] tbody input[data-entry]")
        assert boxes.count() >= 2
        first, second = (boxes.nth(i).get_attribute("value").split(":", 1)[1] for i in range(2))
        assert english_on(page) == []
        approve_in_row(page, entry_row(page, first))
        reject_in_row(page, entry_row(page, second), "Dit was niet afgesproken")
        assert english_on(page) == []
        for name in ("Overzicht", "Uren"):
            with page.expect_navigation():
                page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()
            assert english_on(page) == [], name

        notices = [m for m in smtp.wait_for(5) if OFFICE in to_addresses(m)]
        assert len(notices) == 2
        assert "Dit was niet afgesproken" in "\n".join(text_of(m) for m in notices)
