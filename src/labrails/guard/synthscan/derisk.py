"""Which branches run only in a de-risk (smoke, debug, synthetic) run or only when real data is missing."""

from __future__ import annotations

import ast

from labrails.guard.synthscan.astutil import _last_name
from labrails.guard.synthscan.vocabulary import _derisk_text


def _mentions(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            text = sub.id
        elif isinstance(sub, ast.Attribute):
            text = sub.attr
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            text = sub.value
        elif isinstance(sub, ast.keyword) and sub.arg:
            text = sub.arg
        else:
            continue
        if _derisk_text(text):
            return True
    return False


def _literal_strings(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts:
        out = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return out if len(out) == len(node.elts) else None
    return None


def _compare_derisk(node: ast.Compare) -> bool:
    # `profile in ("de-risk", "full")` also runs for the full profile, so every literal must be de-risk.
    operands = [node.left, *node.comparators]
    literals = [s for op in operands for s in (_literal_strings(op) or [])]
    if literals and any(_derisk_text(s) for s in literals):
        return all(_derisk_text(s) for s in literals)
    others = [op for op in operands if _literal_strings(op) is None]
    return any(_mentions(op) for op in others)


def _polarity(test: ast.AST) -> tuple[bool, bool]:
    """(true branch runs only in de-risk, false branch runs only in de-risk)."""
    if isinstance(test, ast.BoolOp):
        parts = [_polarity(v) for v in test.values]
        if isinstance(test.op, ast.And):
            return any(p[0] for p in parts), all(p[1] for p in parts)
        return all(p[0] for p in parts), any(p[1] for p in parts)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        pos, neg = _polarity(test.operand)
        return neg, pos
    if isinstance(test, ast.Compare):
        if not _compare_derisk(test):
            return False, False
        op = test.ops[0]
        negated = isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn))
        right = test.comparators[0]
        # `args.smoke == False` / `args.debug is None` test for the flag being off.
        if (
            isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot))
            and isinstance(right, ast.Constant)
            and not isinstance(right.value, str)
            and not right.value
        ):
            negated = not negated
        return not negated, negated
    if isinstance(test, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)) and _mentions(test):
        return True, False
    return False, False


def _is_main_guard(test: ast.AST) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
        and isinstance(test.ops[0], ast.Eq)
    )


def _exists_fallback(test: ast.AST) -> tuple[bool, bool]:
    """`if not os.path.exists(p):` guards the branch that runs when real data is missing."""

    def is_exists(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and _last_name(node.func) in (
            "exists", "isfile", "is_file", "isdir", "is_dir"
        )

    def is_missing(node: ast.AST) -> bool:
        return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and is_exists(node.operand)

    if is_missing(test):
        return True, False
    if is_exists(test):
        return False, True
    # `if args.dummy or not os.path.isdir(root):` also fabricates whenever the data is missing.
    if isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.Or) and any(is_missing(v) for v in test.values):
            return True, False
        if isinstance(test.op, ast.And) and any(is_exists(v) for v in test.values):
            return False, True
    return False, False


def _pattern_derisk(pattern: ast.AST, subject_mentions: bool) -> bool:
    if isinstance(pattern, ast.MatchValue):
        value = pattern.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return _derisk_text(value.value)
        return _mentions(value)
    if isinstance(pattern, ast.MatchSingleton):
        return pattern.value is True and subject_mentions
    if isinstance(pattern, ast.MatchOr):
        return all(_pattern_derisk(p, subject_mentions) for p in pattern.patterns)
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        return _pattern_derisk(pattern.pattern, subject_mentions)
    return False
