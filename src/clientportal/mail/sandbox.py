"""The Jinja2 subset a custom e-mail template may use, checked before it is saved and enforced
again while it renders.

:func:`check_source` reads a template's source and reports every construct outside the subset:
variables beyond those of its kind, calls, imports, includes, macros, ``autoescape`` blocks,
nested loops, attributes outside :data:`ALLOWED_ATTRIBUTES` (and any attribute of a plain variable
such as ``entries.index``), filters and tests outside :data:`ALLOWED_FILTERS` and
:data:`ALLOWED_TESTS`, nesting deeper than :data:`MAX_NESTING`, and what does not compile.
:func:`environment` is the sandbox the templates render in. Jinja2 is imported only when one of
them runs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_FILTERS",
    "ALLOWED_TESTS",
    "MAX_NESTING",
    "check_source",
    "environment",
]

#: How deeply blocks, brackets and operators may nest in a template (a real one needs a few).
MAX_NESTING = 40

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
    of the kind; those the source uses are added to ``used`` (all of them when it does not parse
    or nests more than :data:`MAX_NESTING` levels deep, so that only that is reported). A source
    without other problems is compiled, so what cannot compile is refused now, not at sending.
    """
    from jinja2 import TemplateSyntaxError

    ast: nodes.Template | None
    try:
        ast = environment(autoescape=False).parse(source)
    except TemplateSyntaxError as exc:
        yield f"{part}, line {exc.lineno}: syntax error: {exc.message}"
        used.update(known)
        return
    except RecursionError:
        ast = None
    if ast is None or _depth(ast) > MAX_NESTING:
        yield _too_deep(part)
        used.update(known)
        return
    problems = list(_node_problems(part, ast, kind=kind, known=known, used=used))
    yield from problems
    if not problems:
        yield from _compile_problems(part, source)


def _too_deep(part: str) -> str:
    return (
        f"{part}: nested too deeply (blocks, brackets or operators more than {MAX_NESTING} "
        "levels inside each other); write it flatter"
    )


def _depth(ast: nodes.Node) -> int:
    """How deep the tree under ``ast`` goes (without recursion: the tree may be very deep)."""
    deepest = 0
    stack = [(ast, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _compile_problems(part: str, source: str) -> Iterator[str]:
    """Compile ``source`` as both renderings will: what Jinja2 or Python refuse at compile
    time is reported now, not when the e-mail is sent."""
    from jinja2 import TemplateError, TemplateSyntaxError

    for autoescape in (False, True):
        try:
            environment(autoescape=autoescape).compile(source)
        except TemplateSyntaxError as exc:  # also TemplateAssertionError
            yield f"{part}, line {exc.lineno}: cannot be compiled: {exc.message}"
            return
        except (TemplateError, SyntaxError, ValueError) as exc:
            yield f"{part}: cannot be compiled: {exc}"
            return
        except RecursionError:
            yield _too_deep(part)
            return


def _node_problems(
    part: str, ast: nodes.Node, *, kind: str, known: frozenset[str], used: set[str]
) -> Iterator[str]:
    from jinja2 import nodes

    reported: set[str] = set()
    for node, line, bound in _walk(ast, 1, frozenset()):
        if _reads_a_plain_variable(node, bound, known):
            yield _no_attributes(part, line, node)
        elif isinstance(node, nodes.Name):
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


def _reads_a_plain_variable(node: nodes.Node, bound: frozenset[str], known: frozenset[str]) -> bool:
    """``entries.index``, ``contact_name.upper``, ``weeks['index']``: an attribute or key of a
    variable of the kind (text, a number, a table or rows), which has none to read; only the
    rows of a loop (and ``loop``) and an item (``weeks[0]``) do."""
    from jinja2 import nodes

    if isinstance(node, nodes.Getitem):
        if not isinstance(node.arg, nodes.Const) or not isinstance(node.arg.value, str):
            return False
    elif not isinstance(node, nodes.Getattr):
        return False
    target = node.node
    return isinstance(target, nodes.Name) and target.name in known and target.name not in bound


def _no_attributes(part: str, line: int, node: nodes.Node) -> str:
    name = getattr(getattr(node, "node", None), "name", "?")
    return (
        f"{part}, line {line}: {name!r} has no attributes to read; show it as {{{{ {name} }}}}, "
        f"or loop over its rows: {{% for row in {name} %}}{{{{ row.name }}}}{{% endfor %}}"
    )


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
    """The sandbox: no globals, only the allowed filters and tests, undefined names fail, and a
    method read as an attribute (``x.index``) is undefined too, so it fails instead of showing
    its ``<built-in method ...>`` repr."""
    from jinja2 import StrictUndefined, Undefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        def getattr(self, obj: Any, attribute: str) -> Any:
            return self._data(obj, attribute, super().getattr(obj, attribute))

        def getitem(self, obj: Any, argument: Any) -> Any:
            return self._data(obj, argument, super().getitem(obj, argument))

        def _data(self, obj: Any, name: Any, value: Any) -> Any:
            if callable(value) and not isinstance(value, Undefined):
                return self.undefined(obj=obj, name=str(name))
            return value

    env = Sandbox(
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
