"""SIGTERM and SIGHUP end a run as 'failed', with the signal as the reason, before the process exits.

SLURM, Kubernetes, ``timeout`` and a cancelled sweep all stop a job with SIGTERM; a closed terminal sends
SIGHUP. Without a handler the process dies on the spot and its run stays 'running' with no reason. With
it, the run records ``failed: terminated by SIGTERM``, then the signal's usual action goes ahead: the
handler puts the previous disposition back and sends the signal again, so the process still ends with the
conventional status (128 + the signal's number), exactly as it would have without labrails.

Only signals whose action is the default are taken over: a signal the script (or ``nohup``) ignores or
handles itself is left alone. Handlers are only installed from the main thread, which is where Python
runs them.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


class SignalGuard:
    """Call ``on_signal(signum)`` when one of SIGNALS arrives, then let the signal end the process."""

    def __init__(self, on_signal: Callable[[int], None]):
        self._on_signal = on_signal
        self._previous: dict[int, object] = {}

    def install(self) -> SignalGuard:
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in SIGNALS:
            try:
                if signal.getsignal(signum) is signal.SIG_DFL:
                    self._previous[signum] = signal.signal(signum, self._handle)
            except (OSError, ValueError):
                continue
        return self

    def uninstall(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, previous in self._previous.items():
            try:
                if signal.getsignal(signum) == self._handle:
                    signal.signal(signum, previous)
            except (OSError, ValueError):
                pass
        self._previous.clear()

    def _handle(self, signum: int, frame) -> None:
        try:
            self._on_signal(signum)
        finally:
            signal.signal(signum, self._previous.get(signum, signal.SIG_DFL))
            os.kill(os.getpid(), signum)


def describe(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
