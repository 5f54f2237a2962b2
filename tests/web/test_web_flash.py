"""The one-time flash (web/flash.py): signed for one visitor, short-lived, always fits a cookie,
and only names texts the pages have."""

from __future__ import annotations

import hashlib
import time

import pytest

from clientportal.web.flash import (
    FLASH_MAX_AGE,
    MAX_FLASH_BYTES,
    Flash,
    Notice,
    dump_flash,
    load_flash,
)

KEY = "csrf-token-of-one-session"


def test_a_flash_round_trips_under_its_key_only() -> None:
    flash = Flash(
        notices=[Notice("approved_count", 2), Notice("not_decided", level="warning")],
        error="reason_required",
        typed="Zu viele Stunden für die Änderung 🙂",
        selected=["p1", "id with spaces", "ü/ä"],
        focus="entry:p1",
    )
    value = dump_flash(flash, KEY)
    assert len(value) <= MAX_FLASH_BYTES
    assert value.isascii()
    assert ";" not in value
    assert " " not in value
    assert load_flash(value, KEY) == flash
    assert load_flash(value, "the-token-of-another-session") is None
    assert load_flash(value[:-2] + "xx", KEY) is None
    assert load_flash("not a flash", KEY) is None
    assert load_flash("x" * (MAX_FLASH_BYTES + 1), KEY) is None


def test_a_flash_older_than_its_max_age_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    value = dump_flash(Flash(notices=[Notice("approved_count", 1)]), KEY)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + FLASH_MAX_AGE - 5)
    assert load_flash(value, KEY) is not None
    monkeypatch.setattr(time, "time", lambda: now + FLASH_MAX_AGE + 5)
    assert load_flash(value, KEY) is None


def test_what_the_visitor_typed_is_shortened_until_the_flash_fits_a_cookie() -> None:
    long_text = "".join(
        chr(0x1F600 + (i * 7919) % 80) + chr(0x4E00 + (i * 104729) % 20000) for i in range(2000)
    )
    flash = Flash(
        error="reason_too_long", typed=long_text, selected=[f"entry-{i}" for i in range(50)]
    )
    value = dump_flash(flash, KEY)
    assert len(value) <= MAX_FLASH_BYTES
    back = load_flash(value, KEY)
    assert back is not None
    assert back.error == "reason_too_long"
    assert back.typed
    assert long_text.startswith(back.typed)
    # Many long ids with a short text: the selection goes, the message stays.
    ids = [
        "".join(hashlib.sha256(f"{i}-{j}".encode()).hexdigest() for j in range(3))
        for i in range(50)
    ]
    back = load_flash(dump_flash(Flash(error="nothing_selected", selected=ids), KEY), KEY)
    assert back == Flash(error="nothing_selected")


def test_a_flash_only_names_texts_of_the_catalog() -> None:
    with pytest.raises(ValueError, match="no-such-text"):
        Notice("no-such-text")
    with pytest.raises(ValueError, match="no-such-text"):
        Flash(error="no-such-text")
    with pytest.raises(ValueError, match="level"):
        Notice("approved_count", 1, "loud")  # type: ignore[arg-type]
