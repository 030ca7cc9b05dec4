"""Import following: the local modules a launch script reaches, each read and parsed once."""

from __future__ import annotations

import ast

from labrails.guard.synthscan.analyser import _Analyzer

# The hook path does not import typing; type checkers read this constant as typing.TYPE_CHECKING.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def _collect(script, source, tree, root_dir, bases, follow_imports, max_files) -> list[_Analyzer]:
    """The script plus the local modules it reaches, breadth first, each parsed once."""
    analyzers = [_Analyzer(tree, source, str(script))]
    seen = {script}
    queue = [(script, analyzers[0])]
    while follow_imports and queue and len(analyzers) < max_files:
        current, analyzer = queue.pop(0)
        for module_file in _local_imports(analyzer.imports, current, bases):
            if len(analyzers) >= max_files:
                break
            try:
                resolved = module_file.resolve()
            except OSError:
                continue
            if resolved in seen or not resolved.is_relative_to(root_dir):
                continue
            seen.add(resolved)
            try:
                text = resolved.read_text(encoding="utf-8-sig")
                sub_tree = ast.parse(text, filename=str(resolved))
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
                continue  # the launched script is what must parse; a broken helper fails at import
            sub = _Analyzer(sub_tree, text, str(resolved), entry=False)
            analyzers.append(sub)
            queue.append((resolved, sub))
    return analyzers


def _local_imports(imports: list[ast.AST], file: Path, bases: list[Path]) -> list[Path]:
    out: list[Path] = []
    for node in imports:
        if isinstance(node, ast.Import):
            for a in node.names:
                out.extend(_find_module(a.name.split("."), (), bases))
        elif isinstance(node, ast.ImportFrom):
            names = tuple(a.name for a in node.names)
            parts = node.module.split(".") if node.module else []
            if node.level:
                pkg = file.parent
                for _ in range(node.level - 1):
                    pkg = pkg.parent
                out.extend(_find_module(parts, names, [pkg]))
            else:
                out.extend(_find_module(parts, names, bases))
        elif isinstance(node, ast.Call) and not node.args[0].value.startswith("."):
            out.extend(_find_module(node.args[0].value.split("."), (), bases))
    return out


def _find_module(parts: list[str], names: tuple[str, ...], bases: list[Path]) -> list[Path]:
    """Files that `import a.b` / `from a.b import c` would execute, from the first base that has them."""
    for base in bases:
        found: list[Path] = []
        here = base
        ok = True
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            package = here / part
            init = package / "__init__.py"
            if init.is_file():
                found.append(init)
                here = package
            elif last and (here / f"{part}.py").is_file():
                found.append(here / f"{part}.py")
                return found  # a module: imported names are attributes, not submodules
            elif not last and package.is_dir():
                here = package  # namespace package
            elif last and package.is_dir() and names:
                here = package
            else:
                ok = False
                break
        if not ok:
            continue
        for name in names:
            if name == "*":
                continue
            if (here / f"{name}.py").is_file():
                found.append(here / f"{name}.py")
            elif (here / name / "__init__.py").is_file():
                found.append(here / name / "__init__.py")
        if found:
            return found
    return []
