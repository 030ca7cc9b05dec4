"""Stopping a sweep part-way, then running the same command again: only what is missing runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from sweep_helpers import sweep_cli
from testing.runs import runs_named

from labrails.core.fsutil import read_json
from labrails.core.registry import Registry


def start_sweep(exp, suite, *, sleep: str):
    env = {**os.environ, "LABRAILS_QUIET": "1", "TINY_SLEEP": sleep}
    return subprocess.Popen([sys.executable, "-m", "labrails", "sweep", str(suite)], cwd=exp.root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_start(proc, run_name):
    """Read the sweep's output until it says it started ``run_name``."""
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.split()[:2] == ["start", run_name]:
            return
    raise AssertionError("the sweep ended before starting " + run_name + ":\n" + "".join(seen))


def wait_until_training(exp, run_name):
    """Until the job's console log shows its first training step (the run is past its setup)."""
    import time

    deadline = time.monotonic() + 300  # a guard against a hang, not a speed limit
    while not any("STEP 1" in log.read_text() for log in exp.root.glob(f"sweeps/*/jobs/{run_name}.log")):
        assert time.monotonic() < deadline, f"{run_name} never started training"
        time.sleep(0.05)


def completed(exp):
    # By descriptive name: a run started in the same second as an earlier one gets a "-2" directory suffix.
    names = [row["run"].split("-", 5)[-1] for row in Registry(exp.state).find(status=["completed"]) if "seed" in row["run"]]
    return sorted(re.sub(r"-\d+$", "", name) for name in names)


def test_an_interrupted_sweep_resumes_where_it_stopped(derisked, write_suite):
    suite = write_suite()
    sweep = start_sweep(derisked, suite, sleep="0.2")
    wait_for_start(sweep, "full-small-lr-seed2")
    wait_until_training(derisked, "full-small-lr-seed2")
    sweep.send_signal(signal.SIGTERM)                       # `kill PID`, or a cluster preempting the sweep
    out, _ = sweep.communicate(timeout=60)

    assert sweep.returncode == 130, out
    assert "interrupted: run the same command again to resume" in out
    (stopped,) = runs_named(derisked, "full-small-lr-seed2")
    info = read_json(stopped / "run.json")
    assert info["status"] == "failed" and "interrupted" in info["error"]["message"]  # it recorded why it stopped
    assert completed(derisked) == ["full-small-lr-seed1"]

    again = sweep_cli(derisked, suite)

    assert again.returncode == 0, again.stdout + again.stderr
    assert "skip  full-small-lr-seed1" in again.stdout
    started = [line.split()[1] for line in again.stdout.splitlines() if line.split()[:1] == ["start"]]
    assert started == ["full-small-lr-seed2", "full-large-lr-seed1", "full-large-lr-seed2"]
    assert completed(derisked) == ["full-large-lr-seed1", "full-large-lr-seed2", "full-small-lr-seed1", "full-small-lr-seed2"]


def test_a_killed_sweep_loses_no_run_and_the_next_one_waits_for_the_run_still_going(derisked, write_suite):
    suite = write_suite()
    sweep = start_sweep(derisked, suite, sleep="0.4")
    wait_for_start(sweep, "full-small-lr-seed2")
    wait_until_training(derisked, "full-small-lr-seed2")
    sweep.kill()                                             # kill -9: the sweep cannot clean up
    sweep.wait()

    again = sweep_cli(derisked, suite)                       # the orphaned run is still going

    assert again.returncode == 0, again.stdout + again.stderr
    assert "wait  full-small-lr-seed2" in again.stdout
    started = [line.split()[1] for line in again.stdout.splitlines() if line.split()[:1] == ["start"]]
    assert started == ["full-large-lr-seed1", "full-large-lr-seed2"]
    assert len(runs_named(derisked, "full-small-lr-seed2")) == 1  # waited for, not started twice
    assert completed(derisked) == ["full-large-lr-seed1", "full-large-lr-seed2", "full-small-lr-seed1", "full-small-lr-seed2"]
