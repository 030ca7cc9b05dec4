"""Is a run's process still alive? Same host: ask the kernel about its pid; other host: its heartbeat."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

STALE_HEARTBEAT_S = 600  # a run on another host that has not beaten for this long is taken as crashed


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False
    # A zombie (exited, not yet reaped) is not alive for our purposes.
    try:
        with open(f"/proc/{int(pid)}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def is_crashed(info: dict[str, Any], now: float | None = None) -> bool:
    """A 'running' run whose process is gone (same host), or whose heartbeat went stale (other host)."""
    if info.get("status") != "running":
        return False
    now = now or time.time()
    if info.get("host") == socket.gethostname():
        return not pid_alive(info.get("pid"))
    beat = info.get("heartbeat_ts") or info.get("started_ts") or 0
    return now - float(beat) > STALE_HEARTBEAT_S
