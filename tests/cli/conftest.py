"""The CLI tests' shared database: the demo, prepared once per test by `clientportal demo`."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("click", reason="the CLI needs click (the cli extra)")
pytest.importorskip("sqlalchemy", reason="the CLI needs SQLAlchemy (the sql extra)")

from click.testing import CliRunner

from cli.running import demo_database
from clientportal.cli import main


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    """A demo database prepared by `clientportal demo --no-serve` (its key file signs links)."""
    return demo_database(tmp_path)


@pytest.fixture
def empty_db(tmp_path: Path) -> str:
    """A database with the schema and nothing else (a plain file path, as --db takes it)."""
    path = str(tmp_path / "portal.sqlite3")
    result = CliRunner().invoke(main, ["--db", path, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    return path
