"""The mutations of ``tools/mutants.py``: find every mutant of a module and write it.

:func:`find_mutants` walks a module's syntax tree and returns one :class:`Mutant` per small change
(the list is in ``tools/mutants.py``'s docstring); :func:`mutated_source` writes a module with one
mutant applied. Pure functions of the source text: running the tests is ``tools/mutants.py``'s.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """One change: where (``file``, line, column, enclosing ``scope``), what (``description``),
    and how to make it (``path``: the field/index steps from the module to the node replaced,
    ``index``: which of that node's replacements)."""

    file: str
    line: int
    col: int
    scope: str
    description: str
    path: tuple[tuple[str, int | None], ...]
    index: int
    key: str = ""


_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.BitXor: ast.BitOr,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
#: Parents under which a string constant is data (compared, or a member of a collection).
_DATA_PARENTS = (ast.Compare, ast.Set, ast.List, ast.Tuple, ast.Dict)
#: Fields never entered: annotations are not evaluated (``from __future__ import annotations``).
_SKIPPED_FIELDS = frozenset({"annotation", "returns", "decorator_list", "type_comment"})


def _replacements(node: ast.AST, parent: ast.AST | None, last: bool) -> list[tuple[str, ast.AST]]:
    """The mutations of ``node`` (``parent`` holds it; ``last``: it ends its function's body),
    each as (operator name, the node that replaces it)."""
    out: list[tuple[str, ast.AST]] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swapped = _COMPARE_SWAPS.get(type(op))
            if swapped is not None:
                new = copy.deepcopy(node)
                new.ops[i] = swapped()
                out.append(("compare", new))
    elif isinstance(node, ast.BoolOp):
        other = copy.deepcopy(node)
        other.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(("boolean", other))
    elif isinstance(node, ast.BinOp | ast.AugAssign):
        swapped_op = _BINOP_SWAPS.get(type(node.op))
        if swapped_op is not None:
            changed = copy.deepcopy(node)
            changed.op = swapped_op()
            out.append(("arithmetic", changed))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        out.append(("drop-not" if isinstance(node.op, ast.Not) else "drop-minus", node.operand))
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            out.append(("constant", ast.Constant(not value)))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(("constant", ast.Constant(value + 1)))
        elif isinstance(value, str) and isinstance(parent, _DATA_PARENTS):
            out.append(("constant", ast.Constant(f"XX{value}XX")))
    elif isinstance(node, ast.Return):
        if node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            out.append(("return-none", ast.Return(ast.Constant(None))))
        if not last:
            out.append(("delete", ast.Pass()))
    elif isinstance(node, ast.Raise | ast.Continue | ast.Break) or (
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ):
        out.append(("delete", ast.Pass()))
    if isinstance(node, ast.If | ast.While | ast.IfExp) and _bare(node.test):
        negated = copy.deepcopy(node)
        negated.test = ast.UnaryOp(ast.Not(), negated.test)
        out.append(("negate", negated))
    return out


def _bare(test: ast.expr) -> bool:
    """A condition whose negation no other mutation makes (not a comparison, not ``not x``)."""
    return not isinstance(test, ast.Compare | ast.UnaryOp)


def _is_docstring(node: ast.AST, parent: ast.AST | None, position: int | None) -> bool:
    return (
        position == 0
        and isinstance(parent, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _left_alone(node: ast.AST) -> bool:
    """Imports, ``__all__``, ``if TYPE_CHECKING:`` and type aliases are not behaviour."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return True
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
    ):
        return True
    if isinstance(node, ast.If) and isinstance(node.test, ast.Name):
        return node.test.id == "TYPE_CHECKING"
    return (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.annotation, ast.Name)
        and node.annotation.id == "TypeAlias"
    )


def find_mutants(file: str, source: str) -> list[Mutant]:
    """Every mutant of the module ``file`` (relative to ``src/``) whose text is ``source``."""
    tree = ast.parse(source)
    found: list[Mutant] = []

    def visit(
        node: ast.AST,
        parent: ast.AST | None,
        path: tuple[tuple[str, int | None], ...],
        scope: tuple[str, ...],
        last: bool,
    ) -> None:
        if _left_alone(node):
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = (*scope, node.name)
        for index, (operator, replacement) in enumerate(_replacements(node, parent, last)):
            before = ast.unparse(node).splitlines()[0]
            after = ast.unparse(replacement).splitlines()[0] if replacement else ""
            found.append(
                Mutant(
                    file=file,
                    line=getattr(node, "lineno", 0),
                    col=getattr(node, "col_offset", 0),
                    scope=".".join(scope) or "<module>",
                    description=f"{operator}: `{_short(before)}` -> `{_short(after)}`",
                    path=path,
                    index=index,
                )
            )
        for name, value in ast.iter_fields(node):
            if name in _SKIPPED_FIELDS:
                continue
            if isinstance(value, ast.JoinedStr):
                continue  # messages: not mutated
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if not isinstance(child, ast.AST) or _is_docstring(child, node, i):
                        continue
                    if isinstance(child, ast.JoinedStr):
                        continue
                    ends_body = (
                        name == "body"
                        and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                        and i == len(value) - 1
                    )
                    visit(child, node, (*path, (name, i)), scope, ends_body)
            elif isinstance(value, ast.AST):
                visit(value, node, (*path, (name, None)), scope, False)

    visit(tree, None, (), (), False)
    seen: Counter[str] = Counter()
    keyed = []
    for m in found:
        base = f"{m.scope}: {m.description}"
        seen[base] += 1
        key = base if seen[base] == 1 else f"{base} #{seen[base]}"
        keyed.append(Mutant(**{**m.__dict__, "key": key}))
    return keyed


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mutated_source(source: str, mutant: Mutant) -> str:
    """``source`` with ``mutant`` applied."""
    tree = ast.parse(source)
    holder: ast.AST = tree
    for name, index in mutant.path[:-1]:
        child = getattr(holder, name)
        holder = child[index] if index is not None else child
    name, index = mutant.path[-1]
    node = getattr(holder, name)[index] if index is not None else getattr(holder, name)
    parent_node = holder
    last = False
    if index is not None and name == "body":
        last = (
            isinstance(parent_node, ast.FunctionDef | ast.AsyncFunctionDef)
            and index == len(getattr(parent_node, name)) - 1
        )
    replacement = _replacements(node, parent_node, last)[mutant.index][1]
    if index is not None:
        getattr(holder, name)[index] = replacement
    else:
        setattr(holder, name, replacement)
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
