"""The Jinja2 subset a custom e-mail template may use, checked before it is saved and enforced
again while it renders.

:func:`check_source` reads a template's source and reports every construct outside the subset:
variables beyond those of its kind, calls, imports, includes, macros, ``autoescape`` blocks,
nested loops, attributes outside :data:`ALLOWED_ATTRIBUTES`, filters and tests outside
:data:`ALLOWED_FILTERS` and :data:`ALLOWED_TESTS`. :func:`environment` is the sandbox the
templates render in. Jinja2 is imported only when one of them runs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_FILTERS",
    "ALLOWED_TESTS",
    "check_source",
    "environment",
]

#: The attributes a template may read: the fields of the rows in ``projects``, ``weeks`` and
#: ``entries``, and those of Jinja2's ``loop``.
ALLOWED_ATTRIBUTES = frozenset(
    {
        "name",
        "hours",
        "label",
        "date",
        "employee",
        "project",
        "description",
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
    }
)

#: The filters a template may use; their arguments must be plain values. None of them can make a
#: text much longer than its input (``join`` and ``replace`` could, exponentially when chained).
ALLOWED_FILTERS = frozenset(
    {
        "capitalize",
        "default",
        "first",
        "last",
        "length",
        "lower",
        "title",
        "trim",
        "truncate",
        "upper",
    }
)

#: The tests a template may use in ``{% if x is ... %}``.
ALLOWED_TESTS = frozenset(
    {
        "defined",
        "undefined",
        "none",
        "number",
        "string",
        "even",
        "odd",
        "divisibleby",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "in",
    }
)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


_ALLOWED_SUMMARY = (
    "templates may use the variables listed for their kind, {% if %}, {% for %} (not nested), "
    "+, -, ~, comparisons and the filters " + _listed(ALLOWED_FILTERS)
)

_FORBIDDEN: Mapping[str, str] = {
    "Call": "calling a function or method",
    "Assign": "{% set %}",
    "AssignBlock": "{% set %}",
    "Import": "{% import %}",
    "FromImport": "{% from ... import %}",
    "Include": "{% include %}",
    "Extends": "{% extends %}",
    "Block": "{% block %}",
    "Macro": "{% macro %}",
    "CallBlock": "{% call %}",
    "FilterBlock": "{% filter %}",
    "With": "{% with %}",
    "Scope": "{% autoescape %}",
    "ScopedEvalContextModifier": "{% autoescape %}",
    "EvalContextModifier": "{% autoescape %}",
    "Mul": "the * operator",
    "Div": "the / operator",
    "FloorDiv": "the // operator",
    "Mod": "the % operator",
    "Pow": "the ** operator",
    "Slice": "slices",
    "Dict": "dict literals",
    "ExprStmt": "{% do %}",
    "Continue": "{% continue %}",
    "Break": "{% break %}",
}


def check_source(
    part: str, source: str, *, kind: str, known: frozenset[str], used: set[str]
) -> Iterator[str]:
    """The problems of ``source``, the ``part`` (subject or body) of a ``kind`` e-mail's template.

    Each problem names the part and line and says what is allowed. ``known`` are the variables
    of the kind; those the source uses are added to ``used`` (all of them when it does not parse,
    so that only the syntax error is reported).
    """
    from jinja2 import TemplateSyntaxError, nodes

    try:
        ast = environment(autoescape=False).parse(source)
    except TemplateSyntaxError as exc:
        yield f"{part}, line {exc.lineno}: syntax error: {exc.message}"
        used.update(known)
        return
    reported: set[str] = set()
    for node, line, bound in _walk(ast, 1, frozenset()):
        if isinstance(node, nodes.Name):
            if node.ctx != "load" or node.name in bound:
                continue
            if node.name in known:
                used.add(node.name)
            elif node.name not in reported:
                reported.add(node.name)
                yield (
                    f"{part}, line {line}: unknown variable {node.name!r}; "
                    f"the {kind} e-mail knows: {_listed(known)}"
                )
        elif isinstance(node, nodes.For) and any(True for _ in node.find_all(nodes.For)):
            yield f"{part}, line {line}: a loop inside a loop is not allowed; {_ALLOWED_SUMMARY}"
        else:
            yield from _check_node(part, line, node)


def _check_node(part: str, line: int, node: nodes.Node) -> Iterator[str]:
    from jinja2 import nodes

    where = f"{part}, line {line}"
    kind = type(node).__name__
    if kind in _FORBIDDEN:
        yield f"{where}: {_FORBIDDEN[kind]} is not allowed; {_ALLOWED_SUMMARY}"
    elif isinstance(node, nodes.Getattr):
        if node.attr not in ALLOWED_ATTRIBUTES:
            yield (
                f"{where}: the attribute {node.attr!r} is not allowed; templates may only read "
                f"{_listed(ALLOWED_ATTRIBUTES)}"
            )
    elif isinstance(node, nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else None
        if not (
            (isinstance(key, int) and not isinstance(key, bool))
            or (isinstance(key, str) and key in ALLOWED_ATTRIBUTES)
        ):
            yield (
                f"{where}: [...] may only hold a whole number or one of "
                f"{_listed(ALLOWED_ATTRIBUTES)}"
            )
    elif isinstance(node, nodes.Filter):
        if node.name not in ALLOWED_FILTERS:
            yield (
                f"{where}: the filter {node.name!r} is not allowed; use one of "
                f"{_listed(ALLOWED_FILTERS)}"
            )
        yield from _plain_arguments(where, f"the filter {node.name!r}", node)
    elif isinstance(node, nodes.Test):
        if node.name not in ALLOWED_TESTS:
            yield (
                f"{where}: the test {node.name!r} is not allowed; use one of "
                f"{_listed(ALLOWED_TESTS)}"
            )
        yield from _plain_arguments(where, f"the test {node.name!r}", node)
    elif isinstance(node, nodes.For) and node.recursive:
        yield f"{where}: recursive loops are not allowed; {_ALLOWED_SUMMARY}"
    elif not isinstance(node, _allowed_nodes()):
        yield f"{where}: {kind} is not allowed; {_ALLOWED_SUMMARY}"


def _plain_arguments(where: str, what: str, node: nodes.Filter | nodes.Test) -> Iterator[str]:
    from jinja2 import nodes

    if node.dyn_args is not None or node.dyn_kwargs is not None:
        yield f"{where}: {what} cannot take *args or **kwargs"
    for arg in (*node.args, *(kw.value for kw in node.kwargs)):
        if not isinstance(arg, nodes.Const):
            yield f"{where}: the arguments of {what} must be plain values such as 'text' or 3"
    for kw in node.kwargs:
        if kw.key == "attribute":
            yield f"{where}: {what} cannot take attribute=...; loop over the rows instead"


@functools.cache
def _allowed_nodes() -> tuple[type[nodes.Node], ...]:
    from jinja2 import nodes

    return (
        nodes.Template,
        nodes.Output,
        nodes.TemplateData,
        nodes.Name,
        nodes.Const,
        nodes.If,
        nodes.For,
        nodes.Compare,
        nodes.Operand,
        nodes.And,
        nodes.Or,
        nodes.Not,
        nodes.Neg,
        nodes.Pos,
        nodes.CondExpr,
        nodes.Concat,
        nodes.Add,
        nodes.Sub,
        nodes.List,
        nodes.Tuple,
        nodes.Keyword,
    )


def _walk(
    node: nodes.Node, line: int, bound: frozenset[str]
) -> Iterator[tuple[nodes.Node, int, frozenset[str]]]:
    """Every node below ``node``, with its line and the loop variables bound where it stands.

    A node without a line takes its parent's. A loop binds its target and ``loop`` in its body
    and condition, not in its ``else`` part.
    """
    from jinja2 import nodes

    def visit(
        child: nodes.Node, scope: frozenset[str]
    ) -> Iterator[tuple[nodes.Node, int, frozenset[str]]]:
        child_line = getattr(child, "lineno", None) or line
        yield child, child_line, scope
        yield from _walk(child, child_line, scope)

    if isinstance(node, nodes.For):
        inner = bound | {"loop"} | {n.name for n in node.target.find_all(nodes.Name)}
        if isinstance(node.target, nodes.Name):
            inner |= {node.target.name}
        yield from visit(node.target, inner)
        yield from visit(node.iter, bound)
        for child in (*node.body, *([node.test] if node.test is not None else [])):
            yield from visit(child, inner)
        for child in node.else_:
            yield from visit(child, bound)
        return
    for child in node.iter_child_nodes():
        yield from visit(child, bound)


@functools.cache
def environment(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    """The sandbox: no globals, only the allowed filters and tests, undefined names fail."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=0,
    )
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in ALLOWED_FILTERS}
    env.tests = {name: env.tests[name] for name in ALLOWED_TESTS}
    return env
