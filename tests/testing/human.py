"""A person at a terminal: run a labrails command in a real pseudo-terminal and type the confirmation.

``labrails approve`` and ``labrails data pin`` refuse unless stdin and stdout are an interactive terminal and
no coding-agent environment is present, so tests drive them exactly as a person would: the command runs
in a fresh pty (``os.openpty``), the test waits for the prompt and types the answer.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from labrails.core.human import AGENT_ENV

PROMPT = b"Type '"


def at_terminal(args: list[str], answer: str | None, *, cwd: Path | str | None = None, env: dict[str, str] | None = None,
                timeout: float = 60.0) -> tuple[int, str]:
    """Run ``args`` attached to a new pseudo-terminal; type ``answer`` at the confirmation prompt.

    Returns (exit code, everything the terminal showed). ``env`` adds to a copy of this environment from
    which the agent variables were removed (pass them in ``env`` to play an agent).
    """
    master, slave = os.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in AGENT_ENV}
    full_env.update(env or {})
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=full_env, start_new_session=True)
    os.close(slave)
    shown, typed = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the command closed the terminal
                    chunk = b""
                if not chunk:
                    break
                shown += chunk
                if answer is not None and not typed and PROMPT in shown:
                    os.write(master, (answer + "\n").encode())
                    typed = True
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            raise TimeoutError(f"{args} did not finish in {timeout} s; the terminal showed:\n{shown.decode(errors='replace')}")
        return proc.wait(timeout=10), shown.decode(errors="replace").replace("\r\n", "\n")
    finally:
        os.close(master)


def labrails_at_terminal(root: Path | str, *args: str, answer: str | None, env: dict[str, str] | None = None) -> tuple[int, str]:
    return at_terminal([sys.executable, "-m", "labrails", *args, "-e", str(root)], answer, cwd=root, env=env)


def approve_at_terminal(root: Path | str, phase: str) -> str:
    """The human approves ``phase`` in their own terminal (typing the phase name); returns what it printed."""
    code, shown = labrails_at_terminal(root, "approve", phase, answer=phase)
    assert code == 0, shown
    return shown


def pin_at_terminal(root: Path | str, run: str | None = None) -> str:
    """The human pins the data (typing 'pin'); returns what the terminal showed."""
    code, shown = labrails_at_terminal(root, "data", "pin", *([run] if run else []), answer="pin")
    assert code == 0, shown
    return shown
