"""The code a run executes: its script plus the local modules that script imports.

A run's code version must change when any of these change, whether or not git tracks them (an
experiment inside a git-ignored folder is still code). Standard library only: the guard computes code
versions on the hook path.
"""

from __future__ import annotations

import ast
import os

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

MAX_FILES = 200
MAX_BYTES = 5_000_000


def local_code_files(script: Path | str, *, root: Path | str | None = None) -> list[str]:
    """``script`` and the local modules it imports, transitively (absolute paths, script first).

    "Local" means found under ``root`` (default: the script's folder), the way Python would find them
    with that folder on ``sys.path`` or through a relative import. Installed packages are not followed.
    """
    script = os.path.abspath(str(script))
    if not os.path.isfile(script):
        return []
    top = os.path.abspath(str(root)) if root is not None else os.path.dirname(script)
    found = [script]
    if not script.endswith(".py"):
        return found
    queue = [script]
    seen = {script}
    while queue and len(found) < MAX_FILES:
        current = queue.pop(0)
        for path in _imports_of(current, top):
            if path not in seen and (path == top or path.startswith(top + os.sep)):
                seen.add(path)
                found.append(path)
                queue.append(path)
    return found


def _imports_of(path: str, top: str) -> list[str]:
    try:
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read(MAX_BYTES), filename=path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the launched script fails loudly at run time; its own bytes are still hashed
    bases = [os.path.dirname(path), top]
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.extend(_module_files(alias.name.split("."), (), bases))
        elif isinstance(node, ast.ImportFrom):
            parts = node.module.split(".") if node.module else []
            names = tuple(a.name for a in node.names if a.name != "*")
            if node.level:
                package = os.path.dirname(path)
                for _ in range(node.level - 1):
                    package = os.path.dirname(package)
                out.extend(_module_files(parts, names, [package]))
            else:
                out.extend(_module_files(parts, names, bases))
    return out


def _module_files(parts: list[str], names: tuple[str, ...], bases: list[str]) -> list[str]:
    """The files `import a.b` / `from a.b import c` would execute, from the first base that has them."""
    for base in bases:
        here, files, ok = base, [], True
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            package = os.path.join(here, part)
            if os.path.isfile(os.path.join(package, "__init__.py")):
                files.append(os.path.join(package, "__init__.py"))
                here = package
            elif last and os.path.isfile(package + ".py"):
                files.append(package + ".py")
                return files  # a module: the imported names are attributes, not submodules
            elif os.path.isdir(package):
                here = package  # a namespace package
            else:
                ok = False
                break
        if not ok:
            continue
        for name in names:
            if os.path.isfile(os.path.join(here, name + ".py")):
                files.append(os.path.join(here, name + ".py"))
            elif os.path.isfile(os.path.join(here, name, "__init__.py")):
                files.append(os.path.join(here, name, "__init__.py"))
        if files:
            return files
    return []


def content_digest(paths: list[str], root: str) -> str:
    """sha256 over the files' names (relative to ``root``) and bytes: renaming or editing changes it."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(paths):
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES)
        except OSError:
            data = b"<unreadable>"
        digest.update(f"\0{os.path.relpath(path, root)}\0".encode() + data)
    return digest.hexdigest()
