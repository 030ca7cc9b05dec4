"""A run that ends on a config key the script reads but config.yaml lacks, before it logged anything, leaves no
run directory: it is the same mistake as a bad config caught before the start, which writes nothing, so it
should not leave a failed run for every typo. The registry keeps its row (status failed, ``discarded: true``,
the error), so the attempt is not silently lost.
"""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING, Any

from labrails.core.config import MissingConfigKey
from labrails.core.registry import Registry
from labrails.core.runinfo import now_iso, registry_row

if TYPE_CHECKING:
    from labrails.tracking.run import Run


def discardable(run: Run, exc: BaseException) -> bool:
    """A missing config key, and not one value logged yet (after that, the run's logs are worth keeping)."""
    return isinstance(exc, MissingConfigKey) and run._metrics.written == 0


def discard(run: Run, error: dict[str, Any]) -> bool:
    """Record the run as failed and discarded in the registry, then remove its directory. False (and nothing
    removed) when the registry cannot be written: then the directory stays the record, closed as usual."""
    run._signals.uninstall()
    run._stop.set()
    run._heartbeat.join(timeout=5)  # it must not write run.json into the directory being removed
    info = {**run.info, "status": "failed", "finished_at": now_iso(), "error": error, "discarded": True,
            "duration_s": round(time.monotonic() - run._t0, 2)}
    try:
        Registry(run.experiment.state).update(run.name, **registry_row(info), discarded=True)
    except Exception:
        return False
    run.info = info
    run._metrics.close()
    run.log.warning(f"run {run.name} discarded: it read a config key config.yaml lacks before logging anything "
                    "(the registry keeps it as failed, discarded)")
    run._remove_sinks()  # train.log is closed before its directory goes
    shutil.rmtree(run.dir, ignore_errors=True)
    return True
