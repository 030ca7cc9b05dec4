"""Experiment suites: configurations x seeds, each configuration run to completion before the next.

```python
from labrails.sweep import run_sweep, plan_sweep, format_plan

print(format_plan(plan_sweep("suites/cartography.yaml", seeds=[42, 43])))    # labrails sweep ... --dry-run
result = run_sweep("suites/cartography.yaml", seeds=[42, 43, 44], max_parallel=3)
result.statuses()        # {"full-baseline-seed42": "completed", ...}
```

| CLI | Python |
|---|---|
| `labrails sweep SUITE` | `run_sweep(suite)` |
| `--seeds 42 43 44` | `seeds=[42, 43, 44]` |
| `--dry-run` | `dry_run=True` (or `format_plan(plan_sweep(suite))`) |
| `--stop-on-error` | `stop_on_error=True` |
| `--max-parallel N` | `max_parallel=N` |
| `--launcher submitit --cluster slurm` | `launcher="submitit", cluster="slurm"` |
| `--experiment DIR` | `experiment=DIR` |

Modules: ``suite`` (the file), ``plan`` (expansion, validation, identities), ``dynamics`` and
``references`` (what a configuration reads from earlier ones), ``job`` (one run), ``launchers`` (local,
submitit), ``runner`` (the schedule), ``record`` (sweeps/<timestamp>-<suite>/sweep.json).
"""

from labrails.sweep.plan import Job, Plan, format_plan, plan_sweep
from labrails.sweep.runner import SweepResult, run_sweep
from labrails.sweep.suite import Configuration, Suite, load_suite

__all__ = ["Configuration", "Job", "Plan", "Suite", "SweepResult", "format_plan", "load_suite", "plan_sweep", "run_sweep"]
