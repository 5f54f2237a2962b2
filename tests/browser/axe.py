"""axe-core in the browser tests: inject ``axe.min.js`` into a page, run the WCAG 2.2 A/AA rules,
and describe what it found so a failing test says which rule, where and how to fix it.

axe-core comes from npm (``package.json`` at the repository root; ``npm ci`` puts it in
``node_modules/``). Without it the accessibility tests skip with that hint, except under
``CI=true``, where they fail (``.ci/run`` installs it).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from attrs import frozen

from chromium import unavailable

#: Where ``npm ci`` puts axe-core.
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: The rule sets run: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

_RUN = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'],
    });
    return results.violations.map(v => ({
        id: v.id, impact: v.impact || 'unknown', help: v.help, url: v.helpUrl,
        nodes: v.nodes.map(n => ({
            target: n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : String(t)),
            summary: n.failureSummary || '',
            html: n.html,
        })),
    }));
}"""


@functools.cache
def axe_source() -> str:
    """The text of ``axe.min.js`` (skips, or fails under CI, when it is not installed)."""
    if not AXE_SCRIPT.is_file():
        unavailable(
            f"axe-core is not installed ({AXE_SCRIPT} is missing): run `npm ci` in the "
            "repository root (needs Node.js and npm)"
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


@frozen
class Violation:
    """One axe rule that failed, with every element it failed on."""

    rule: str
    impact: str
    help: str
    url: str
    nodes: tuple[tuple[tuple[str, ...], str, str], ...]  # (target selectors, summary, html)

    def describe(self) -> str:
        """Rule id, impact, what the rule asks, then each element: selectors and why."""
        lines = [f"{self.rule} ({self.impact}): {self.help} <{self.url}>"]
        for target, summary, html in self.nodes:
            lines.append(f"  - at {', '.join(target)}")
            lines.append(f"    html: {html[:200]}")
            lines += [f"    {line.strip()}" for line in summary.splitlines() if line.strip()]
        return "\n".join(lines)


def run_axe(page: Any) -> list[Violation]:
    """The WCAG 2.2 A/AA violations on ``page`` as it is now (axe is injected first; the
    injection goes through the DevTools protocol, so the portal's CSP does not block it)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = page.evaluate(_RUN, list(WCAG_TAGS))
    return [
        Violation(
            v["id"],
            v["impact"],
            v["help"],
            v["url"],
            tuple((tuple(n["target"]), n["summary"], n["html"]) for n in v["nodes"]),
        )
        for v in found
    ]


def report(where: str, violations: list[Violation]) -> str:
    """A failure message: how many rules failed on ``where``, then each described."""
    head = f"axe found {len(violations)} WCAG 2.2 A/AA violation(s) on {where}:"
    return "\n".join([head, *(v.describe() for v in violations)])
