"""Real runs whose final metrics the test chooses, launched the way `labrails sweep` launches them.

``sweep_script.py`` (written into the experiment on first use) is the tiny fixture script with one change: the
final metrics and class counts come from the environment, so a test knows every value it aggregates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from testing.commands import quiet_env, run_script

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pathlib import Path

    from labrails.core.experiment import Experiment

SCRIPT = '''
import json, os, sys, time
import labrails

run = labrails.start_run(sys.argv[1], script=__file__, force=True)  # tests vary only the metrics, not the config
with run:
    run.record_data(source="sklearn.datasets.load_wine", fingerprint_of=({"rows": 178},), rows={"train": 120, "test": 58},
                    class_counts=json.loads(os.environ.get("CLASS_COUNTS", '{"0": 40, "1": 48, "2": 32}')))
    run.set_total_steps(3, every_s=0)
    for step in range(1, 4):
        run.log_metrics({"loss": 1.1 / step}, step=step, epoch=step, split="train")
        run.progress(step)
        if os.environ.get("SLEEP"):
            print(f"STEP {step}", flush=True)
            time.sleep(float(os.environ["SLEEP"]))
    if os.environ.get("FAIL"):
        raise RuntimeError(os.environ["FAIL"])
    run.finish(json.loads(os.environ["METRICS"]))
'''
SCRIPT_NAME = "sweep_script.py"

# Three configurations x seeds 1, 2, 3, with values chosen so the statistics are easy to check by hand.
SWEEP = {
    "base": ({}, [0.90, 0.92, 0.97], [0.30, 0.25, 0.20]),
    "wide": ({"model.hidden": 256}, [0.91, 0.95, 0.99], [0.28, 0.22, 0.19]),
    "broken": ({"optim.lr": 10.0}, [0.30, 0.35, 0.40], [float("nan"), 2.5, 2.1]),
}
SEEDS = (1, 2, 3)


def _write_script(exp: Experiment) -> None:
    """Write the script once and open the gate for its full runs (see :func:`open_gate`)."""
    if not (exp.root / SCRIPT_NAME).is_file():
        (exp.root / SCRIPT_NAME).write_text(SCRIPT)
        open_gate(exp)


def open_gate(exp: Experiment) -> Path:
    """As with `labrails sweep`, no full run starts before a de-risk run on the same code and config passed its
    review: run one, review it, and list it in IGNORED_RUNS.md (it is the gate, not part of any comparison).
    Call it again after editing config.yaml or the script."""
    from labrails.core.journal import ignore_run
    from testing.reviews import assert_review_passed

    run_script(exp, SCRIPT_NAME, "de-risk", env={"METRICS": json.dumps({"test_accuracy": 0.9, "n_test": 58})})
    # The newest by start time: two runs in one second are named ...-de-risk and ...-de-risk-2.
    derisk = max(exp.runs_dir.glob("*-de-risk*"), key=lambda d: json.loads((d / "run.json").read_text())["started_ts"])
    assert_review_passed(derisk)
    ignore_run(exp, derisk.name, "the de-risk run that opens the gate for full runs; not part of any comparison")
    return derisk


def launch(exp: Experiment, name: str, metrics: Mapping[str, Any], *, overrides: Mapping[str, Any] | None = None,
           check: bool = True, **env) -> subprocess.CompletedProcess:
    """Run ``python sweep_script.py NAME`` to the end; it finishes with ``metrics`` (env: CLASS_COUNTS, FAIL, SLEEP)."""
    _write_script(exp)
    extra = {"METRICS": json.dumps(metrics), **{k: str(v) for k, v in env.items()}}
    if overrides is not None:
        extra["LABRAILS_OVERRIDES"] = json.dumps(overrides)
    return run_script(exp, SCRIPT_NAME, name, env=extra, check=check)


def run_sweep(exp: Experiment, configs: Mapping[str, tuple] = SWEEP, seeds: Iterable[int] = SEEDS) -> None:
    """One run ``full-CONFIG-seedN`` per configuration and seed, with the metrics of ``configs``."""
    for config, (overrides, accuracies, losses) in configs.items():
        for seed, acc, loss in zip(seeds, accuracies, losses):
            launch(exp, f"full-{config}-seed{seed}", {"test_accuracy": acc, "test_loss": loss, "n_test": 58},
                   overrides={**overrides, "seed": seed})


def start_sleeping_run(exp: Experiment, name: str) -> subprocess.Popen:
    """A run that is alive (status running) until the caller kills it; returns the process."""
    _write_script(exp)
    env = quiet_env({"SLEEP": "30", "METRICS": "{}"})
    proc = subprocess.Popen([sys.executable, SCRIPT_NAME, name], cwd=exp.root, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("STEP 1")
    return proc


def kill(proc: subprocess.Popen) -> None:
    """End the process the hard way (no outcome recorded), as a machine that loses power would."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
