"""docs/host-guide.md: its code blocks run as written, in order, and do what the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).parents[2] / "docs" / "host-guide.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


def test_the_guides_code_submits_hours_and_refuses_to_edit_locked_ones(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_SECRET", "host-guide test key, 32 characters or more: 7f3a9c2e51d8")
    namespace: dict[str, object] = {"__name__": "host_guide"}
    submit, guard = blocks()
    exec(compile(submit, str(GUIDE), "exec"), namespace)
    exec(compile(guard, str(GUIDE), "exec"), namespace)
    assert "entry 1 is pending external: withdraw it" in capsys.readouterr().out
    # The lock follows the decision: rejected hours may be changed again.
    from clientportal import Actor, Party

    service, change, table = namespace["service"], namespace["change_hours"], namespace["my_table"]
    service.approvals.withdraw(["1"], by=Actor(Party.EMPLOYEE, "eva"))  # type: ignore[attr-defined]
    change(table, "1", 5400)  # type: ignore[operator]
    assert table == {"1": 5400, "2": 1800, "3": 1200}
    with pytest.raises(namespace["EntryLocked"]):  # type: ignore[call-overload]
        change(table, "2", 60)  # type: ignore[operator]
