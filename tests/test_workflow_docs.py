"""docs/workflow.md shows the diagrams ``to_mermaid`` draws from the transition table.

The diagrams in the doc sit between ``<!-- to_mermaid(Workflow.X) -->`` and
``<!-- /to_mermaid -->``. After changing the table, regenerate them with::

    .venv/bin/python tests/test_workflow_docs.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from clientportal import Workflow, to_mermaid
from clientportal.workflow import AUTO_FORWARD, TRANSITIONS

DOC = Path(__file__).resolve().parent.parent / "docs" / "workflow.md"
BLOCK = re.compile(
    r"(?P<open><!-- to_mermaid\(Workflow\.(?P<name>[A-Z_]+)\) -->\n```mermaid\n)"
    r"(?P<body>.*?)"
    r"(?P<close>```\n<!-- /to_mermaid -->)",
    re.DOTALL,
)


def generated_blocks(markdown: str) -> dict[str, str]:
    """The diagram in each generated block of ``markdown``, by workflow name."""
    return {m["name"]: m["body"] for m in BLOCK.finditer(markdown)}


def regenerate(markdown: str) -> str:
    """``markdown`` with every generated block redrawn by ``to_mermaid``."""
    return BLOCK.sub(lambda m: m["open"] + to_mermaid(Workflow[m["name"]]) + m["close"], markdown)


def test_docs_show_every_workflows_diagram_as_to_mermaid_draws_it() -> None:
    blocks = generated_blocks(DOC.read_text(encoding="utf-8"))
    assert sorted(blocks) == sorted(w.name for w in Workflow)
    stale = [name for name, body in blocks.items() if body != to_mermaid(Workflow[name])]
    assert not stale, (
        f"the diagrams of {', '.join(stale)} in {DOC.name} are out of date: "
        "run `.venv/bin/python tests/test_workflow_docs.py`"
    )


def test_regenerate_redraws_a_stale_block_and_keeps_the_prose() -> None:
    stale = (
        "Intro.\n<!-- to_mermaid(Workflow.EXTERNAL) -->\n```mermaid\nold\n```\n"
        "<!-- /to_mermaid -->\nOutro.\n"
    )
    fresh = regenerate(stale)
    assert fresh.startswith("Intro.\n")
    assert fresh.endswith("Outro.\n")
    assert generated_blocks(fresh) == {"EXTERNAL": to_mermaid(Workflow.EXTERNAL)}


def test_mermaid_diagram_has_one_arrow_per_step_of_the_table() -> None:
    for workflow, steps in TRANSITIONS.items():
        lines = to_mermaid(workflow).splitlines()
        assert lines[0] == "stateDiagram-v2"
        arrows = [line.strip() for line in lines if "-->" in line and "[*]" not in line]
        assert len(arrows) == len(steps)
        for step, arrow in zip(steps, arrows, strict=True):
            assert arrow.startswith(f"{step.source.name} --> {step.target.name}: ")
            assert step.action.name.lower() in arrow
            assert all(party.name.lower() in arrow for party in step.parties)


def test_mermaid_diagram_notes_the_auto_forward_where_it_applies() -> None:
    for workflow in Workflow:
        has_parked_status = any(s.source in AUTO_FORWARD for s in TRANSITIONS[workflow])
        assert ("auto_forward=True" in to_mermaid(workflow)) == has_parked_status
    assert "note right of INTERNALLY_APPROVED" in to_mermaid(Workflow.INTERNAL_EXTERNAL)


if __name__ == "__main__":
    before = DOC.read_text(encoding="utf-8")
    after = regenerate(before)
    if after != before:
        DOC.write_text(after, encoding="utf-8")
    sys.stdout.write(f"{DOC}: {'updated' if after != before else 'up to date'}\n")
