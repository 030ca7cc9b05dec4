"""Inside a command that ``labrails run`` wraps: the run it belongs to, in one line.

```python
import labrails

run = labrails.current_run()          # None when the script was not launched by `labrails run`
if run:
    run.log_metrics({"loss": loss}, step=step, split="train")
    ...
    run.finish({"test_accuracy": acc})   # the final metrics; `labrails run` writes metrics.json
```

The wrapping process owns the run's lifecycle (run.json, the registry, the outcome); this side only
appends to logs/metrics.jsonl and hands over final metrics. Under ``torchrun`` only rank 0 writes, so
N processes do not log N copies of each value.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from labrails.core.errors import LabrailsError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

RUN_DIR_ENV = "LABRAILS_RUN_DIR"


class AttachedRun:
    """The wrapping run, seen from the command it runs."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.name = os.environ.get("LABRAILS_RUN_NAME", self.dir.name)
        self.profile = os.environ.get("LABRAILS_PROFILE")
        self.logs = self.dir / "logs"
        self.is_main = os.environ.get("RANK", "0") == "0"  # torchrun / accelerate set RANK per process
        self._final = Path(os.environ.get("LABRAILS_FINAL_METRICS") or self.dir / "script_metrics.json")
        self._writer = None

    @property
    def config(self) -> dict[str, Any]:
        """The resolved config the run recorded (profile applied, args included)."""
        import yaml

        return yaml.safe_load((self.dir / "config.yaml").read_text(encoding="utf-8")) or {}

    def log_metrics(self, values: Mapping[str, Any], *, step: int | None = None, epoch: int | None = None,
                    split: str | None = None) -> None:
        """Append one record per value to the run's logs/metrics.jsonl (rank 0 only)."""
        if not self.is_main:
            return
        if self._writer is None:
            from labrails.tracking.metrics_log import MetricsWriter

            started = json.loads((self.dir / "run.json").read_text(encoding="utf-8")).get("started_ts") or time.time()
            self._writer = MetricsWriter(self.logs / "metrics.jsonl", started=float(started))
        for name, value in values.items():
            self._writer.write(name, value, step=step, epoch=epoch, split=split)

    def log_metric(self, name: str, value: Any, **where: Any) -> None:
        self.log_metrics({name: value}, **where)

    def finish(self, metrics: Mapping[str, Any] | None = None) -> None:
        """Hand the final metrics to `labrails run`, which writes metrics.json when the command exits 0."""
        if not self.is_main:
            return
        from labrails.core.fsutil import write_json

        plain = {k: (v.item() if callable(getattr(v, "item", None)) else v) for k, v in (metrics or {}).items()}
        write_json(self._final, plain)
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def current_run() -> AttachedRun | None:
    """The run this process was launched under by ``labrails run``, or None outside one."""
    directory = os.environ.get(RUN_DIR_ENV)
    if not directory:
        return None
    if not (Path(directory) / "run.json").is_file():
        raise LabrailsError(f"{RUN_DIR_ENV} points at {directory}, which is not a run directory",
                            fix="launch the script through `labrails run NAME -- CMD`, or unset the variable")
    return AttachedRun(Path(directory))
