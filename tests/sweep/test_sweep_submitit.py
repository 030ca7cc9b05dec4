"""The same suite through submitit: its local executor here, and the `slurm:` section checked before anything runs."""

from __future__ import annotations

import shutil

import pytest
from testing.runs import runs_named

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json
from labrails.sweep import run_sweep
from labrails.sweep.slurm import job_parameters

pytest.importorskip("submitit")

WITH_SLURM = """
    name: tiny
    script: tiny_run.py
    seeds: [1, 2]
    configurations:
      - {name: small-lr, overrides: {optim.lr: 0.001}}
    slurm: {partition: gpu, account: lab, timeout_min: 30, gpus_per_node: 1, cpus_per_task: 4}
"""


def quiet(line: str) -> None:
    pass


def test_submitits_local_executor_runs_the_suite(derisked, write_suite):
    result = run_sweep(write_suite(), launcher="submitit", cluster="local", max_parallel=2, echo=quiet)

    assert result.exit_code == 0, result.outcomes
    assert set(result.statuses().values()) == {"completed"}
    for job in result.plan.jobs:
        outcome = result.outcomes[job.run_name]
        (run,) = runs_named(derisked, job.run_name)
        assert outcome["run"] == run.name and outcome["submitit_job_id"]
        assert read_json(run / "review.json")["passed"]
    assert (result.record / "submitit").is_dir()           # submitit's own logs and pickles, next to the record
    assert read_json(result.record / "sweep.json")["options"]["launcher"] == "submitit"
    again = run_sweep(write_suite(), launcher="submitit", cluster="local", echo=quiet)
    assert set(again.statuses().values()) == {"skipped"}


def test_the_slurm_section_becomes_submitit_parameters():
    params = job_parameters({"partition": "gpu", "account": "lab", "timeout_min": 30, "gpus_per_node": 1, "qos": "high",
                             "sbatch": {"mail-type": "END"}}, profile="full", budget_seconds=1800, max_parallel=3)
    assert params == {"slurm_partition": "gpu", "slurm_account": "lab", "timeout_min": 30, "gpus_per_node": 1,
                      "slurm_qos": "high", "slurm_additional_parameters": {"mail_type": "END"}, "slurm_array_parallelism": 3}
    # no timeout given: twice the profile's budget, so a healthy run is never killed by the scheduler
    assert job_parameters({}, profile="full", budget_seconds=1800)["timeout_min"] == 60


def test_an_unknown_slurm_key_is_refused_before_anything_runs(derisked, write_suite):
    suite = write_suite(WITH_SLURM.replace("partition: gpu", "partiton: gpu"))
    with pytest.raises(LabrailsError) as err:
        run_sweep(suite, launcher="submitit", cluster="local", echo=quiet)
    assert "unknown key 'slurm.partiton'" in str(err.value) and "partition" in err.value.fix
    assert err.value.path == suite
    assert not runs_named(derisked, "full-small-lr-seed1") and not (derisked.root / "sweeps").exists()


def test_slurm_parameters_do_not_get_in_the_way_of_a_local_try(derisked, write_suite):
    result = run_sweep(write_suite(WITH_SLURM), seeds=[1], launcher="submitit", cluster="local", echo=quiet)
    assert result.statuses() == {"full-small-lr-seed1": "completed"}


def test_asking_for_slurm_where_there_is_none_says_so_and_leaves_nothing(derisked, write_suite):
    if shutil.which("srun"):
        pytest.skip("this machine is a SLURM node")
    with pytest.raises(LabrailsError, match="cannot use the 'slurm' cluster here"):
        run_sweep(write_suite(WITH_SLURM), launcher="submitit", cluster="slurm", echo=quiet)
    assert not any((derisked.root / "sweeps").iterdir())


def test_a_cluster_needs_the_submitit_launcher(derisked, write_suite):
    with pytest.raises(LabrailsError, match="--cluster slurm needs --launcher submitit"):
        run_sweep(write_suite(), cluster="slurm", echo=quiet)
