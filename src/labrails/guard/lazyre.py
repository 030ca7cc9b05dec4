"""Regular expressions compiled when first used, not when their module is imported.

The guard's modules hold a few dozen patterns, and compiling them all costs about as much as a whole
decision, though most commands use a handful. ``lazy(pattern, flags)`` stands in for ``re.compile``:
the first call of any ``re.Pattern`` method compiles it, and puts the compiled pattern's bound methods
on the object, so later calls cost what calls on the pattern itself cost.
"""

from __future__ import annotations

import re

_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0):
        self.pattern, self.flags = pattern, flags

    def compiled(self) -> re.Pattern:
        compiled = re.compile(self.pattern, self.flags)
        for name in _METHODS:
            setattr(self, name, getattr(compiled, name))
        self.compiled = lambda: compiled
        return compiled

    def __getattr__(self, name: str):
        # Only reached for names not yet on the instance: the methods before the first use, or a typo.
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self.flags!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """``re.compile(pattern, flags)``, done on first use."""
    return LazyPattern(pattern, flags)
