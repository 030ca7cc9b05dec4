"""Entry points: parse, analyse every file, resolve across files, and turn any failure into a hit."""

from __future__ import annotations

import ast
from pathlib import Path

from labrails.guard.synthscan.analyser import _Analyzer
from labrails.guard.synthscan.astutil import _lines
from labrails.guard.synthscan.follow import _collect
from labrails.guard.synthscan.hit import Hit
from labrails.guard.synthscan.resolve import _resolve


def _parse(source: str, filename: str) -> tuple[ast.Module | None, Hit | None]:
    try:
        return ast.parse(source, filename=filename), None
    except SyntaxError as exc:
        line = exc.lineno or 1
        lines = _lines(source)
        snippet = lines[line - 1].strip()[:120] if 1 <= line <= len(lines) else ""
        reason = exc.msg or "invalid syntax"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        line, snippet, reason = 1, "", type(exc).__name__
    return None, Hit(
        filename,
        line,
        "unparseable",
        snippet,
        f"{filename} does not parse ({reason}), so it cannot be checked for fabricated data.",
    )


def _analyse(analyzers: list[_Analyzer]) -> list[Hit]:
    names = frozenset().union(*(a.def_names for a in analyzers))
    for a in analyzers:
        a.global_def_names = names
        a.run()
    return _resolve(analyzers)


def _guarded(path: str, build) -> list[Hit]:
    try:
        return _analyse(build())
    except RecursionError:
        return [
            Hit(path, 1, "unparseable", "", f"{path} is nested too deeply to check for fabricated data.")
        ]
    except Exception as exc:  # the hook must always answer, and a scanner bug must not wave a run through
        return [Hit(path, 1, "scan-error", "", f"The fabricated-data scan failed on {path}: {exc!r}.")]


def scan_source(source: str, filename: str = "<string>") -> list[Hit]:
    """Hits for one file's source; a parse failure is a single "unparseable" hit."""
    source = source.removeprefix("\ufeff")  # editors on Windows save a byte-order mark
    tree, error = _parse(source, filename)
    if error is not None:
        return [error]
    return _guarded(filename, lambda: [_Analyzer(tree, source, filename)])


def scan_script(
    path: str | Path,
    *,
    root: str | Path | None = None,
    follow_imports: bool = True,
    max_files: int = 25,
) -> list[Hit]:
    """Hits for a launch script and the local modules it imports (inside ``root``)."""
    script = Path(path).resolve()
    label = str(script)
    try:
        source = script.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = type(exc).__name__
        return [
            Hit(
                label, 1, "unparseable", "", f"{label} could not be read ({reason}), so it cannot be checked."
            )
        ]
    tree, error = _parse(source, label)
    if error is not None:
        return [error]
    root_dir = Path(root).resolve() if root is not None else script.parent
    bases = [script.parent] if script.parent == root_dir else [script.parent, root_dir]
    return _guarded(label, lambda: _collect(script, source, tree, root_dir, bases, follow_imports, max_files))
