"""The run lifecycle, end to end through a real script: create, log, finish, skip, fail, crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import read_json
from labrails.core.registry import Registry
from labrails.analysis.runs_table import list_runs
from labrails.core.policy import read_refusals
from testing.reviews import assert_review_passed


def files_and_times(root):
    # SQLite's -shm file is the readers' shared memory (read marks), not data: a reader may touch it.
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file() and not p.name.endswith("-shm")}


def only_run(exp):
    runs = exp.run_dirs()
    assert len(runs) == 1, runs
    return runs[0]


def test_a_run_leaves_a_complete_self_describing_directory(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk")
    run = only_run(experiment)
    assert run.name[:19].count("-") == 4 and run.name.endswith("-de-risk")  # YYYY-MM-DDTHH-MM-SS-de-risk
    for sub in ("logs", "plots", "checkpoints", "data"):
        assert (run / sub).is_dir()
    for name in ("run.json", "config.yaml", "command.txt", "env.json", "git.json", "data.json", "metrics.json", "README.txt"):
        assert (run / name).is_file(), name
    info = read_json(run / "run.json")
    assert info["status"] == "completed" and info["profile"] == "de-risk" and info["duration_s"] >= 0
    assert info["identity"].startswith(info["config_hash"][:8] + "_")
    log = (run / "logs" / "train.log").read_text()
    assert "resolved config" in log and "step 1/5" in log and "ETA" in log and "s/step" in log
    records = [json.loads(line) for line in (run / "logs" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["name"] == "loss"] == [1, 2, 3, 4, 5]
    readme = (run / "README.txt").read_text()
    assert "PURPOSE" in readme and "test_accuracy" in readme and "NAVIGATION" in readme and "load_wine" in readme


def test_identical_completed_run_is_skipped_and_points_to_the_earlier_one(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk")
    first = only_run(experiment)
    again = run_in(experiment, "tiny_run.py", "de-risk")
    assert "already completed" in again.stdout and str(first) in again.stdout
    assert len(experiment.run_dirs()) == 1
    run_in(experiment, "tiny_run.py", "de-risk", "--force")
    assert len(experiment.run_dirs()) == 2


def test_changed_config_is_a_new_identity(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk")
    config = experiment.config_path.read_text().replace("seed: 42", "seed: 43")
    experiment.config_path.write_text(config)
    run_in(experiment, "tiny_run.py", "de-risk")
    identities = {read_json(d / "run.json")["identity"] for d in experiment.run_dirs()}
    assert len(identities) == 2


def test_a_failure_is_recorded_with_its_traceback_and_does_not_block_a_retry(experiment, run_in):
    proc = run_in(experiment, "tiny_run.py", "de-risk", env={"TINY_FAIL": "loss exploded"}, check=False)
    assert proc.returncode != 0
    failed = only_run(experiment)
    info = read_json(failed / "run.json")
    assert info["status"] == "failed" and info["error"]["message"] == "loss exploded"
    assert "RuntimeError" in info["error"]["traceback"]
    assert Registry(experiment.state).rows()[failed.name]["status"] == "failed"
    run_in(experiment, "tiny_run.py", "de-risk")  # a failed identity may be retried
    assert [r.status for r in list_runs(experiment)] == ["failed", "completed"]


def test_an_exception_outside_with_run_is_recorded_as_the_failure(experiment, run_in):
    (experiment.root / "no_with.py").write_text(
        "import sys\nimport labrails\n\nrun = labrails.start_run(sys.argv[1], script=__file__)\n"
        "run.log_metrics({'loss': 2.3}, step=1, split='train')\nraise RuntimeError('loss exploded')\n")
    proc = run_in(experiment, "no_with.py", "de-risk", check=False)
    assert proc.returncode == 1 and "RuntimeError: loss exploded" in proc.stderr  # Python's own report still comes
    info = read_json(only_run(experiment) / "run.json")
    assert info["status"] == "failed" and info["error"]["message"] == "loss exploded", "not 'running' until found dead"


def test_kill_9_mid_run_is_detected_as_crashed(experiment):
    env = {**os.environ, "LABRAILS_QUIET": "1", "TINY_SLEEP": "30"}
    proc = subprocess.Popen([sys.executable, "tiny_run.py", "de-risk"], cwd=experiment.root, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("STEP 1")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    run = only_run(experiment)
    assert read_json(run / "run.json")["status"] == "running"  # nobody recorded the death yet
    before = files_and_times(experiment.root)
    rows = list_runs(experiment)
    assert rows[0].status == "crashed"
    assert files_and_times(experiment.root) == before  # listing wrote nothing
    Registry(experiment.state).refresh(experiment.runs_dir)
    row = Registry(experiment.state).rows()[run.name]
    assert row["status"] == "crashed" and "ended without recording" in row["error"][1]


def test_eight_processes_starting_at_once_lose_nothing(experiment):
    env = {**os.environ, "LABRAILS_QUIET": "1"}
    # Output goes to files: eight pipes nobody drains until their turn could fill and stall a writer.
    logs = [experiment.root / f"proc{i}.log" for i in range(8)]
    procs = [subprocess.Popen([sys.executable, "tiny_run.py", "de-risk", "--force"], cwd=experiment.root, env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT) for log in logs]
    for p, log in zip(procs, logs):
        assert p.wait(timeout=600) == 0, log.read_text()
    runs = experiment.run_dirs()
    assert len(runs) == 8 and len({r.name for r in runs}) == 8
    rows = Registry(experiment.state).rows()
    assert sorted(rows) == sorted(r.name for r in runs)
    assert all(row["status"] == "completed" for row in rows.values())


def test_bad_profile_or_config_leaves_nothing_behind(experiment, run_in):
    proc = run_in(experiment, "tiny_run.py", "baseline", check=False)
    assert proc.returncode == 2 and "does not say which profile" in proc.stderr and "de-risk" in proc.stderr
    experiment.config_path.write_text(experiment.config_path.read_text().replace("train: {max_epochs: 4, patience: 2}", "train: {max_epoch: 4}"))
    proc = run_in(experiment, "tiny_run.py", "de-risk", check=False)
    assert proc.returncode == 2 and "profiles.de-risk.train.max_epoch" in proc.stderr
    assert experiment.run_dirs() == [] and not (experiment.runs_dir.exists() and any(experiment.runs_dir.iterdir()))


def test_synthetic_data_fails_a_full_run_but_not_a_derisk_run(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk", env={"TINY_SYNTHETIC": "1"})
    derisk = only_run(experiment)
    assert read_json(derisk / "run.json")["synthetic_data"] is True  # allowed: the spec lets de-risk use generated data
    assert_review_passed(derisk)  # so the de-risk run vouches for the full run, which may then start...
    proc = run_in(experiment, "tiny_run.py", "full", env={"TINY_SYNTHETIC": "1"}, check=False)
    assert proc.returncode != 0
    full = [d for d in experiment.run_dirs() if d.name.endswith("full")][0]
    info = read_json(full / "run.json")
    assert info["status"] == "failed" and "synthetic data" in info["error"]["message"]


@pytest.mark.parametrize("name, tidy", [("de-risk/../../escape", "de-risk-escape"), ("de-risk ", "de-risk"),
                                        ("de-risk\u200b", "de-risk"), ("de-risk@seed2", "de-risk-seed2")])
def test_a_name_that_needs_tidying_is_refused_with_the_tidy_name_suggested(experiment, run_in, name, tidy):
    proc = run_in(experiment, "tiny_run.py", name, check=False)
    assert proc.returncode == 2 and "[run-name]" in proc.stderr and f"use '{tidy}'" in proc.stderr
    assert experiment.run_dirs() == []
    [line] = read_refusals(experiment.state)
    assert line["rule"] == "run-name" and line["name"] == name
    run_in(experiment, "tiny_run.py", tidy)
    assert only_run(experiment).name.endswith("-" + tidy)


def test_same_second_names_never_collide(experiment):
    from labrails.tracking.run import _claim_dir

    names = {_claim_dir(experiment.runs_dir, "full").name for _ in range(5)}
    assert len(names) == 5


def test_git_snapshot_and_dirty_identity(tmp_path, run_in):
    import labrails

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    exp = labrails.new_experiment(repo / "exp")
    import shutil
    from pathlib import Path

    # not `from conftest import FIXTURES`: with several conftest.py files, "conftest" is whichever loaded last
    shutil.copy(Path(__file__).parents[1] / "fixtures" / "tiny_run.py", exp.root / "tiny_run.py")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=repo, check=True)
    run_in(exp, "tiny_run.py", "de-risk")
    clean = read_json(exp.run_dirs()[-1] / "git.json")
    assert clean["dirty"] is False and len(clean["commit"]) == 40
    (exp.root / "tiny_run.py").write_text((exp.root / "tiny_run.py").read_text() + "\n# tweak\n")
    labrails_journal = exp.journal.read_text()
    run_in(exp, "tiny_run.py", "de-risk")
    dirty_run = exp.run_dirs()[-1]
    assert read_json(dirty_run / "git.json")["dirty"] is True and (dirty_run / "diff.patch").is_file()
    assert "+" in read_json(dirty_run / "run.json")["code_version"]
    assert exp.journal.read_text() == labrails_journal


def test_start_run_outside_an_experiment_says_what_to_do(tmp_path, monkeypatch):
    import labrails

    monkeypatch.chdir(tmp_path)
    with pytest.raises(LabrailsError, match="labrails new"):
        labrails.start_run("de-risk", experiment=tmp_path)


def test_a_new_untracked_script_changes_the_identity_but_data_files_do_not(tmp_path):
    from labrails.core.snapshot import code_version, git_state

    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "train.py").write_text("print('real')\n")
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=repo, check=True)
    clean = code_version(git_state(repo))
    (repo / "split.json").write_text("{}")
    assert code_version(git_state(repo)) == clean
    (repo / "train_fast.py").write_text("print('shortcut')\n")
    assert code_version(git_state(repo)) != clean
