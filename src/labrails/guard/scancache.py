"""The fabricated-data scan of a launch, remembered in .labrails/cache/ until an experiment's Python changes.

Parsing the launched script and the local modules it imports, and importing the scanner itself, cost as
much as the rest of a full-launch decision; the answer only changes when a Python file under the
experiment changes. The key is the size and mtime of every .py file there (and of the script), so an edit,
a new module or a deleted one is a miss and the scan runs again.
"""

from __future__ import annotations

import json
import os

_SKIP = frozenset({"runs", ".labrails", ".git", "__pycache__", "node_modules", ".venv", "venv"})
_MAX_FILES = 5000


class Finding:
    """One hit of the scan, as the synthetic-code rule reads it (path, line, rule, snippet, message)."""

    __slots__ = ("path", "line", "rule", "snippet", "message")

    def __init__(self, path: str, line: int, rule: str, snippet: str, message: str):
        self.path, self.line, self.rule, self.snippet, self.message = path, line, rule, snippet, message


def _key(script: str, root: str) -> str | None:
    parts = [os.path.realpath(script)]
    seen = 0
    for folder, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP)
        for name in sorted(files):
            if name.endswith(".py"):
                seen += 1
                if seen > _MAX_FILES:
                    return None
                st = os.stat(os.path.join(folder, name))
                parts.append(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}")
    st = os.stat(script)
    parts.append(f"script:{st.st_size}:{st.st_mtime_ns}")
    from labrails.core.digest import sha256

    return sha256("\n".join(parts).encode("utf-8", errors="surrogateescape")).hexdigest()


def scan_launch(script: str, root: str) -> list[Finding]:
    """``synthscan.scan_script(script, root=root)``, from the cache when no Python file changed."""
    try:
        key = _key(script, root)
    except OSError:
        key = None
    cache = os.path.join(root, ".labrails", "cache", "synthscan.json")
    if key is not None:
        try:
            with open(cache, encoding="utf-8") as fh:
                cached = json.load(fh)
            if cached.get("key") == key:
                return [Finding(*hit) for hit in cached["hits"]]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass
    from labrails.guard.synthscan import scan_script

    hits = [Finding(h.path, h.line, h.rule, h.snippet, h.message) for h in scan_script(script, root=root)]
    if key is not None and os.path.isdir(os.path.dirname(os.path.dirname(cache))):
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            tmp = f"{cache}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"key": key, "hits": [[h.path, h.line, h.rule, h.snippet, h.message] for h in hits]}, fh)
            os.replace(tmp, cache)
        except OSError:
            pass  # a cache that cannot be written only costs speed
    return hits
