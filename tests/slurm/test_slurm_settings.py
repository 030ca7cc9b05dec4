"""The suite's `slurm:` section: checked as a schema when the suite is read, merged per profile (no cluster needed)."""

from __future__ import annotations

import pytest

from labrails.core.errors import ConfigError
from labrails.sweep import load_suite
from labrails.sweep.slurm import job_parameters, parse_sacct, word
from labrails.tracking.cluster import job_label, signal_reason, slurm_job

SUITE = """
name: tiny
configurations:
  - {name: base, overrides: {}}
slurm:
"""


def suite_with(tmp_path, slurm: str):
    path = tmp_path / "tiny.yaml"
    path.write_text(SUITE + "".join(f"  {line}\n" for line in slurm.strip().splitlines()))
    return path


@pytest.mark.parametrize(("settings", "key", "fix"), [
    ("partiton: gpu", "unknown key 'slurm.partiton'", "partition"),
    ("cpus_per_task: 0", "slurm.cpus_per_task is 0", "cpus_per_task: 8"),
    ("mem_gb: -4", "slurm.mem_gb is -4", "mem_gb: 32"),
    ("timeout_min: 1.5", "slurm.timeout_min is 1.5: it must be a whole number", "timeout_min: 60"),
    ("gres: gpu 2", "slurm.gres is 'gpu 2'", "gpu:a100:2"),
    ("profiles: {full: {gpus_per_node: -1}}", "slurm.profiles.full.gpus_per_node is -1", "gpus_per_node: 1"),
    ("profiles: {de-risk: {timeout: 10}}", "unknown key 'slurm.profiles.de-risk.timeout'", "timeout_min"),
])
def test_a_bad_setting_names_the_file_the_key_and_the_fix(tmp_path, settings, key, fix):
    path = suite_with(tmp_path, settings)
    with pytest.raises(ConfigError) as err:
        load_suite(path)
    assert key in err.value.message and fix in (err.value.fix or "") and err.value.path == path


def test_a_profile_gets_its_own_settings_and_de_risk_a_short_time_limit(tmp_path):
    suite = load_suite(suite_with(tmp_path, """
partition: gpu
gres: gpu:a100:1
profiles: {de-risk: {gres: "gpu:1"}, full: {timeout_min: 240}}
"""))
    derisk = job_parameters(suite.slurm, profile="de-risk", budget_seconds=None)
    full = job_parameters(suite.slurm, profile="full", budget_seconds=1800, max_parallel=3)
    assert derisk == {"slurm_partition": "gpu", "slurm_gres": "gpu:1", "timeout_min": 15, "slurm_array_parallelism": 1}
    assert full == {"slurm_partition": "gpu", "slurm_gres": "gpu:a100:1", "timeout_min": 240, "slurm_array_parallelism": 3}
    assert job_parameters({}, profile="de-risk", budget_seconds=60)["timeout_min"] == 5          # twice 60 s, at least 5 min
    assert job_parameters({}, profile="full", budget_seconds=None)["timeout_min"] == 24 * 60


def test_sacct_lines_become_states_per_job_and_words_for_the_sweep():
    states = parse_sacct("12|RUNNING|vm\n12.batch|RUNNING|vm\n13_1|CANCELLED by 0|vm\n14_[2-3%2]|PENDING|None assigned\n")
    assert states == {"12": ("RUNNING", "vm"), "13_1": ("CANCELLED", "vm"), "14_2": ("PENDING", ""), "14_3": ("PENDING", "")}
    assert [word(s) for s in ("PENDING", "RUNNING", "COMPLETED", "CANCELLED", "TIMEOUT", None)] == \
        ["pending", "running", "done", "failed", "failed", "pending"]


def test_a_run_knows_its_job_from_the_environment():
    job = slurm_job({"SLURM_JOB_ID": "43", "SLURM_ARRAY_JOB_ID": "42", "SLURM_ARRAY_TASK_ID": "1", "SLURMD_NODENAME": "gpu03",
                     "SLURM_RESTART_COUNT": "1"})
    assert job["job_id"] == "42_1" and job["node"] == "gpu03" and job["restart_count"] == 1
    assert job_label({"slurm": job}) == "42_1@gpu03" and job_label({}) == ""
    assert slurm_job({}) is None
    assert "SIGTERM in SLURM job 42_1 on gpu03" in signal_reason(-15, job) and signal_reason(0, job) is None
