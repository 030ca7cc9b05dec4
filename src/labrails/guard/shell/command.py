"""What the shell reader hands back: one :class:`SimpleCommand` per program bash would start.

Shared by the parser, the launcher unwrapping and the launch and write finders, with the few
spellings they all need (assignments, shell names, a program's base name). Standard library only.
"""

from __future__ import annotations

from labrails.guard.lazyre import lazy

__all__ = [
    "ASSIGNMENT",
    "MAX_COMMAND_CHARS",
    "SHELLS",
    "ShellParseError",
    "SimpleCommand",
    "basename",
]

# Hook payloads are a single command line; anything far larger is either generated or hostile, and
# parsing it is not worth the time budget of a hook.
MAX_COMMAND_CHARS = 100_000

ASSIGNMENT = lazy(r"([A-Za-z_][A-Za-z0-9_]*)\+?=")
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh"})


def basename(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1]


class ShellParseError(ValueError):
    """The command cannot be split with confidence; treat it as opaque."""


class SimpleCommand:
    """One command that bash would start, with everything the guard needs to judge it in isolation.

    A plain class rather than a dataclass: importing ``dataclasses`` (and the ``inspect`` it pulls in)
    would cost more than a whole guard decision on every agent command.

    ``exported`` holds the variables an earlier ``export NAME=value`` in the same shell may have set for
    this command, including exports behind ``&&``/``||`` or inside if/loops (a policy that blocks on a
    variable should see it even if it was only possibly set). Exports in subshells, pipelines and
    background lists are left out: they cannot reach this command.

    ``expanded`` and ``globbed`` are the indices of the argv words bash would still rewrite (a variable
    or substitution; a glob or brace pattern): what the program really receives there is unknown.
    """

    __slots__ = ("argv", "env", "cwd", "redirects", "background", "heredoc", "nested_in", "exported", "expanded",
                 "globbed")
    _COMPARED = ("argv", "env", "cwd", "redirects", "background", "heredoc", "nested_in", "exported")

    def __init__(self, argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None,
                 redirects: list[tuple[str, str]] | None = None, background: bool = False, heredoc: str | None = None,
                 nested_in: str | None = None, exported: dict[str, str] | None = None):
        self.argv = argv
        self.env = {} if env is None else env
        self.cwd = cwd
        self.redirects = [] if redirects is None else redirects
        self.background = background
        self.heredoc = heredoc
        self.nested_in = nested_in
        self.exported = {} if exported is None else exported
        self.expanded: frozenset[int] = frozenset()
        self.globbed: frozenset[int] = frozenset()

    def literal(self, index: int) -> bool:
        """Whether argv[index] is exactly what the program receives (no expansion, no pattern)."""
        return index not in self.expanded and index not in self.globbed

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self._COMPARED)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SimpleCommand) and self._fields() == other._fields()

    def __repr__(self) -> str:
        return "SimpleCommand(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._COMPARED) + ")"
