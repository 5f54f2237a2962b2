"""Finding 4 (keys) and finding 15 (key files): a secret key must be long *and* unguessable, no
placeholder from the documentation signs anything, and the CLI keeps its keys out of sight."""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from clientportal.access import AccessCodec
from clientportal.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

#: Keys the tests, benchmarks and screenshots use: realistic, and they must keep working.
REALISTIC = [
    "service-tests-secret-key-0123456789",
    "an-old-secret-key-of-32-characters!",
    "a-new-secret-key-of-32-characters!!",
    "test-secret-key-0123456789abcdef",
    "differential-secret-key-0123456789",
    "kade-signing-key-0123456789abcdef0123456789",
    "journey-secret-key-0123456789abcdef0123",
    "browser-tests-secret-key-0123456789abcdef",
    "contrib-tests-secret-key-0123456789abcdef",
    "screenshots-only-secret-key-0123456789abcdef",
    "benchmark-old-secret-key-0123456789",
    b"a-new-secret-key-of-32-bytes-long!!",
]

WEAK = [
    " " * 16,
    "a" * 16,
    "k" * 32,
    "0123456789abcdef",
    "abcdefghijklmnopqrstuvwxyz",
    "abcabcabcabcabcabcabc",
    "abababababababab",
    "1234123412341234",
    "aaaaaaaabbbbbbbb",
    b"\x00" * 32,
]

PLACEHOLDERS = [
    "a long random secret",
    "a-long-random-secret-from-your-settings",
    "change-me-to-a-long-random-secret",
    "CHANGE-ME-please-0123456789",
    "changeme-changeme-changeme",
    "your-secret-key-here",
    "Your-Secret-Key-Here-2024",
    "replace-me-with-a-real-key",
    "my-super-secret-key-12345",
]


@pytest.mark.parametrize("key", REALISTIC)
def test_finding_4_realistic_keys_still_sign(key: str | bytes) -> None:
    """Finding 4: the stricter rule keeps every realistic key working."""
    AccessCodec(key)


def test_finding_4_generated_keys_always_pass() -> None:
    """Finding 4: what the errors recommend (and any 16 random bytes) always passes."""
    for _ in range(300):
        AccessCodec([secrets.token_urlsafe(32), secrets.token_hex(16), os.urandom(16)])
        AccessCodec(secrets.token_urlsafe(12))  # 16 characters


@pytest.mark.parametrize("key", WEAK, ids=lambda k: repr(k)[:20])
def test_finding_4_long_but_guessable_keys_are_refused(key: str | bytes) -> None:
    """Finding 4: 16 spaces, one letter repeated, a run or a repeated pattern are refused."""
    with pytest.raises(ConfigError) as caught:
        AccessCodec(key)
    message = str(caught.value)
    assert "secret key 1 of 1" in message
    assert "secrets.token_urlsafe(32)" in message


@pytest.mark.parametrize("key", PLACEHOLDERS)
def test_finding_4_placeholders_are_refused(key: str) -> None:
    """Finding 4: placeholders from documentation are refused, in any case, also inside a key."""
    with pytest.raises(ConfigError, match="placeholder") as caught:
        AccessCodec([secrets.token_urlsafe(32), key])
    message = str(caught.value)
    assert "secret key 2 of 2" in message
    assert "secrets.token_urlsafe(32)" in message
    assert key not in message


def test_finding_4_errors_name_every_bad_key_and_never_show_it() -> None:
    """Finding 4: each weak key is named by its position, none is quoted."""
    good = secrets.token_urlsafe(32)
    with pytest.raises(ConfigError) as caught:
        AccessCodec(["0123456789abcdef", good, " " * 20])
    message = str(caught.value)
    assert "secret key 1 of 3" in message
    assert "secret key 3 of 3" in message
    assert "secret key 2" not in message
    assert "0123456789abcdef" not in message
    assert good not in message


def _documented_literal_keys() -> list[tuple[str, str]]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "examples").rglob("*.py"))
    literal = re.compile(r"secret_keys\s*=\s*\[?\s*(?:b?[\"'])([^\"']*)[\"']")
    found = []
    for file in files:
        for match in literal.finditer(file.read_text(encoding="utf-8")):
            found.append((str(file.relative_to(ROOT)), match.group(1)))
    return found


def test_finding_4_readme_docs_and_examples_show_no_literal_key() -> None:
    """Finding 4: the documentation reads the key from the environment or generates one."""
    assert _documented_literal_keys() == []


# --------------------------------------------------------------------------------------------------
# Finding 15: key files and the command line


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    from clientportal.cli import main

    result = CliRunner().invoke(main, list(args), env=env or {})
    return result.exit_code, result.output


def test_finding_15_the_key_file_is_never_written_through_a_planted_symlink(
    tmp_path: Path,
) -> None:
    """Finding 15: the demo's key file is created exclusively (O_EXCL, mode 0600 from the start),
    so a symlink planted where it goes is refused, not followed."""
    target = tmp_path / "elsewhere.txt"
    db = tmp_path / "demo.sqlite3"
    (tmp_path / "demo.sqlite3.keys").symlink_to(target)
    code, out = _cli("demo", "--db", str(db), "--no-serve")
    assert code != 0
    assert not target.exists()
    assert "demo.sqlite3.keys" in out


def test_finding_15_the_demo_key_file_is_private_even_with_a_lax_umask(tmp_path: Path) -> None:
    """Finding 15: with umask 000 the key file is still readable by its owner only."""
    db = tmp_path / "demo.sqlite3"
    old = os.umask(0)
    try:
        code, out = _cli("demo", "--db", str(db), "--no-serve")
    finally:
        os.umask(old)
    assert code == 0, out
    mode = stat.S_IMODE((tmp_path / "demo.sqlite3.keys").stat().st_mode)
    assert mode == 0o600


def _db(tmp_path: Path) -> str:
    from clientportal.sql import upgrade

    db = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    upgrade(db)
    return db


def _key_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "portal.keys"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_finding_15_keys_come_from_a_file_oldest_first(tmp_path: Path) -> None:
    """Finding 15: --secret-key-file reads one key per line (oldest first) and the keys work."""
    db = _db(tmp_path)
    old, new = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    keys = _key_file(tmp_path, f"{old}\n\n{new}\n")
    code, out = _cli("--db", db, "--secret-key-file", str(keys), "approvals", "history", "e1")
    assert code == 0, out
    assert old not in out
    assert new not in out


@pytest.mark.parametrize(
    ("text", "mode", "expected"),
    [
        (None, 0o600, "does not exist"),
        ("\n \n", 0o600, "holds no key"),
        ("KEY", 0o644, "chmod 600"),
    ],
)
def test_finding_15_a_bad_key_file_is_refused_clearly(
    tmp_path: Path, text: str | None, mode: int, expected: str
) -> None:
    """Finding 15: a key file that is missing, empty or readable by others is refused, named."""
    db = _db(tmp_path)
    if text is None:
        path = tmp_path / "portal.keys"
    else:
        path = _key_file(tmp_path, text.replace("KEY", secrets.token_urlsafe(32)), mode)
    code, out = _cli("--db", db, "--secret-key-file", str(path), "approvals", "history", "e1")
    assert code != 0
    assert expected in out
    assert str(path) in out


def test_finding_15_a_weak_key_in_the_file_is_refused_by_position(tmp_path: Path) -> None:
    """Finding 15 with finding 4: the file's keys go through the same rule."""
    db = _db(tmp_path)
    path = _key_file(tmp_path, f"{secrets.token_urlsafe(32)}\nchange-me-to-a-long-random-secret\n")
    code, out = _cli("--db", db, "--secret-key-file", str(path), "approvals", "history", "e1")
    assert code != 0
    assert "secret key 2 of 2" in out


def test_finding_15_the_secret_key_option_warns_about_ps() -> None:
    """Finding 15: --secret-key still works, and its help says the key shows in `ps`."""
    code, out = _cli("--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "--secret-key-file" in flat
    assert "ps" in flat.split("--secret-key TEXT", 1)[1].split("--secret-key-file", 1)[0]
