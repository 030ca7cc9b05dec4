"""Small syntax-tree helpers: dotted names, assignment targets, loop bindings, statement walks."""

from __future__ import annotations

import ast
import re


def _children(node: ast.AST):
    # ast.iter_child_nodes goes through a generator per field; this is the hot loop of the scan.
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST) and name != "ctx":
            yield value


def _all_statements(tree: ast.Module) -> list[ast.stmt]:
    """Every statement, nested ones included; expressions are skipped, which keeps the prepass cheap."""
    out: list[ast.stmt] = []
    stack: list[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        out.append(node)
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                for child in reversed(block):
                    if isinstance(child, ast.stmt):
                        stack.append(child)
                    elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                        stack.extend(reversed(child.body))
    return out


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
        return _last_name(node.value)
    if isinstance(node, ast.Call):
        return _last_name(node.func)
    return None


def _target_names(node: ast.AST):
    """(taint key, name shown to the agent) for each assigned name; partial writes are skipped."""
    if isinstance(node, ast.Name):
        yield node.id, node.id
    elif isinstance(node, ast.Attribute):
        yield _dotted(node), node.attr
    elif isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield None, key.value  # df["label"] = ... replaces a whole column
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            yield from _target_names(elt)
    elif isinstance(node, ast.Starred):
        yield from _target_names(node.value)


def _bound_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for elt in node.elts for n in _bound_names(elt)]
    if isinstance(node, ast.Starred):
        return _bound_names(node.value)
    return []


def _is_rangeish(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        name = _last_name(node.func)
        if name in ("range", "arange", "trange"):
            return True
        if name in ("tqdm", "enumerate", "list") and node.args:
            return _is_rangeish(node.args[0])
    return False


def _bind_loop(target: ast.AST, iterable: ast.AST) -> list[tuple[str, ast.AST | None]]:
    """Pair loop names with what they iterate over, looking through zip() and enumerate()."""
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(iterable, ast.Call):
        fname = _last_name(iterable.func)
        if fname == "zip" and len(target.elts) == len(iterable.args):
            return [p for t, a in zip(target.elts, iterable.args) for p in _bind_loop(t, a)]
        if fname == "enumerate" and len(target.elts) == 2 and iterable.args:
            return [(n, None) for n in _bound_names(target.elts[0])] + _bind_loop(
                target.elts[1], iterable.args[0]
            )
    return [(n, iterable) for n in _bound_names(target)]


def _assigned_names(stmts: list[ast.stmt]) -> frozenset[str]:
    out: set[str] = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    out.update(name for _, name in _target_names(t))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                out.update(name for _, name in _target_names(node.target))
    return frozenset(out)


def _loop_updated(body: list[ast.stmt]) -> frozenset[str]:
    """Names rewritten from themselves inside a loop: iterative samplers start from noise on purpose."""
    out: set[str] = set()
    stack: list[tuple[ast.AST, bool]] = [(s, False) for s in body]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if in_loop:
            if isinstance(node, ast.Assign):
                used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
                for t in node.targets:
                    out.update(n for n in _bound_names(t) if n in used)
            elif isinstance(node, ast.AugAssign):
                out.update(_bound_names(node.target))
        loop = in_loop or isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        stack.extend(
            (child, loop)
            for child in _children(node)
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case))
        )
    return frozenset(out)


def _is_module_class(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = _last_name(base) or ""
        if "Data" in name:
            continue
        if name == "Sequential" or name.endswith(("Module", "Model", "Net", "Network", "Layer", "Block")):
            return True
    return any(
        isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in ("forward", "call")
        for s in node.body
    )


_NEWLINE_RE = re.compile(r"\r\n|\r|\n")


def _lines(source: str) -> list[str]:
    # str.splitlines also breaks on form feeds and U+2028, which Python's line numbers do not count.
    return _NEWLINE_RE.split(source)
