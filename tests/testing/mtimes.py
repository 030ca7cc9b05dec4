"""Files made older, as if they were written a while ago rather than this instant."""

from __future__ import annotations

import os
import time

_RECENT_NS = 10_000_000_000
_HOUR_NS = 3_600_000_000_000


def settle(top) -> None:
    """Move every file under ``top`` written in the last seconds an hour back (git's own files stay as they
    are). The code-version cache stores nothing computed from files young enough to change again within the
    same clock tick, so a test that expects a cache hit settles its edits first; each file keeps its own
    distinct mtime, so two edits stay apart."""
    now = time.time_ns()
    for folder, subdirs, files in os.walk(top):
        subdirs[:] = [d for d in subdirs if d != ".git"]
        for name in files:
            path = os.path.join(folder, name)
            mtime = os.stat(path).st_mtime_ns
            if mtime > now - _RECENT_NS:
                os.utime(path, ns=(mtime - _HOUR_NS, mtime - _HOUR_NS))
