"""Experiments with real runs whose final metrics the test chooses, the way a sweep would launch them.

``sweep_script.py`` (written into each test experiment) is the tiny fixture script with one change: the
final metrics and class counts come from the environment, so a test knows every value it aggregates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest


def run_script(exp, *args, env=None, check=True):
    full_env = {**os.environ, "LABRAILS_QUIET": "1", **(env or {})}
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=exp.root, env=full_env, capture_output=True, text=True,
                          timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc

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

# Three configurations x seeds 1, 2, 3, with values chosen so the statistics are easy to check by hand.
SWEEP = {
    "base": ({}, [0.90, 0.92, 0.97], [0.30, 0.25, 0.20]),
    "wide": ({"model.hidden": 256}, [0.91, 0.95, 0.99], [0.28, 0.22, 0.19]),
    "broken": ({"optim.lr": 10.0}, [0.30, 0.35, 0.40], [float("nan"), 2.5, 2.1]),
}
SEEDS = (1, 2, 3)


def launch(exp, name, metrics, *, overrides=None, check=True, **env):
    """Start ``python sweep_script.py NAME`` in the experiment, as `labrails sweep` would."""
    if not (exp.root / "sweep_script.py").is_file():
        (exp.root / "sweep_script.py").write_text(SCRIPT)
    extra = {"METRICS": json.dumps(metrics), **{k: str(v) for k, v in env.items()}}
    if overrides is not None:
        extra["LABRAILS_OVERRIDES"] = json.dumps(overrides)
    return run_script(exp, "sweep_script.py", name, env=extra, check=check)


def run_sweep(exp, configs=SWEEP, seeds=SEEDS):
    for config, (overrides, accuracies, losses) in configs.items():
        for seed, acc, loss in zip(seeds, accuracies, losses):
            launch(exp, f"full-{config}-seed{seed}", {"test_accuracy": acc, "test_loss": loss, "n_test": 58},
                   overrides={**overrides, "seed": seed})


def run_named(exp, descriptive):
    """The run directory whose name (after the timestamp) is ``descriptive``."""
    from labrails.core.naming import descriptive_part

    [found] = [d for d in exp.run_dirs() if descriptive_part(d.name) == descriptive]
    return found


def start_sleeping_run(exp, name):
    """A run that is alive (status running) until the caller kills it; returns the process."""
    if not (exp.root / "sweep_script.py").is_file():
        (exp.root / "sweep_script.py").write_text(SCRIPT)
    env = {**os.environ, "LABRAILS_QUIET": "1", "SLEEP": "30", "METRICS": "{}"}
    proc = subprocess.Popen([sys.executable, "sweep_script.py", name], cwd=exp.root, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("STEP 1")
    return proc


def kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def launch_run():
    return launch


@pytest.fixture(scope="session")
def named():
    return run_named


@pytest.fixture
def sleeping_run():
    """start(exp, name) -> a live process; kill(proc) ends it the hard way."""
    return start_sleeping_run, kill


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """One experiment with the three-configuration sweep above, shared read-only by a module's tests."""
    import labrails

    exp = labrails.new_experiment(tmp_path_factory.mktemp("sweep") / "wine-mlp", hypothesis="a wider MLP is more accurate",
                                  success=["test_accuracy >= 0.9"])
    run_sweep(exp)
    return exp
