"""Progress lines with seconds/step and ETA.

Step 1 is always reported at once, so within a minute of launch you know s/step and whether the whole
run fits its budget; after that a line every ``every_s`` seconds keeps ``tail -f`` alive without flooding.
"""

from __future__ import annotations

import time
from typing import Any, Callable


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}"


class Progress:
    def __init__(self, total: int, emit: Callable[[str], None], *, every_s: float = 10.0, budget_s: float | None = None,
                 warn: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic):
        self.total = max(1, int(total))
        self.emit = emit
        self.warn = warn or emit
        self.every_s = every_s
        self.budget_s = budget_s
        self.clock = clock
        self.t0 = clock()
        self.last_emit: float | None = None
        self.warned_budget = False

    def eta(self, step: int) -> tuple[float, float]:
        elapsed = self.clock() - self.t0
        per_step = elapsed / max(step, 1)
        return per_step, per_step * (self.total - step)

    def update(self, step: int, **values: Any) -> str | None:
        now = self.clock()
        due = step == 1 or step >= self.total or self.last_emit is None or now - self.last_emit >= self.every_s
        if not due:
            return None
        self.last_emit = now
        per_step, remaining = self.eta(step)
        shown = " | ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items())
        line = (f"step {step}/{self.total}" + (f" | {shown}" if shown else "")
                + f" | {per_step:.3f} s/step | elapsed {fmt_duration(now - self.t0)} | ETA {fmt_duration(remaining)}")
        self.emit(line)
        if self.budget_s and not self.warned_budget and (now - self.t0) + remaining > self.budget_s:
            self.warned_budget = True
            self.warn(
                f"projected duration {fmt_duration((now - self.t0) + remaining)} exceeds this profile's budget of "
                f"{fmt_duration(self.budget_s)}: shrink the profile (fewer epochs, a smaller subset) or stop now"
            )
        return line
