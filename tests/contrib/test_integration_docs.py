"""docs/integration.md shows the examples' code as it is: every snippet marked with an example
file is found in that file, line for line (the examples themselves run in
test_examples_servers.py)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integration.md"
SNIPPET = re.compile(r"<!-- example: (\S+) -->\n```python\n(.*?)```", re.S)


def snippets() -> list[tuple[str, str]]:
    return SNIPPET.findall(DOC.read_text(encoding="utf-8"))


def test_every_python_block_names_its_example() -> None:
    blocks = re.findall(r"```python\n", DOC.read_text(encoding="utf-8"))
    assert len(blocks) == len(snippets()) >= 8


def test_every_snippet_is_the_examples_code_verbatim() -> None:
    for name, code in snippets():
        source = (ROOT / name).read_text(encoding="utf-8")
        body = textwrap.dedent(code)
        indents = ("", "    ", "        ")
        assert any(textwrap.indent(body, i) in source for i in indents), (
            f"docs/integration.md has a snippet of {name} that is not in it:\n{code}"
        )


def test_each_framework_has_its_section_and_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    for heading in ("## Plain WSGI", "## Flask", "## FastAPI and Starlette", "## Django"):
        assert heading in text
    named = {name for name, _ in snippets()}
    assert named >= {
        "examples/wsgi_app.py",
        "examples/flask_app.py",
        "examples/fastapi_app.py",
        "examples/django_app/urls.py",
    }
