"""docs/web.md stays true: its example runs and serves a portal, and its route tables list
exactly the app's routes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from webtools import WsgiClient

DOC = Path(__file__).parents[2] / "docs" / "web.md"


def _example() -> dict[str, Any]:
    text = DOC.read_text()
    (code,) = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    namespace: dict[str, Any] = {"__name__": "docs_web_example"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


def test_the_mounting_example_serves_the_portal(capsys: Any) -> None:
    example = _example()
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("https://hours.example.com/portal/l/")
    path = printed.removeprefix("https://hours.example.com")
    client = WsgiClient(example["wsgi_app"])
    page = client.get(path, follow=True)
    assert page.status == 200
    assert "Example Co" in page.text
    assert '<html lang="en">' in page.text


def _table(marker: str) -> set[tuple[str, str]]:
    text = DOC.read_text()
    block = text[text.index(f"<!-- routes: {marker} -->") :].split("\n\n", 1)[0]
    return set(re.findall(r"^\| (GET|POST) \| `([^`]+)` \|", block, re.MULTILINE))


def test_the_route_tables_list_every_route() -> None:
    example = _example()
    app = example["wsgi_app"].portal_app
    html = {(r.method, r.pattern) for r in app.routes if not r.api and not r.name.endswith("_mail")}
    api = {(r.method, r.pattern) for r in app.routes if r.api}
    assert _table("html") == html
    assert _table("api") == api
