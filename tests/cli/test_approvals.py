"""`clientportal approvals`: an operator moves hours through every workflow with the staff's
steps; a step the workflow does not allow is told (its reason, no traceback) with exit status 1."""

from __future__ import annotations

from .running import rows, run, script


def entries(
    db: str, status: str, *, not_by: str = "lisa", count: int | None = 3
) -> list[tuple[str, str]]:
    """``count`` (entry id, employee) of the Lumen portal in ``status``, not of ``not_by`` (all
    of them when ``count`` is ``None``)."""
    _, out, _ = run(db, "approvals", "list", "lumen", "--status", status, "--limit", "200")
    found = [
        (r[0], r[2]) for r in (line.split("\t") for line in out.splitlines()) if r[2] != not_by
    ]
    assert len(found) >= (count or 1), out
    return found if count is None else found[:count]


def history(db: str, item_id: str, *options: str) -> tuple[str, list[list[str]]]:
    """`approvals history ITEM_ID OPTIONS...`: the line naming the item, and the table's rows."""
    code, out, err = run(db, "approvals", "history", item_id, *options, key=True)
    assert code == 0, err
    title, _, trail = out.partition("\n")
    return title, rows(trail)


def step(db: str, *args: str) -> tuple[int, list[str], str]:
    code, out, err = run(db, "approvals", *args)
    return code, out.strip().splitlines(), err


def test_internal_external_by_hand_approve_reject_forward_withdraw_submit(demo_db: str) -> None:
    assert run(demo_db, "company", "set", "--manual-forward")[0] == 0
    (a, _), (b, employee), (c, _) = entries(demo_db, "PENDING_INTERNAL")
    code, out, _ = step(demo_db, "approve", a, b, "--by", "lisa")
    assert (code, out) == (0, [f"{a}\tAPPLIED → INTERNALLY_APPROVED",
                              f"{b}\tAPPLIED → INTERNALLY_APPROVED"])  # fmt: skip
    code, out, _ = step(demo_db, "reject", c, "--by", "lisa", "--reason", "Which task?")
    assert (code, out) == (0, [f"{c}\tAPPLIED → REJECTED"])

    _, before, _ = run(demo_db, "outbox", "list")
    code, out, _ = step(demo_db, "forward", a, b, "--by", "lisa")
    assert (code, out) == (0, [f"{a}\tAPPLIED → PENDING_EXTERNAL",
                              f"{b}\tAPPLIED → PENDING_EXTERNAL"])  # fmt: skip
    _, after, _ = run(demo_db, "outbox", "list")
    asked = [r for r in rows(after) if r not in rows(before)]
    assert sorted(r[2] for r in asked) == ["ruud.visser@lumen.example", "sanne@lumen.example"]

    code, out, _ = step(demo_db, "withdraw", b, "--by", employee)
    assert (code, out) == (0, [f"{b}\tAPPLIED → OPEN"])
    # rejected hours go round again; a manager submits them on the employees' behalf
    code, out, _ = step(demo_db, "submit", b, c, "--by", "lisa", "--on-behalf")
    assert (code, out) == (
        0,
        [f"{b}\tAPPLIED → PENDING_INTERNAL", f"{c}\tAPPLIED → PENDING_INTERNAL"],
    )

    title, trail = history(demo_db, b)
    assert title == f"Approval history of entry {b!r}, oldest first:"
    steps = [r[1] for r in trail]
    assert steps == ["APPROVE", "SUBMIT_TO_CLIENT", "WITHDRAW", "SUBMIT"]
    assert trail[0][2:4] == ["MANAGER lisa", "PENDING_INTERNAL → INTERNALLY_APPROVED"]
    assert [r[2] for r in trail[2:]] == [f"EMPLOYEE {employee}", "MANAGER lisa"]


def test_internal_workflow_approve_and_reopen(demo_db: str) -> None:
    assert run(demo_db, "company", "set", "--workflow", "internal")[0] == 0
    [(a, eva)] = entries(demo_db, "OPEN", count=1)
    assert step(demo_db, "submit", a, "--by", eva)[1] == [f"{a}\tAPPLIED → PENDING_INTERNAL"]
    assert step(demo_db, "approve", a, "--by", "lisa")[1] == [f"{a}\tAPPLIED → APPROVED"]
    code, out, _ = step(demo_db, "reopen", a, "--by", "lisa", "--reason", "Wrong project")
    assert (code, out) == (0, [f"{a}\tAPPLIED → OPEN"])


def test_reopened_hours_sent_back_go_straight_back_on_their_way(demo_db: str) -> None:
    assert run(demo_db, "company", "set", "--workflow", "internal")[0] == 0
    [(a, eva)] = entries(demo_db, "OPEN", count=1)
    step(demo_db, "submit", a, "--by", eva)
    step(demo_db, "approve", a, "--by", "lisa")
    code, out, _ = step(
        demo_db, "reopen", a, "--by", "lisa", "--reason", "Booked twice", "--send-back"
    )
    # Reopened, then submitted again at once: back in the (internal) approval.
    assert (code, out) == (0, [f"{a}\tAPPLIED → PENDING_INTERNAL"])


def test_auto_forward_sends_approved_hours_to_the_client_at_once(demo_db: str) -> None:
    [(a, _)] = entries(demo_db, "PENDING_INTERNAL", count=1)
    assert step(demo_db, "approve", a, "--by", "lisa")[1] == [f"{a}\tAPPLIED → PENDING_EXTERNAL"]


def test_steps_the_workflow_does_not_allow_are_told_with_exit_status_1(demo_db: str) -> None:
    [(waiting, _)] = entries(demo_db, "PENDING_EXTERNAL", count=1)
    code, out, err = step(demo_db, "approve", waiting, "--by", "tom")
    assert code == 1
    assert out == [
        f"{waiting}\tNOT_ALLOWED: MANAGER may not APPROVE an entry in status PENDING_EXTERNAL "
        "(workflow INTERNAL_EXTERNAL): only CLIENT may take this step"
    ]
    assert err.strip() == "Error: 1 of 1 entries were not changed"

    # Lisa's own hours (the demo's dates move with today: look through all of them).
    mine = next(e for e, who in entries(demo_db, "PENDING_INTERNAL", not_by="", count=None)
                if who == "lisa")  # fmt: skip
    code, out, _ = step(demo_db, "approve", mine, "--by", "lisa")
    assert code == 1
    assert "'lisa' may not approve their own hours" in out[0]

    code, out, _ = step(demo_db, "withdraw", "no-such-entry", "--by", "eva")
    assert (code, out) == (1, ["no-such-entry\tNOT_FOUND: there is no entry 'no-such-entry' "
                               "in the DataSource"])  # fmt: skip


def test_bad_arguments_of_the_staff_steps_are_usage_errors(demo_db: str) -> None:
    [first] = entries(demo_db, "PENDING_INTERNAL", count=1)
    entry = first[0]
    for args, message in {
        ("reject", entry, "--by", "lisa"): "Missing option '--reason'",
        ("reopen", entry, "--by", "lisa"): "Missing option '--reason'",
        ("approve", entry, "--by", "nobody"): "'nobody' is not an employee in the database",
        ("submit", entry, "--by", "nobody"): "`clientportal approvals staff` lists them",
        ("withdraw", entry, "--by", "nobody", "--on-behalf"): "'nobody' is not an employee",
        ("approve", "--by", "lisa"): "Missing argument 'ID...'",
        ("forward", entry): "Missing option '--by'",
    }.items():
        code, _, err = step(demo_db, *args)
        assert code == 2, args
        assert message in err, (args, err)
        assert "Traceback" not in err
    assert entries(demo_db, "PENDING_INTERNAL", count=1) == [first]  # nothing changed


def test_approvals_list_of_an_unknown_portal_names_the_command_that_lists_them(
    demo_db: str,
) -> None:
    code, _, err = run(demo_db, "approvals", "list", "nope")
    assert code == 1
    assert "there is no portal 'nope': see `clientportal portal list`" in err
    code, out, _ = run(demo_db, "approvals", "history", "no-such-entry")
    assert code == 0
    assert "has no approval history" in out


def test_a_whole_workflow_with_the_real_command(demo_db: str) -> None:
    [(a, employee)] = entries(demo_db, "OPEN", count=1)
    db = ("--db", demo_db)
    assert script(*db, "company", "set", "--manual-forward").returncode == 0
    submitted = script(*db, "approvals", "submit", a, "--by", employee)
    assert (submitted.returncode, submitted.stdout) == (0, f"{a}\tAPPLIED → PENDING_INTERNAL\n")
    approved = script(*db, "approvals", "approve", a, "--by", "lisa")
    assert approved.stdout == f"{a}\tAPPLIED → INTERNALLY_APPROVED\n"
    refused = script(*db, "approvals", "submit", a, "--by", employee)
    assert refused.returncode == 1
    assert refused.stdout == (
        f"{a}\tNOT_ALLOWED: EMPLOYEE may not SUBMIT an entry in status INTERNALLY_APPROVED "
        "(workflow INTERNAL_EXTERNAL): a EMPLOYEE can take no step from INTERNALLY_APPROVED; "
        "possible are SUBMIT_TO_CLIENT (MANAGER/ADMIN)\n"
    )
    assert refused.stderr == "Error: 1 of 1 entries were not changed\n"
    forwarded = script(*db, "approvals", "forward", a, "--by", "lisa")
    assert forwarded.stdout == f"{a}\tAPPLIED → PENDING_EXTERNAL\n"
    outbox = script(*db, "outbox", "list")
    assert "Uren wachten op uw goedkeuring: Lumen — website & BIM" in outbox.stdout


def test_finding_14_an_employee_submits_and_withdraws_only_their_own_hours(demo_db: str) -> None:
    """Finding 14: `approvals submit|withdraw --by` another employee is refused per entry (with
    the way to act on their behalf); a manager does it with --on-behalf; `approvals staff` lists
    the ids --by takes."""
    code, out, _ = run(demo_db, "approvals", "staff")
    staff = [line.split("\t")[0] for line in out.splitlines()]
    assert code == 0
    assert {"eva", "lisa", "tom"} <= set(staff)
    assert staff == sorted(staff)

    [(entry, owner)] = entries(demo_db, "OPEN", count=1)
    other = next(s for s in staff if s != owner)
    code, out, err = step(demo_db, "submit", entry, "--by", other)
    assert code == 1
    assert out == [
        f"{entry}\tNOT_ALLOWED: EMPLOYEE may not SUBMIT an entry in status OPEN (workflow "
        f"INTERNAL_EXTERNAL): {other!r} may only SUBMIT their own hours, not those of {owner!r} "
        "(the employee themselves or a manager may)"
    ]
    assert "a manager acts on another employee's with --on-behalf" in err
    assert run(demo_db, "approvals", "history", entry)[1].startswith(f"entry {entry!r} has no")

    assert step(demo_db, "submit", entry, "--by", owner)[:2] == (
        0,
        [f"{entry}\tAPPLIED → PENDING_INTERNAL"],
    )
    code, out, _ = step(demo_db, "withdraw", entry, "--by", other)
    assert code == 1
    assert f"{other!r} may only WITHDRAW their own hours" in out[0]
    assert step(demo_db, "withdraw", entry, "--by", other, "--on-behalf")[:2] == (
        0,
        [f"{entry}\tAPPLIED → OPEN"],
    )
    assert [r[1:3] for r in history(demo_db, entry)[1]] == [
        ["SUBMIT", f"EMPLOYEE {owner}"],
        ["WITHDRAW", f"MANAGER {other}"],
    ]


def test_history_names_the_kind_and_keeps_each_kinds_trail_apart(empty_db: str) -> None:
    """Issue 14: `approvals history --kind` reads the trail of an expense or a trip, which may
    share its id with an entry; the output names the kind."""
    from attrs import evolve

    from clientportal.model import ItemKind
    from clientportal.sql import SqlStore
    from clientportal.testing.contract.samples import _decided, _submitted
    from clientportal.workflow import Action

    store = SqlStore(f"sqlite:///{empty_db}")
    expense = evolve(_submitted("x1"), kind=ItemKind.EXPENSE)
    trip = evolve(_submitted("x1"), kind=ItemKind.TRIP)
    rejected = evolve(_decided(trip, Action.REJECT), kind=ItemKind.TRIP)
    store.apply_changes([expense, trip, rejected])

    title, trail = history(empty_db, "x1", "--kind", "trip")
    assert title == "Approval history of trip 'x1', oldest first:"
    assert [r[1:4] for r in trail] == [
        ["SUBMIT", "EMPLOYEE u1", "OPEN → PENDING_EXTERNAL"],
        ["REJECT", "CLIENT k1", "PENDING_EXTERNAL → REJECTED"],
    ]
    assert trail[1][4] == "why"
    title, trail = history(empty_db, "x1", "--kind", "expense")
    assert title == "Approval history of expense 'x1', oldest first:"
    assert [r[1] for r in trail] == ["SUBMIT"]
    title, trail = history(empty_db, "x1")  # an entry by default: it has none
    assert title == (
        "entry 'x1' has no approval history: nobody has taken a step on it (for an expense or "
        "a trip, give --kind)"
    )
    assert trail == []
    assert history(empty_db, "x2", "--kind", "trip")[0] == (
        "trip 'x2' has no approval history: nobody has taken a step on it"
    )
    code, _, err = run(empty_db, "approvals", "history", "x1", "--kind", "invoice", key=True)
    assert code == 2
    assert "'invoice' is not one of 'entry', 'expense', 'trip'" in err


def test_the_staff_steps_and_the_list_take_expenses_and_trips_by_kind(demo_db: str) -> None:
    """Issue 14: `--kind expense|trip` on `approvals list` and on every staff step; an expense's
    id given without it is looked for among the entries and not found."""
    code, out, _ = run(demo_db, "approvals", "list", "lumen", "--kind", "trip", "--limit", "5")
    assert code == 0
    trips = [line.split("\t") for line in out.splitlines()]
    assert len(trips) == 5
    assert all(t[3].endswith(" km") for t in trips)
    _, out, _ = run(
        demo_db, "approvals", "list", "lumen", "--kind", "expense",
        "--status", "PENDING_INTERNAL", "--limit", "200",
    )  # fmt: skip
    waiting = [r for r in (line.split("\t") for line in out.splitlines()) if r[2] != "lisa"]
    assert waiting, out
    expense_id, _, _, amount, status, _ = waiting[0]
    assert status == "PENDING_INTERNAL"
    assert amount.split(" ")[1] in {"EUR", "GBP"}

    code, out, err = step(demo_db, "approve", expense_id, "--by", "lisa")
    assert code == 1
    assert f"there is no entry {expense_id!r}" in out[0]
    assert "1 of 1 entries were not changed" in err
    code, out, _ = step(demo_db, "approve", expense_id, "--by", "lisa", "--kind", "expense")
    assert code == 0, out
    assert out[0].startswith(f"{expense_id}\tAPPLIED → ")
    title, trail = history(demo_db, expense_id, "--kind", "expense")
    assert title == f"Approval history of expense {expense_id!r}, oldest first:"
    assert trail[-1][1:3] == ["APPROVE", "MANAGER lisa"]

    code, _, err = run(demo_db, "approvals", "list", "northwind", "--kind", "expense")
    assert code != 0
    assert "does not show expenses" in err
    assert "--show-expenses" in err


def test_a_malformed_id_is_a_usage_error_naming_it_not_a_traceback(demo_db: str) -> None:
    for kind in ("entry", "expense", "trip"):
        code, _, err = step(demo_db, "submit", " x1", "--by", "lisa", "--on-behalf", "--kind", kind)
        assert code == 2, err
        assert "Invalid value for ID: ' x1': must be a non-empty id without surrounding" in err
        assert "Traceback" not in err
