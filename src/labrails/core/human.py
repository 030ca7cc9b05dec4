"""Is a person at this terminal? The gate in front of every record only the human may make.

``labrails approve`` and ``labrails data pin`` (and the library functions behind them) call
:func:`require_human` before they sign anything. It refuses when:

- the Claude Code environment is detected: ``CLAUDECODE`` (or another variable the client sets) is in the
  environment, or a ``claude`` process is among this process's ancestors (so ``env -u CLAUDECODE`` does
  not help);
- stdin or stdout is not an interactive terminal (the agent's Bash tool has none);
- the person does not type the confirmation word asked for (the phase name, ``pin``).

This stops an agent that cuts corners from approving for the human by any route it would try (the CLI
under another name, the Python API, a script); it is not a defence against someone who controls the
user's account, which no check inside that account can be.
"""

from __future__ import annotations

import os
import sys

from labrails.core.errors import LabrailsError

AGENT_ENV = ("CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "CLAUDE_CODE_SSE_PORT")
_AGENT_PROGRAMS = ("claude", "claude-code")


class NotHuman(LabrailsError):
    """The caller is not a person at an interactive terminal."""


def _ancestor_agent(max_depth: int = 64) -> str | None:
    """The name of a Claude Code process among this process's ancestors (Linux /proc; None elsewhere)."""
    pid = os.getpid()
    for _ in range(max_depth):
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as fh:
                stat = fh.read()
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
        except OSError:
            return None
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        names = {comm, *(os.path.basename(a) for a in argv[:2])}
        hit = next((n for n in names if n in _AGENT_PROGRAMS), None)
        if hit and pid != os.getpid():
            return hit
        try:
            pid = int(stat[stat.rfind(")") + 2:].split()[1])
        except (IndexError, ValueError):
            return None
        if pid <= 1:
            return None


def agent_detected() -> str | None:
    """Why this process looks like it was started by a coding agent (None when it does not)."""
    for name in AGENT_ENV:
        if os.environ.get(name):
            return f"the Claude Code environment is set ({name})"
    program = _ancestor_agent()
    if program:
        return f"it runs under a '{program}' process"
    return None


def require_human(action: str, *, confirm: str, show: str = "", stdin=None, stdout=None) -> None:
    """Refuse unless a person at an interactive terminal, outside any agent, types ``confirm``.

    ``show`` is printed first: what the person is about to vouch for.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    fix = f"{action} is for the human, in their own terminal: ask them to run it there"
    why = agent_detected()
    if why:
        raise NotHuman(f"refusing to {action}: {why}", fix=fix)
    if not (_isatty(stdin) and _isatty(stdout)):
        raise NotHuman(f"refusing to {action}: this is not an interactive terminal", fix=fix)
    if show:
        stdout.write(show.rstrip("\n") + "\n")
    stdout.write(f"Type '{confirm}' to {action} (anything else cancels): ")
    stdout.flush()
    answer = stdin.readline()
    if answer.strip() != confirm:
        raise NotHuman(f"cancelled: '{confirm}' was not typed", fix=f"run it again and type '{confirm}' to confirm")


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
