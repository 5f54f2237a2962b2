"""`clientportal portal`: create, list, show, update, with the currency and the amounts of
non-billable hours; every problem listed at once, hints that name commands."""

from __future__ import annotations

import json

from .running import run


def test_portal_create_list_show_update(demo_db: str) -> None:
    code, out, err = run(
        demo_db, "portal", "create", "--id", "lumen-support", "--client", "lumen",
        "--name", "Lumen support", "--project", "lumen-support", "--contact", "ruud",
        "--language", "nl", "--no-show-descriptions", "--show-invoices",
    )  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    assert created["settings"]["show_descriptions"] is False
    assert created["settings"]["show_invoices"] is True
    assert created["settings"]["currency"] == "EUR"
    assert created["employee_ids"] == ["tom"]

    code, out, _ = run(demo_db, "portal", "list")
    assert "lumen-support\tlumen\tnl\tLumen support" in out.splitlines()

    code, out, _ = run(demo_db, "portal", "show", "lumen-support")
    assert json.loads(out) == created

    code, out, _ = run(
        demo_db, "portal", "update", "lumen-support", "--project", "lumen-web", "--inactive"
    )
    assert code == 0
    updated = json.loads(out)
    assert updated["project_ids"] == ["lumen-web"]
    assert updated["active"] is False
    assert set(updated["employee_ids"]) == {"eva", "lisa", "tom"}  # the filter only grows
    assert updated["settings"] == created["settings"]


def test_the_currency_and_the_amounts_of_non_billable_hours(demo_db: str) -> None:
    code, out, err = run(
        demo_db, "portal", "create", "--id", "gbp", "--client", "northwind", "--name", "NW",
        "--project", "nw-shop", "--currency", "gbp", "--show-amounts",
        "--show-non-billable-amounts",
    )  # fmt: skip
    assert code == 0, err
    settings = json.loads(out)["settings"]
    assert (settings["currency"], settings["show_non_billable_amounts"]) == ("GBP", True)
    code, out, _ = run(demo_db, "portal", "update", "gbp", "--currency", "USD",
                       "--no-show-non-billable-amounts")  # fmt: skip
    settings = json.loads(out)["settings"]
    assert (settings["currency"], settings["show_non_billable_amounts"]) == ("USD", False)
    for bad in ("EURO", "XYZ"):
        code, _, err = run(demo_db, "portal", "update", "gbp", "--currency", bad)
        assert code == 2
        assert "Error: Invalid value for --currency: " in err
        assert bad in err
        assert "Traceback" not in err


def test_portal_create_lists_every_problem(demo_db: str) -> None:
    code, _, err = run(
        demo_db, "portal", "create", "--client", "lumen", "--name", "Bad",
        "--project", "nw-shop", "--contact", "olivia", "--language", "it",
    )  # fmt: skip
    assert code == 1
    # Seen from Lumen's side, another client's project and contact do not exist.
    assert "project 'nw-shop' does not exist" in err
    assert "contact 'olivia' does not exist" in err
    assert "language 'it' has no translation" in err
    assert "Traceback" not in err


def test_mistakes_name_the_command_that_helps(demo_db: str) -> None:
    code, _, err = run(demo_db, "portal", "show", "nope")
    assert (code, err.strip()) == (
        1,
        "Error: there is no portal 'nope': see `clientportal portal list`",
    )
    code, _, err = run(demo_db, "portal", "update", "nope", "--name", "x")
    assert code == 1
    assert "see `clientportal portal list`" in err
    code, _, err = run(demo_db, "portal", "create", "--id", "lumen", "--client", "lumen",
                       "--name", "Again")  # fmt: skip
    assert code == 1
    assert "a portal with id 'lumen' exists: change it with " in err
    assert "`clientportal portal update lumen ...`" in " ".join(err.split())
    assert "()" not in err


def test_no_portals_yet(empty_db: str) -> None:
    code, out, err = run(empty_db, "portal", "list")
    assert (code, out) == (0, "")
    assert "there are no portals yet: create one with `clientportal portal create`" in err


def test_client_approval_needs_a_company_workflow_with_a_client_step(demo_db: str) -> None:
    assert run(demo_db, "company", "set", "--workflow", "internal")[0] == 0
    code, _, err = run(demo_db, "portal", "update", "lumen", "--name", "Lumen")
    assert code == 1
    assert "the company's workflow (internal) has no client step: choose one with " in err
    assert "`clientportal company set --workflow internal-external`" in " ".join(err.split())
    code, out, _ = run(demo_db, "portal", "update", "lumen", "--no-approval")
    assert code == 0
    assert json.loads(out)["settings"]["approval"] is False
