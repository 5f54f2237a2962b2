"""`SqlSettingsStore`: named settings groups as JSON in cp_settings, on SQLite and PostgreSQL:
stored and read back, changed in one transaction (concurrent changes all kept), refused when not
JSON-shaped, and the company's settings round trip through it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import clientportal.sql as cs
from clientportal.convert import structure, unstructure
from clientportal.errors import ValidationError
from clientportal.service.company import CompanySettings, SmtpTls
from clientportal.sql.testing import clear_tables, ready_for_tests

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = ready_for_tests(cs.create_engine(f"sqlite:///{tmp_path / 'settings.sqlite3'}"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest) -> cs.SqlSettingsStore:
    engine: Engine = request.getfixturevalue(request.param)
    clear_tables(engine)
    return cs.SqlSettingsStore(engine)


def test_a_group_is_stored_read_back_and_replaced(settings: cs.SqlSettingsStore) -> None:
    assert settings.get("company") is None
    assert settings.updated_at("company") is None
    settings.put("company", {"name": "Pixel & Co", "notify": ["office@pixel.example"]}, at=T0)
    assert settings.get("company") == {"name": "Pixel & Co", "notify": ["office@pixel.example"]}
    assert settings.updated_at("company") == T0
    later = T0 + dt.timedelta(hours=1)
    settings.put("company", {"name": "Pixel"}, at=later)
    assert settings.get("company") == {"name": "Pixel"}
    assert settings.updated_at("company") == later
    settings.put("demo", ["a", "b"], at=T0)
    assert settings.get("demo") == ["a", "b"]
    assert settings.delete("demo") is True
    assert settings.delete("demo") is False
    assert settings.get("demo") is None
    assert settings.get("company") == {"name": "Pixel"}


def test_update_changes_what_is_stored_and_a_failing_change_stores_nothing(
    settings: cs.SqlSettingsStore,
) -> None:
    assert settings.update("counter", lambda v: (v or 0) + 1, at=T0) == 1
    assert settings.update("counter", lambda v: v + 1, at=T0) == 2

    def refuse(_: object) -> object:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        settings.update("counter", refuse, at=T0)
    with pytest.raises(ValueError, match="no"):
        settings.update("never", refuse, at=T0)
    assert settings.get("counter") == 2
    assert settings.get("never") is None  # not even the row it locked


def test_concurrent_updates_are_all_kept(settings: cs.SqlSettingsStore) -> None:
    """Eight writers add their own key at once: each reads the others' (none is lost)."""
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            settings.update("company", lambda v: {**(v or {}), f"k{number}": number}, at=T0)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert settings.get("company") == {f"k{n}": n for n in range(8)}


def test_what_cannot_be_stored_is_refused(settings: cs.SqlSettingsStore) -> None:
    with pytest.raises(ValidationError, match="must be JSON-shaped"):
        settings.put("company", {"when": T0}, at=T0)
    with pytest.raises(ValidationError, match="must be JSON-shaped"):
        settings.put("company", {"x": float("nan")}, at=T0)
    with pytest.raises(ValidationError, match="1 to 32 characters"):
        settings.put("x" * 33, 1, at=T0)
    with pytest.raises(ValidationError, match="1 to 32 characters"):
        settings.get("")
    with pytest.raises(ValidationError, match="timezone-aware"):
        settings.put("company", 1, at=T0.replace(tzinfo=None))
    assert settings.get("company") is None


def test_a_value_that_is_not_json_is_told_with_what_to_do(settings: cs.SqlSettingsStore) -> None:
    with settings.engine.begin() as conn:
        conn.execute(
            cs.tables.settings.insert(), {"name": "company", "value": "{oops", "updated_at": T0}
        )
    with pytest.raises(cs.StorageError, match="are not JSON: delete that row"):
        settings.get("company")


def test_the_company_settings_round_trip(settings: cs.SqlSettingsStore) -> None:
    company = CompanySettings(
        name="Bäckerei Müller & Söhne",
        notify=("Büro <buero@mueller.example>", "chef@mueller.example"),
        notice_language="de",
        base_url="https://portal.mueller.example",
        sender_name="Müller Stunden",
        sender_address="stunden@mueller.example",
        smtp_host="smtp.mueller.example",
        smtp_port=2525,
        smtp_tls=SmtpTls.TLS,
        smtp_username="portal",
        smtp_password="geheim",
    )
    settings.put("company", unstructure(company), at=T0)
    assert structure(settings.get("company"), CompanySettings) == company
