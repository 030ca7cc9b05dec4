"""How long one hook decision may take, and what happens when it runs out.

Claude Code kills a hook after 30 s and then lets the command through, so a payload built to make the
guard slow is a way around it. Each decision gets a budget well under that: the parser checks the
deadline in its loops, and a timer signal is the backstop for everything else. When the budget runs
out, :class:`BudgetExceeded` unwinds to the hook entry, which decides from the raw text (fail closed on
anything that may launch a run or touch protected files).

It derives from BaseException so that the engine's ``except Exception`` fallbacks cannot swallow it.
"""

from __future__ import annotations

import os
import time

# Well under the client's 30 s, and far above a real decision (tens of milliseconds), so that a slow
# machine never turns an honest command into a timeout refusal.
DEFAULT_SECONDS = 3.0


class BudgetExceeded(BaseException):
    """The decision ran past its time budget."""


_deadline: float | None = None


def seconds() -> float:
    try:
        return max(0.05, float(os.environ.get("LABRAILS_HOOK_BUDGET_S", DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


def check() -> None:
    """Raise :class:`BudgetExceeded` when the current decision is past its deadline (no-op outside one)."""
    if _deadline is not None and time.monotonic() > _deadline:
        raise BudgetExceeded(f"the decision took longer than {seconds():g} s")


class Budget:
    """``with Budget():`` arms the deadline (and, in the main thread, a timer signal a little after it)."""

    def __init__(self, limit: float | None = None):
        self.limit = seconds() if limit is None else limit
        self._previous = None
        self._armed_signal = False

    def __enter__(self) -> Budget:
        global _deadline
        _deadline = time.monotonic() + self.limit
        try:
            signal = _signal_module()
            if hasattr(signal, "setitimer"):
                # signal.signal raises ValueError outside the main thread: then the deadline checks alone hold.
                self._previous = signal.signal(signal.SIGALRM, _on_alarm)
                signal.setitimer(signal.ITIMER_REAL, self.limit + 0.2)
                self._armed_signal = True
        except (ImportError, ValueError, OSError):
            pass
        return self

    def __exit__(self, *exc) -> None:
        global _deadline
        _deadline = None
        if self._armed_signal:
            signal = _signal_module()
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous if self._previous is not None else signal.SIG_DFL)


def _signal_module():
    """The C module under ``signal``: the same functions, without building the ``signal`` module's enums, which
    costs more than the rest of this module's work on every hook call."""
    try:
        import _signal

        return _signal
    except ImportError:
        import signal

        return signal


def _on_alarm(signum, frame) -> None:
    raise BudgetExceeded("the decision ran past its time budget")
