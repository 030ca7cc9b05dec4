"""What a shell command launches: every Python program (or ``labrails`` subcommand) it would start.

Built on :mod:`labrails.guard.shell.parse`: a command line is split into simple commands, launcher
wrappers are peeled off, and what remains is matched against the ways people start Python
(``python train.py``, ``uv run train.py``, ``torchrun ... train.py``, ``python -c``, heredocs...).
What a command writes is :mod:`labrails.guard.shell.writes`.

Standard library only, like the parser: this runs on every agent command.
"""

from __future__ import annotations

import re

from labrails.guard.lazyre import lazy
from labrails.guard.shell.command import SimpleCommand, basename
from labrails.guard.shell.parse import split_commands
from labrails.guard.shell.wrappers import unwrap
from labrails.guard.vocabulary import LABRAILS

__all__ = [
    "Launch",
    "find_launches",
    "is_interpreter",
    "launches_in",
    "python_invocation",
]


class Launch:
    """One program start that a policy may want to allow or block (a plain class: see SimpleCommand)."""

    __slots__ = ("kind", "script", "module", "args", "env", "cwd", "launcher", "background", "inline_code", "command")

    def __init__(self, kind: str, script: str | None, module: str | None, args: list[str], env: dict[str, str],
                 cwd: str | None, launcher: list[str], background: bool, inline_code: str | None, command: SimpleCommand):
        self.kind = kind  # "script" | "module" | "inline" | "labrails"
        self.script, self.module, self.args, self.env, self.cwd = script, module, args, env, cwd
        self.launcher, self.background, self.inline_code, self.command = launcher, background, inline_code, command

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Launch) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __repr__(self) -> str:
        return "Launch(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


_INTERPRETER = lazy(r"(?:python|pypy|ipython)(?:[0-9]+(?:\.[0-9]+)*)?(?:[dmt]|-dbg|-debug)?(?:\.exe)?\Z")
# Launchers that keep running after the agent's shell returns.
_DETACHING = frozenset({"nohup", "setsid", "screen -dm"})
_DETACHED_CONTEXTS = frozenset({"tmux", "tmux send-keys", "sbatch --wrap"})
# Launchers whose first operand is a Python file even without a .py suffix.
_DISTRIBUTED = frozenset({"torchrun", "accelerate launch", "deepspeed"})
_STDIN_PATHS = frozenset({"-", "/dev/stdin"})


def is_interpreter(word: str) -> bool:
    base = basename(word)
    return base == "py" or bool(_INTERPRETER.match(base))


def python_invocation(core: list[str]) -> tuple[str, str | None, list[str]]:
    """Classify an interpreter argv as ("script"|"module"|"inline"|"stdin"|"info", value, rest)."""
    windows_launcher = basename(core[0]) == "py"
    i = 1
    while i < len(core):
        a = core[i]
        if a in _STDIN_PATHS:
            return "stdin", None, core[i + 1 :]
        if a == "--":
            i += 1
            break
        if a.startswith("--"):
            if a.startswith(("--help", "--version")):
                return "info", None, []
            i += 2 if a == "--check-hash-based-pycs" else 1
            continue
        if not a.startswith("-"):
            break
        if windows_launcher and re.match(r"-(?:[0-9][0-9.]*(?:-(?:32|64))?|V:.*)\Z", a):
            i += 1
            continue
        width = 1
        for k, ch in enumerate(a[1:], start=1):
            attached = a[k + 1 :]
            if ch in "cm":
                if attached:
                    value, rest = attached, core[i + 1 :]
                elif i + 1 < len(core):
                    value, rest = core[i + 1], core[i + 2 :]
                else:
                    return "info", None, []
                return ("inline" if ch == "c" else "module"), value, rest
            if ch in "WX":
                width = 1 if attached else 2
                break
            if ch in "hV?":
                return "info", None, []
        i += width
    if i >= len(core):
        return "stdin", None, []
    if core[i] in _STDIN_PATHS:
        return "stdin", None, core[i + 1 :]
    return "script", core[i], core[i + 1 :]


def _launch_from(cmd: SimpleCommand) -> Launch | None:
    core, wrappers, wrapper_env = unwrap(cmd.argv)
    if not core:
        return None
    env = {**cmd.exported, **cmd.env, **wrapper_env}
    background = (
        cmd.background
        or any(w in _DETACHING for w in wrappers)
        or cmd.nested_in in _DETACHED_CONTEXTS
    )

    def make(kind, script=None, module=None, args=(), launcher=(), inline_code=None) -> Launch:
        return Launch(kind, script, module, list(args), env, cmd.cwd, [*wrappers, *launcher], background, inline_code, cmd)

    exe = core[0]
    base = basename(exe)
    if base == LABRAILS:
        return make("labrails", args=core[1:])
    if is_interpreter(exe):
        how, value, rest = python_invocation(core)
        if how == "info":
            return None
        if how == "stdin":
            return make("inline", args=rest, launcher=[exe], inline_code=cmd.heredoc)
        if how == "inline":
            return make("inline", args=rest, launcher=[exe], inline_code=value)
        if how == "module":
            if value in (LABRAILS, f"{LABRAILS}.__main__"):
                return make("labrails", args=rest, launcher=[exe, f"-m {value}"])
            if value in ("torch.distributed.run", "torch.distributed.launch"):
                inner, inner_wrappers, _ = unwrap(["torchrun", *rest])
                if inner and inner_wrappers == ["torchrun"] and not is_interpreter(inner[0]):
                    return make("script", script=inner[0], args=inner[1:], launcher=[exe, f"-m {value}"])
            return make("module", module=value, args=rest, launcher=[exe])
        return make("script", script=value, args=rest, launcher=[exe])
    if exe.endswith(".py") or (wrappers and wrappers[-1] in _DISTRIBUTED):
        return make("script", script=exe, args=core[1:])
    return None


def launches_in(commands: list[SimpleCommand]) -> list[Launch]:
    """The launches among already split commands (so a caller that also wants the writes parses once)."""
    launches = []
    for cmd in commands:
        launch = _launch_from(cmd)
        if launch is not None:
            launches.append(launch)
    return launches


def find_launches(command: str) -> list[Launch]:
    """Every Python program (or ``labrails`` subcommand) that ``command`` would start.

    Raises :class:`ShellParseError` when the command cannot be split with confidence.
    """
    return launches_in(split_commands(command))
