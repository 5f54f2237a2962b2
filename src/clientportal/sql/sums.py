"""The entry sums of the reference schema (``tt_entry_sums``), kept by the database itself.

Triggers on ``tt_entries`` (an entry added, changed or deleted, by anybody) and on the library's
``cp_approvals`` (a decision, a reopened entry, a state deleted) add and take away each entry's
share of its sums in the same transaction as the change, so the sums can never lag behind the
entries. An entry adds to two rows: level 0 (all time) and level 1 (its ISO week), each keyed
by client, project, employee and approval status (``OPEN`` without a row in ``cp_approvals``).
A row whose count drops to zero stays (deleting it would cost every change a statement more); the
partial index of weeks with entries, and every read, skip it.

Each share is computed from the entry's row exactly as :mod:`clientportal.sql.totals` sums a
page's entries (the same SQL expressions for the cents of a plain rate), so a total read from the
sums equals the total of the entries. :func:`install_entry_sums` creates the table and triggers
(and fills the sums from the entries already there); ``reference_metadata.create_all`` calls it
when it creates the table. :func:`rebuild_entry_sums` recomputes every sum from the entries, and
:func:`stale_entry_sums` says which rows differ from a recomputation (for checks and tests).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy import case, event, func, literal, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..model import ApprovalStatus
from . import tables as t
from .totals import cents_of, plain_rate

__all__ = [
    "ALL_TIME",
    "MEASURES",
    "install_entry_sums",
    "rebuild_entry_sums",
    "stale_entry_sums",
    "week_of",
]

#: The ``period`` of the all-time rows (level 0).
ALL_TIME = dt.date(1, 1, 1)
#: The key columns of ``tt_entry_sums`` (its primary key, in order).
_KEYS = tuple(c.name for c in t.entry_sums.primary_key.columns)
#: The summed columns of ``tt_entry_sums``: all the others.
MEASURES = tuple(c.name for c in t.entry_sums.columns if c.name not in _KEYS)
_OPEN = ApprovalStatus.OPEN.value
_PREFIX = "tt_entry_sums"


def week_of(dialect: str, day: sa.ColumnElement[Any]) -> sa.ColumnElement[dt.date]:
    """The Monday of ``day``'s ISO week, in SQL (no time zone involved)."""
    if dialect == "sqlite":
        return sa.type_coerce(func.date(day, "weekday 0", "-6 days"), sa.Date)
    weekday = sa.cast(sa.extract("isodow", day), sa.Integer)  # Monday 1 .. Sunday 7
    return sa.type_coerce(day - (weekday - literal_column("1")), sa.Date)


_ENTRY_COLUMNS = ("id", "client_id", "project_id", "employee_id", "date", "seconds", "billable",
                  "rate")  # fmt: skip
Row = dict[str, sa.ColumnElement[Any]]


def _record(name: str) -> Row:
    """The columns of a row trigger's entry ``name`` (``NEW`` or ``OLD``) of ``tt_entries``."""
    return {c: literal_column(f"{name}.{c}", t.entries.c[c].type) for c in _ENTRY_COLUMNS}


def _relation(table: sa.FromClause) -> Row:
    """The columns of entries in ``table`` (``tt_entries``, or a transition table of it)."""
    return {c: table.c[c] for c in _ENTRY_COLUMNS}


def _transition(name: str) -> sa.TableClause:
    """A statement trigger's transition table of ``tt_entries`` rows."""
    return sa.table(name, *(sa.column(c, t.entries.c[c].type) for c in t.entries.c.keys()))  # noqa: SIM118


def _transition_states(name: str) -> sa.TableClause:
    """A statement trigger's transition table of ``cp_approvals`` rows."""
    return sa.table(name, *(sa.column(c, t.approvals.c[c].type) for c in t.approvals.c.keys()))  # noqa: SIM118


def _values(dialect: str, row: Row, status: sa.ColumnElement[Any]) -> list[Any]:
    """An entry's keys and what it adds to each measure, computed once per entry (labelled)."""
    unit = literal_column("1", sa.BigInteger)
    zero = literal_column("0", sa.BigInteger)
    plain = plain_rate(dialect, row["rate"], row["seconds"])
    billable = row["billable"]
    if dialect == "sqlite":  # stored booleans are 0 or 1, in a trigger's record too
        billable = billable == literal_column("1")
    priced = case((plain, unit), else_=zero)
    cents = case((plain, cents_of(dialect, row["rate"], row["seconds"])), else_=zero)
    rated = case((row["rate"].is_not(None), unit), else_=zero)
    return [
        row["client_id"].label("client_id"),
        week_of(dialect, row["date"]).label("week"),
        row["project_id"].label("project_id"),
        row["employee_id"].label("employee_id"),
        status.label("status"),
        row["seconds"].label("seconds"),
        case((billable, row["seconds"]), else_=zero).label("billable_seconds"),
        cents.label("cents"),
        priced.label("priced"),
        rated.label("rated"),
        case((billable, unit), else_=zero).label("billable"),
    ]


def _levels() -> sa.Subquery:
    zero: sa.Select[Any] = select(literal_column("0").label("level"))
    return sa.union_all(zero, select(literal_column("1").label("level"))).subquery("lv")


def _shares(sign: int, values: sa.Select[Any]) -> sa.Select[Any]:
    """What each entry of ``values`` (:func:`_values`) adds to its two rows (``sign`` -1 takes
    it away): the key columns, then :data:`MEASURES`."""
    v = values.subquery("v")
    lv = _levels()
    one = literal_column(str(sign), sa.BigInteger)
    level = lv.c.level
    period = case((level == 0, literal(ALL_TIME, sa.Date)), else_=v.c.week)
    measures = [
        one,
        one * v.c.seconds,
        one * v.c.billable_seconds,
        one * v.c.cents,
        one * v.c.priced,
        one * v.c.rated,
        one * v.c.cents * v.c.billable,
        one * v.c.priced * v.c.billable,
        one * v.c.rated * v.c.billable,
    ]
    keys = [v.c.client_id, level, period, v.c.project_id, v.c.employee_id, v.c.status]
    columns = [c.label(n) for c, n in zip(keys + measures, _KEYS + MEASURES, strict=True)]
    return select(*columns).select_from(v.join(lv, sa.true()))


def _status_of_entry() -> sa.ColumnElement[Any]:
    return func.coalesce(t.approvals.c.status, literal(_OPEN))


def _status_of(entry_id: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The stored status of entry ``entry_id``, as a scalar subquery."""
    a = t.approvals
    stored = select(a.c.status).where(a.c.entry_id == entry_id).scalar_subquery()
    return func.coalesce(stored, literal(_OPEN))


def _of_record(dialect: str, sign: int, record: str) -> sa.Select[Any]:
    """The shares of a row trigger's entry ``record`` (``NEW`` or ``OLD``), its status read."""
    row = _record(record)
    return _shares(sign, select(*_values(dialect, row, _status_of(row["id"]))))


def _of_entry(dialect: str, sign: int, entry_id: str, status: str) -> sa.Select[Any]:
    """The shares of the stored entry ``entry_id`` under ``status`` (SQL of a row trigger)."""
    e = t.entries
    values = select(*_values(dialect, _relation(e), literal_column(status, sa.String)))
    return _shares(sign, values.where(e.c.id == literal_column(entry_id)))


def _apply(dialect: str, *parts: sa.Select[Any]) -> str:
    """SQLite's: one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` adding ``parts`` (shares of a
    row trigger's entry) to the sums row by row (a key met twice is updated twice; ``WHERE``:
    SQLite's upsert grammar)."""
    shares = sa.union_all(*parts).subquery("share")
    summed = select(*(shares.c[k] for k in _KEYS), *(shares.c[m] for m in MEASURES))
    return _upsert(dialect, summed.where(sa.true()))


def _upsert(dialect: str, summed: sa.Select[Any]) -> str:
    """``summed`` (keys, then measures) added to the sums."""
    insert: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(t.entry_sums)
    statement = insert.from_select(list(_KEYS) + list(MEASURES), summed)
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEYS),
        set_={m: t.entry_sums.c[m] + statement.excluded[m] for m in MEASURES},
    )
    return _sql(statement, dialect)


# -- PostgreSQL: a statement's rows at once -----------------------------------------------------


def _signed_entries(*parts: tuple[str, int]) -> str:
    """The statement of a trigger on ``tt_entries``: the rows of each ``(transition table,
    sign)`` part, their statuses read from ``cp_approvals`` once."""
    d, a = "postgresql", t.approvals
    signed = sa.union_all(
        *(
            select(*(rows.c[c] for c in _ENTRY_COLUMNS), _sign(sign))
            for name, sign in parts
            for rows in (_transition(name),)
        )
    ).subquery("rows")
    values = select(*_values(d, _relation(signed), _status_of_entry()), signed.c.sign)
    values = values.select_from(signed.outerjoin(a, a.c.entry_id == signed.c.id))
    return _batch(values)


def _signed_states(*parts: tuple[str, int, str | None]) -> str:
    """The statement of a trigger on ``cp_approvals``: the entries of the states in each
    ``(transition table, sign, status)`` part under that status (``None``: the state's own),
    every entry read once."""
    d, e = "postgresql", t.entries
    signed = sa.union_all(
        *(
            select(
                states.c.entry_id,
                (states.c.status if status is None else literal(status)).label("status"),
                _sign(sign),
            )
            for name, sign, status in parts
            for states in (_transition_states(name),)
        )
    ).subquery("states")
    values = select(*_values(d, _relation(e), signed.c.status), signed.c.sign)
    return _batch(values.select_from(e.join(signed, signed.c.entry_id == e.c.id)))


def _sign(sign: int) -> sa.ColumnElement[Any]:
    return literal_column(str(sign), sa.BigInteger).label("sign")


def _batch(values: sa.Select[Any]) -> str:
    """The upsert of a batch's ``values`` (:func:`_values` and a ``sign``): summed per entry
    key first (a batch of 10,000 entries has a few hundred), then spread over the two levels
    and summed again, each sum row once (PostgreSQL updates a row at most once per statement),
    in key order (concurrent statements lock the rows they share in the same order), and only
    where something changed."""
    v = values.subquery("v")
    sign, billable = v.c.sign, v.c.billable
    by_entry = select(
        v.c.client_id, v.c.week, v.c.project_id, v.c.employee_id, v.c.status,
        func.sum(sign).label("entries"),
        func.sum(sign * v.c.seconds).label("seconds"),
        func.sum(sign * v.c.billable_seconds).label("billable_seconds"),
        func.sum(sign * v.c.cents).label("cents"),
        func.sum(sign * v.c.priced).label("priced"),
        func.sum(sign * v.c.rated).label("rated"),
        func.sum(sign * v.c.cents * billable).label("b_cents"),
        func.sum(sign * v.c.priced * billable).label("b_priced"),
        func.sum(sign * v.c.rated * billable).label("b_rated"),
    ).group_by(v.c.client_id, v.c.week, v.c.project_id, v.c.employee_id, v.c.status)  # fmt: skip
    b, lv = by_entry.subquery("b"), _levels()
    period = case((lv.c.level == 0, literal(ALL_TIME, sa.Date)), else_=b.c.week)
    key_columns = [b.c.client_id, lv.c.level, period, b.c.project_id, b.c.employee_id, b.c.status]
    keys = [c.label(k) for c, k in zip(key_columns, _KEYS, strict=True)]
    sums = [func.sum(b.c[m]).label(m) for m in MEASURES]
    changed = sa.or_(*(func.sum(b.c[m]) != 0 for m in MEASURES))
    grouped = list(range(1, len(_KEYS) + 1))  # GROUP BY and ORDER BY the keys, by position
    summed = (
        select(*keys, *sums)
        .select_from(b.join(lv, sa.true()))
        .group_by(*(literal_column(str(i)) for i in grouped))
        .having(changed)
        .order_by(*(literal_column(str(i)) for i in grouped))
    )
    return _upsert("postgresql", summed)


def _sql(statement: Any, dialect: str) -> str:
    engine_dialect: sa.Dialect = (
        postgresql.dialect() if dialect == "postgresql" else sqlite.dialect()  # type: ignore[no-untyped-call]
    )
    return str(statement.compile(dialect=engine_dialect, compile_kwargs={"literal_binds": True}))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@frozen
class _Trigger:
    """A trigger: its event, its ``WHEN`` condition (row triggers), the transition tables it
    names (statement triggers) and its statement."""

    on: str
    condition: str | None
    transitions: str
    statement: str


def _row_triggers() -> dict[str, _Trigger]:
    """SQLite's: one per entry or state changed."""
    d, opened = "sqlite", _quote(_OPEN)
    columns = ", ".join(_ENTRY_COLUMNS)
    changed = "OLD.status IS NOT NEW.status OR OLD.entry_id IS NOT NEW.entry_id"
    entries, states = t.entries.name, t.approvals.name
    return {
        "entry_added": _Trigger(f"INSERT ON {entries}", None, "",
                                _apply(d, _of_record(d, 1, "NEW"))),
        "entry_removed": _Trigger(f"DELETE ON {entries}", None, "",
                                  _apply(d, _of_record(d, -1, "OLD"))),
        "entry_changed": _Trigger(f"UPDATE OF {columns} ON {entries}", None, "",
                                  _apply(d, _of_record(d, -1, "OLD"), _of_record(d, 1, "NEW"))),
        "state_added": _Trigger(f"INSERT ON {states}", None, "", _apply(
            d, _of_entry(d, -1, "NEW.entry_id", opened),
            _of_entry(d, 1, "NEW.entry_id", "NEW.status"))),
        "state_changed": _Trigger(f"UPDATE OF entry_id, status ON {states}", changed, "", _apply(
            d, _of_entry(d, -1, "OLD.entry_id", "OLD.status"),
            _of_entry(d, 1, "NEW.entry_id", "NEW.status"))),
        "state_removed": _Trigger(f"DELETE ON {states}", None, "", _apply(
            d, _of_entry(d, -1, "OLD.entry_id", "OLD.status"),
            _of_entry(d, 1, "OLD.entry_id", opened))),
    }  # fmt: skip


def _statement_triggers() -> dict[str, _Trigger]:
    """PostgreSQL's: one per statement, over its transition tables (a batch of decisions, or a
    host's bulk insert, costs one set-based statement)."""
    entries, states, opened = t.entries.name, t.approvals.name, _OPEN
    new, old = "REFERENCING NEW TABLE AS new_rows", "REFERENCING OLD TABLE AS old_rows"
    both = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    return {
        "entry_added": _Trigger(f"INSERT ON {entries}", None, new,
                                _signed_entries(("new_rows", 1))),
        "entry_removed": _Trigger(f"DELETE ON {entries}", None, old,
                                  _signed_entries(("old_rows", -1))),
        "entry_changed": _Trigger(f"UPDATE ON {entries}", None, both,
                                  _signed_entries(("old_rows", -1), ("new_rows", 1))),
        "state_added": _Trigger(f"INSERT ON {states}", None, new, _signed_states(
            ("new_rows", -1, opened), ("new_rows", 1, None))),
        "state_changed": _Trigger(f"UPDATE ON {states}", None, both, _signed_states(
            ("old_rows", -1, None), ("new_rows", 1, None))),
        "state_removed": _Trigger(f"DELETE ON {states}", None, old, _signed_states(
            ("old_rows", -1, None), ("old_rows", 1, opened))),
    }  # fmt: skip


def _triggers(dialect: str) -> dict[str, _Trigger]:
    return _statement_triggers() if dialect == "postgresql" else _row_triggers()


def _table_of(trigger: _Trigger) -> str:
    return trigger.on.split(" ON ")[-1]


def _create_triggers(conn: Connection) -> None:
    dialect = conn.dialect.name
    for name, trigger in _triggers(dialect).items():
        full = f"{_PREFIX}_{name}"
        if dialect == "postgresql":
            # EXECUTE plans the statement for each batch's size (a plan kept from a batch of
            # 10,000 walked every entry for each later single decision); no JIT for such plans.
            assert "$sums$" not in trigger.statement
            conn.exec_driver_sql(
                f"CREATE OR REPLACE FUNCTION {full}() RETURNS trigger LANGUAGE plpgsql "
                f"SET jit = off AS $body$\nBEGIN\nEXECUTE $sums${trigger.statement}$sums$;\n"
                "RETURN NULL;\nEND\n$body$"
            )
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {full} ON {_table_of(trigger)}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {full} AFTER {trigger.on} {trigger.transitions} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {full}()"
            )
        else:
            guard = f" WHEN {trigger.condition}" if trigger.condition else ""
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {full}")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {full} AFTER {trigger.on} FOR EACH ROW{guard} "
                f"BEGIN\n{trigger.statement};\nEND"
            )


def drop_entry_sum_triggers(conn: Connection) -> None:
    """Drop the triggers (the sums stop being kept; :func:`install_entry_sums` restores them)."""
    dialect = conn.dialect.name
    for name, trigger in _triggers(dialect).items():
        full = f"{_PREFIX}_{name}"
        if dialect == "postgresql":
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {full} ON {_table_of(trigger)}")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {full}()")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {full}")


_RECOMPUTED: dict[str, sa.Select[Any]] = {}


def _recomputed(dialect: str) -> sa.Select[Any]:
    """Every sum, from the entries (what the triggers keep); built once per dialect."""
    found = _RECOMPUTED.get(dialect)
    if found is None:
        found = _RECOMPUTED[dialect] = _recomputation(dialect)
    return found


def _recomputation(dialect: str) -> sa.Select[Any]:
    e, a = t.entries, t.approvals
    values = select(*_values(dialect, _relation(e), _status_of_entry()))
    values = values.select_from(e.outerjoin(a, a.c.entry_id == e.c.id))
    shares = _shares(1, values).subquery("s")
    keys = [shares.c[k] for k in _KEYS]
    measures = [func.sum(shares.c[m]).label(m) for m in MEASURES]
    return select(*keys, *measures).group_by(*keys)


def rebuild_entry_sums(conn: Connection) -> None:
    """Recompute every sum from the entries (in the caller's transaction)."""
    conn.execute(t.entry_sums.delete())
    statement = t.entry_sums.insert().from_select(
        list(_KEYS) + list(MEASURES), _recomputed(conn.dialect.name)
    )
    conn.execute(statement)


def stale_entry_sums(conn: Connection) -> list[tuple[Any, ...]]:
    """The keys of ``tt_entry_sums`` whose measures differ from a recomputation from the
    entries (a row missing, or left at zero, counts as zeros); empty when the sums are right."""
    zeros = (0,) * len(MEASURES)
    fresh = {
        tuple(row[: len(_KEYS)]): tuple(map(int, row[len(_KEYS) :]))
        for row in conn.execute(_recomputed(conn.dialect.name))
    }
    kept = {
        tuple(row[: len(_KEYS)]): tuple(map(int, row[len(_KEYS) :]))
        for row in conn.execute(select(*(t.entry_sums.c[c] for c in _KEYS + MEASURES)))
    }
    return sorted(
        key for key in kept.keys() | fresh.keys() if kept.get(key, zeros) != fresh.get(key, zeros)
    )


def install_entry_sums(conn: Connection) -> None:
    """Create ``tt_entry_sums`` when missing, (re)create its triggers and fill it from the
    entries there, in the caller's transaction. The library's tables must exist
    (:func:`~clientportal.sql.upgrade`): the triggers watch ``cp_approvals`` too."""
    present = set(sa.inspect(conn).get_table_names())
    if t.approvals.name not in present:
        raise RuntimeError(
            f"the entry sums watch {t.approvals.name}, which does not exist yet: create the "
            "library's tables first (clientportal.sql.upgrade(engine), or `clientportal db "
            "upgrade`), then the reference schema"
        )
    t.entry_sums.create(conn, checkfirst=True)
    _create_triggers(conn)
    rebuild_entry_sums(conn)


@event.listens_for(t.reference_metadata, "after_create")
def _installed_with_the_table(
    target: sa.MetaData, conn: Connection, tables: Any = (), **_: Any
) -> None:
    """``reference_metadata.create_all`` creates the triggers with the table (once every table
    is there), and fills it from the entries already there."""
    if t.entry_sums in tables:
        install_entry_sums(conn)


@event.listens_for(t.entry_sums, "before_drop")
def _dropped_with_the_table(target: sa.Table, conn: Connection, **_: Any) -> None:
    """Dropping the table drops its triggers (those on ``cp_approvals`` would fail on)."""
    drop_entry_sum_triggers(conn)
