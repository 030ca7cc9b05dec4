"""The tiny script through a real SLURM scheduler: job arrays, cancellation, preemption, resume, the gate per job."""

from __future__ import annotations

import subprocess

import pytest
from testing.commands import labrails_cli
from testing.runs import runs_named
from testing.slurm import squeue, state, wait_until

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json
from labrails.core.registry import Registry
from labrails.sweep import run_sweep

pytest.importorskip("submitit")

SLURM = ["--launcher", "submitit", "--cluster", "slurm"]


def start_sweep(exp, *args, env=None) -> subprocess.Popen:
    import os
    import sys

    return subprocess.Popen([sys.executable, "-m", "labrails", "sweep", "suites/tiny.yaml", *SLURM, *args], cwd=exp.root,
                            env={**os.environ, "LABRAILS_QUIET": "1", **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def running_job_of(exp, run_name: str) -> str:
    """The SLURM job id of the run ``run_name`` once its run directory exists (the job is running)."""
    def found():
        for run in runs_named(exp, run_name):
            return (read_json(run / "run.json").get("slurm") or {}).get("job_id")
        return None
    return wait_until(found, timeout=60, what=f"a running job for {run_name}")


def test_a_suite_runs_as_one_job_array_and_each_run_records_its_job(tiny_sweep):
    lines: list[str] = []
    result = run_sweep(tiny_sweep.root / "suites" / "tiny.yaml", launcher="submitit", cluster="slurm", max_parallel=2,
                       echo=lines.append)

    assert result.exit_code == 0, "\n".join(lines)
    ids = {result.outcomes[j.run_name]["submitit_job_id"] for j in result.plan.jobs}
    assert {i.split("_")[0] for i in ids} == {next(iter(ids)).split("_")[0]} and len(ids) == 2   # one array, two tasks
    rows = Registry(tiny_sweep.state).rows()
    for job in result.plan.jobs:
        (run,) = runs_named(tiny_sweep, job.run_name)
        info = read_json(run / "run.json")
        assert info["slurm"]["job_id"] == result.outcomes[job.run_name]["submitit_job_id"]
        assert info["slurm"]["node"]
        wait_until(lambda: state(info["slurm"]["job_id"]) == "COMPLETED", timeout=30, what="sacct to say COMPLETED")
        assert rows[run.name]["status"] == "completed"
        logs = run / "logs"
        assert "$ cd" in (logs / "job.log").read_text()                       # the job's console, kept with the run
        assert (logs / f"slurm-{info['slurm']['job_id']}.out").is_file()      # and what SLURM captured
    assert any(line.lstrip().startswith("submitted") for line in lines)
    assert any(line.strip().startswith("jobs: 0 pending, 0 running, 2 done, 0 failed") for line in lines)
    table = labrails_cli(tiny_sweep, "runs").stdout
    assert "slurm job" in table and all(i in table for i in ids)
    again = run_sweep(tiny_sweep.root / "suites" / "tiny.yaml", launcher="submitit", cluster="slurm", echo=lambda _: None)
    assert set(again.statuses().values()) == {"skipped"}                      # dedup holds through the scheduler


def test_scancel_fails_the_run_with_the_signal_and_resume_finishes_the_rest(tiny_sweep):
    sweep = start_sweep(tiny_sweep, "--max-parallel", "2", env={"TINY_SLEEP": "2"})
    victim = running_job_of(tiny_sweep, "full-small-lr-seed1")
    subprocess.run(["scancel", victim], check=True)
    out, _ = sweep.communicate(timeout=120)

    assert sweep.returncode == 1, out
    (cancelled,) = runs_named(tiny_sweep, "full-small-lr-seed1")
    info = read_json(cancelled / "run.json")
    assert info["status"] == "failed" and "SIGTERM" in info["error"]["message"], info["error"]
    assert Registry(tiny_sweep.state).rows()[cancelled.name]["status"] == "failed"
    wait_until(lambda: state(victim) == "CANCELLED", timeout=30, what="sacct to say CANCELLED")
    (survivor,) = runs_named(tiny_sweep, "full-small-lr-seed2")
    assert read_json(survivor / "run.json")["status"] == "completed"

    resumed = labrails_cli(tiny_sweep, "sweep", "--resume", timeout=180)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "1 completed, 1 skipped" in resumed.stdout
    assert len(runs_named(tiny_sweep, "full-small-lr-seed1")) == 2          # nothing lost: the cancelled run stays
    assert [read_json(r / "run.json")["status"] for r in runs_named(tiny_sweep, "full-small-lr-seed1")] == ["failed", "completed"]


@pytest.mark.slow  # SLURM holds a requeued job for about two minutes before it may start again
def test_preemption_fails_the_run_and_the_requeued_job_runs_it_again(tiny_sweep):
    sweep = start_sweep(tiny_sweep, "--seeds", "1", env={"TINY_SLEEP": "1"})
    job = running_job_of(tiny_sweep, "full-small-lr-seed1")
    subprocess.run(["scancel", "--signal=USR2", job], check=True)           # what SLURM sends before preempting
    out, _ = sweep.communicate(timeout=180)

    assert sweep.returncode == 0, out
    first, second = runs_named(tiny_sweep, "full-small-lr-seed1")
    first_info, second_info = read_json(first / "run.json"), read_json(second / "run.json")
    # the run records the signal itself, unless the requeue kills it first: then the requeued job records why
    assert first_info["status"] == "failed", first_info
    assert first_info["error"]["type"] == "Preempted" or "was requeued" in first_info["error"]["message"], first_info["error"]
    assert second_info["status"] == "completed"
    assert first_info["slurm"]["job_id"] == second_info["slurm"]["job_id"] == job     # the same job, requeued
    assert second_info["slurm"]["restart_count"] == 1


def test_the_derisk_gate_is_checked_again_when_the_job_starts(tiny_sweep):
    import submitit

    from labrails.sweep import plan_sweep
    from labrails.sweep.launchers import cluster_job

    plan = plan_sweep(tiny_sweep.root / "suites" / "tiny.yaml")
    (tiny_sweep.root / "tiny_run.py").write_text((tiny_sweep.root / "tiny_run.py").read_text() + "\n# changed\n")
    executor = submitit.AutoExecutor(folder=str(tiny_sweep.root / "submitit"), cluster="slurm")
    executor.update_parameters(timeout_min=5, mem_gb=1)
    sjob = executor.submit(cluster_job, plan.jobs[0], experiment_root=str(tiny_sweep.root),
                           script=str(plan.script), log_path=str(tiny_sweep.root / "job.log"), profile="full")
    outcome = sjob.result()

    # the code changed after the de-risk run vouched for it: the job refuses on its node, and no run starts
    assert outcome["status"] == "blocked" and "de-risk" in outcome["error"], outcome
    assert outcome["slurm"]["job_id"] == sjob.job_id
    assert not runs_named(tiny_sweep, plan.jobs[0].run_name)


def test_a_request_the_cluster_cannot_meet_is_refused_naming_the_suite(tiny_sweep):
    suite = tiny_sweep.root / "suites" / "tiny.yaml"
    suite.write_text(suite.read_text().replace("cpus_per_task: 1", "cpus_per_task: 512"))
    with pytest.raises(LabrailsError) as err:
        run_sweep(suite, launcher="submitit", cluster="slurm", echo=lambda _: None)
    assert "sbatch refused the job" in err.value.message and err.value.path == suite and "slurm" in err.value.fix
    assert "tiny" not in squeue()
