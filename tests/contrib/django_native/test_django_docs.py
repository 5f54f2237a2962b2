"""docs/django.md shows tested code as it is, is in the guide, and documents every module of
the Django integration."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "django.md"
SNIPPET = re.compile(r"<!-- example: (\S+) -->\n```python\n(.*?)```", re.S)
PACKAGE = ROOT / "src" / "clientportal" / "contrib" / "django"


def test_every_python_block_is_found_verbatim_in_the_file_it_names() -> None:
    text = DOC.read_text(encoding="utf-8")
    snippets = SNIPPET.findall(text)
    assert len(re.findall(r"```python\n", text)) == len(snippets) >= 6
    for name, code in snippets:
        source = (ROOT / name).read_text(encoding="utf-8")
        body = textwrap.dedent(code)
        assert any(textwrap.indent(body, i) in source for i in ("", "    ", "        ")), (
            f"docs/django.md has a snippet of {name} that is not in it:\n{code}"
        )


def test_the_page_is_in_the_guide_and_documents_every_public_module() -> None:
    assert "\ndjango\n" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"automodule:: clientportal\.contrib\.django\.([\w.]+)", text))
    modules = {
        p.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and p.name != "__init__.py"
    }
    # views and urls are in api.md, signals in events.md, mapping.queries is private.
    assert documented == modules - {"views", "urls", "signals", "mapping.queries"}
