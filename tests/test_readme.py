"""The README's examples run: the view example prints what its comment says, the mount example
builds a working WSGI app."""

from __future__ import annotations

import contextlib
import io
import re
import secrets
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def block_with(text: str) -> str:
    return next(b for b in BLOCKS if text in b)


def test_readme_view_example_prints_what_it_promises() -> None:
    example = block_with("portal_view(portal, data)")
    promised = re.search(r"# (\[.*\])$", example, re.M)
    assert promised is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, "README.md", "exec"), {})
    assert out.getvalue().strip() == promised.group(1)


def test_readme_mount_example_builds_a_wsgi_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sqlalchemy", reason="the mount example needs the sql extra")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTAL_SECRET", secrets.token_urlsafe(32))
    namespace: dict[str, object] = {}
    exec(compile(block_with("make_wsgi_app"), "README.md", "exec"), namespace)
    app = namespace["portal_app"]
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/portal/l/not-a-token", "SCRIPT_NAME": "",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
    }  # fmt: skip
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))  # type: ignore[operator]
    assert statuses == ["404 Not Found"]
    assert body
    assert (tmp_path / "clientportal.sqlite3").exists()
