"""The costs journey (issue 14): ``clientportal demo --smtp`` asks the Dutch contact of Lumen to
approve hours, expenses and trips; on his phone he opens the link of his e-mail, the approvals
page shows all three kinds in Dutch, he approves one expense and rejects one trip with a reason in
its row; the company's notices name both with their kinds, and the audit trail
(``clientportal approvals history --kind``) names the kinds, who decided and why."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from parts import (
    approve_in_row,
    clientportal,
    english_on,
    free_port,
    portal_links_in,
    reject_in_row,
    running,
    text_of,
    to_addresses,
)

from clientportal.demo import demo_dataset
from servers import cli_env
from smtp_sink import SmtpServer

DUTCH_CONTACT = "ruud.visser@lumen.example"
OFFICE = "office@pixel.example"
REASON = "Deze rit valt onder de vaste prijs"
#: The demo's ids: entries ``e0000001``, expenses ``x00001``, trips ``t00001``.
PREFIX = {"entry": "e0", "expense": "x0", "trip": "t0"}
#: English words of the portal's texts about expenses and trips (beside parts.ENGLISH).
COST_ENGLISH = ("Expense", "Expenses", "Trip", "Trips", "Distance", "Receipt", "Category",
                "approved", "rejected", "selected")  # fmt: skip


def english_anywhere(page: Any) -> list[str]:
    """The English words of the portal's own texts on ``page``, those about costs included."""
    shown = page.locator("body").inner_text()
    return english_on(page) + [w for w in COST_ENGLISH if re.search(rf"\b{w}\b", shown)]


def awaiting_ids(page: Any, kind: str) -> list[str]:
    """The ids of the items of ``kind`` awaiting approval on the page, as its checkboxes name
    them (``...:<id>``)."""
    boxes = page.locator(f"input[type=checkbox][value*=':{PREFIX[kind]}']")
    values = [boxes.nth(i).get_attribute("value") for i in range(boxes.count())]
    return [v.rsplit(":", 1)[1] for v in values if v]


def item_row(page: Any, item_id: str) -> Any:
    """The table row of the item ``item_id`` (an entry, expense or trip) awaiting approval."""
    return page.locator(f"tr:has(input[type=checkbox][value$=':{item_id}'])")


def test_a_dutch_contact_approves_an_expense_and_rejects_a_trip_on_a_phone(
    tmp_path: Path, smtp: SmtpServer, phone: Any
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = tmp_path / "demo.sqlite3"
    args = ["demo", "--db", str(db), "--port", str(port), "--smtp", f"127.0.0.1:{smtp.port}"]
    with running(args, cwd=tmp_path, port=port, env=cli_env()):
        world = demo_dataset(today=dt.date.today(), entries=0)  # what the demo loaded today

        # The request asks for the expenses (always with their amounts) and trips (km) too.
        requests = smtp.wait_for(3)
        (mine,) = [m for m in requests if DUTCH_CONTACT in to_addresses(m)]
        assert "goedkeuring" in str(mine["Subject"])
        request = text_of(mine)
        assert "€" in request
        assert " km" in request
        (link,) = portal_links_in(mine, base + "/")

        page = phone.new_page()
        response = page.goto(link)
        assert response is not None
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.url.endswith("/approvals")
        # Hours, expenses and trips await Ruud, on one page, in Dutch.
        assert awaiting_ids(page, "entry")
        expenses, trips = awaiting_ids(page, "expense"), awaiting_ids(page, "trip")
        assert expenses
        assert trips
        assert english_anywhere(page) == []
        expense = next(x for x in world.expenses if x.id == expenses[0])
        trip = next(t for t in world.trips if t.id == trips[0])
        assert expense.description is not None
        assert expense.description in item_row(page, expense.id).inner_text()
        assert f"{trip.distance} km" in item_row(page, trip.id).inner_text()
        assert str(trip.destination) in item_row(page, trip.id).inner_text()

        approve_in_row(page, item_row(page, expense.id))
        assert page.get_by_role("status").filter(has_text="goedgekeurd").count() == 1
        reject_in_row(page, item_row(page, trip.id), REASON)
        assert page.get_by_role("status").filter(has_text="afgekeurd").count() == 1
        assert item_row(page, expense.id).count() == 0
        assert item_row(page, trip.id).count() == 0
        assert english_anywhere(page) == []
        with page.expect_navigation():  # the overview: hours, expenses and trips, in Dutch
            page.get_by_role("navigation").get_by_role("link", name="Overzicht", exact=True).click()
        assert english_anywhere(page) == []

        # The company hears of both decisions (its notices are in English), with their kinds.
        notices = [m for m in smtp.wait_for(5) if OFFICE in to_addresses(m)]
        assert len(notices) == 2
        approved, rejected = sorted(notices, key=lambda m: REASON in text_of(m))
        assert "Ruud Visser" in text_of(approved)
        assert "expense" in text_of(approved).lower()
        assert expense.description in text_of(approved)
        assert "trip" in text_of(rejected).lower()
        assert REASON in text_of(rejected)
        assert str(trip.destination) in text_of(rejected)

    # The audit trail names each item's kind, the manager who sent it on, and who decided.
    history = clientportal(
        "--db", str(db), "approvals", "history", expense.id, "--kind", "expense", cwd=tmp_path
    )
    assert f"expense {expense.id!r}" in history
    assert "SUBMIT_TO_CLIENT" in history
    last = history.strip().splitlines()[-1]
    assert "APPROVE" in last
    assert "CLIENT ruud" in last
    assert "PENDING_EXTERNAL → APPROVED" in last
    history = clientportal(
        "--db", str(db), "approvals", "history", trip.id, "--kind", "trip", cwd=tmp_path
    )
    assert f"trip {trip.id!r}" in history
    last = history.strip().splitlines()[-1]
    assert "REJECT" in last
    assert "CLIENT ruud" in last
    assert "PENDING_EXTERNAL → REJECTED" in last
    assert REASON in last
    # An expense's id names no entry: without --kind, the history says where to look.
    untold = clientportal("--db", str(db), "approvals", "history", expense.id, cwd=tmp_path)
    assert "--kind" in untold
