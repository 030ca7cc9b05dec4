"""A script that started a run outside ``with run:`` and then died of an exception nobody caught: the run is
recorded as failed with that exception (and a config key config.yaml lacks, read before any step, discards it:
:mod:`labrails.tracking.discard`), instead of reading 'running' until its process is found gone.

One ``sys.excepthook`` for the process, installed by the first run; it hands on to the hook it replaced.
"""

from __future__ import annotations

import contextlib
import sys
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labrails.tracking.run import Run

_open: weakref.WeakSet[Run] = weakref.WeakSet()
_previous = None


def watch(run: Run) -> None:
    global _previous
    _open.add(run)
    if _previous is None:
        _previous = sys.excepthook
        sys.excepthook = _record_and_hand_on


def _record_and_hand_on(exc_type, exc, tb) -> None:
    for run in list(_open):
        if not run._finished:
            with contextlib.suppress(Exception):  # the traceback below matters more than this record
                run.fail(exc)
    (_previous or sys.__excepthook__)(exc_type, exc, tb)
