"""The adapters are import-guarded, and nothing outside them imports a web framework."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

FRAMEWORKS = ("flask", "werkzeug", "fastapi", "starlette", "django", "uvicorn", "waitress")


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("adapter", "blocked", "extra"),
    [
        ("flask", "flask", "flask"),
        ("fastapi", "starlette", "fastapi"),
        ("django", "django", "django"),
    ],
)
def test_a_missing_framework_names_the_extra_to_install(
    adapter: str, blocked: str, extra: str
) -> None:
    result = run(
        f"""
        import sys
        sys.modules[{blocked!r}] = None  # as if it were not installed
        try:
            import clientportal.contrib.{adapter}
        except ImportError as error:
            print(error)
        else:
            print("imported")
        """
    )
    assert result.returncode == 0, result.stderr
    assert f"pip install 'clientportal[{extra}]'" in result.stdout
    assert f"clientportal.contrib.{adapter} needs" in result.stdout


def test_the_library_and_its_web_core_import_no_framework() -> None:
    result = run(
        f"""
        import sys
        import clientportal, clientportal.web, clientportal.service
        print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))
        print("clientportal.contrib" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "False"]
