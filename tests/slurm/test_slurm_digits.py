"""The digits cartography suite, 2 configurations x 2 seeds, through sbatch: cancel one run mid-training,
then `labrails sweep --resume` resumes it from its checkpoint and finishes the rest."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from testing.commands import labrails_cli, quiet_env
from testing.runs import runs_named
from testing.slurm import wait_until

from labrails.core.fsutil import read_json
from labrails.core.registry import Registry

pytest.importorskip("torch")
pytest.importorskip("submitit")

SUITE = """
    name: carto-short
    profile: full
    seeds: [42, 43]
    configurations:
      - name: baseline
        overrides: {cartography.log_dynamics: true, train.max_epochs: 40, train.patience: 40}
      - name: filter
        overrides: {cartography.strategy: filter, cartography.dynamics: "runs/*-full-baseline-seed{seed}", train.max_epochs: 3}
    slurm: {cpus_per_task: 1, mem_gb: 2, profiles: {full: {timeout_min: 30}}}
"""


@pytest.mark.slow
def test_a_digits_sweep_through_slurm_survives_a_cancel_and_resumes_from_the_checkpoint(tmp_path, slurm_cluster):
    import labrails

    exp = labrails.new_experiment(tmp_path / "digits-carto", template="cartography")
    derisk = subprocess.run([sys.executable, "train.py", "de-risk"], cwd=exp.root, env=quiet_env(), capture_output=True,
                            text=True, timeout=300)
    assert derisk.returncode == 0, derisk.stdout + derisk.stderr
    (exp.root / "suites" / "carto-short.yaml").write_text(textwrap.dedent(SUITE))
    sweep = subprocess.Popen([sys.executable, "-m", "labrails", "sweep", "suites/carto-short.yaml", "--launcher", "submitit",
                              "--cluster", "slurm", "--max-parallel", "2"], cwd=exp.root, env=quiet_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    checkpoint = wait_until(lambda: next(iter(exp.root.glob("runs/*-full-baseline-seed42/checkpoints/last.pt")), None),
                            timeout=180, what="the first checkpoint of baseline seed 42")
    victim = read_json(checkpoint.parents[1] / "run.json")["slurm"]["job_id"]
    subprocess.run(["scancel", victim], check=True)
    out, _ = sweep.communicate(timeout=600)

    assert sweep.returncode == 1, out
    assert "running     full-baseline-seed43" in out and "jobs: " in out          # progress as the jobs move
    cancelled = checkpoint.parents[1]
    assert read_json(cancelled / "run.json")["status"] == "failed"
    assert "blocked     full-filter-seed42" in out                                  # it reads the cancelled baseline

    resumed = labrails_cli(exp, "sweep", "--resume", timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "2 completed, 2 skipped" in resumed.stdout
    first, second = runs_named(exp, "full-baseline-seed42")
    assert first == cancelled and f"resumed from {checkpoint}" in (second / "logs" / "train.log").read_text()
    rows = Registry(exp.state).rows()
    for config in ("baseline", "filter"):
        for seed in (42, 43):
            run = runs_named(exp, f"full-{config}-seed{seed}")[-1]
            info = read_json(run / "run.json")
            assert info["status"] == "completed" and rows[run.name]["status"] == "completed"
            assert info["slurm"]["job_id"] and info["slurm"]["node"]
            assert 0.0 <= read_json(run / "metrics.json")["test_accuracy"] <= 1.0
            assert (run / "review.json").is_file() and (run / "logs" / "job.log").is_file()
    assert "slurm job" in labrails_cli(exp, "runs").stdout
