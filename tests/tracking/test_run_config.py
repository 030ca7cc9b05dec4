"""What a run is started with: values checked before anything is written, the config it reads, the
time its budget counts, and how to repeat a completed run on purpose."""

from __future__ import annotations

import json

import pytest

from labrails.core.fsutil import read_json
from labrails.core.registry import Registry
from labrails.core.summary import read_summary

READS_A_MISSING_KEY = '''
import sys
import labrails

run = labrails.start_run_or_exit(sys.argv[1], script=__file__)
with run:
    lr = run.config["optim"]["lrr"]
    run.finish({"lr": lr})
'''
READS_IT_WITH_PLAIN_START_RUN = '''
import sys
import labrails

with labrails.start_run(sys.argv[1], script=__file__) as run:
    if "--log-first" in sys.argv:
        run.log_metrics({"loss": 2.3}, step=1, split="train")
    lr = run.config["optim"]["lrr"]
'''
READS_IT_OUTSIDE_WITH = '''
import sys
import labrails

run = labrails.start_run(sys.argv[1], script=__file__)
lr = run.config["optim"]["lrr"]
run.finish({"lr": lr})
'''
FINISHES = '''
import sys
import labrails

run = labrails.start_run_or_exit(sys.argv[1], force="--force" in sys.argv, script=__file__)
with run:
    run.finish({"test_accuracy": 0.9})
'''


def _nothing_written(exp) -> bool:
    return exp.run_dirs() == [] and not (exp.runs_dir.exists() and any(exp.runs_dir.iterdir()))


@pytest.mark.parametrize("edit, env, key", [
    (("lr: 0.003", "lr: fast"), None, "optim.lr"),
    (("batch_size: 64", "batch_size: 0"), None, "optim.batch_size"),
    (("train: {max_epochs: 4, patience: 2}", "train: {max_epochs: -3, patience: 2}"), None,
     "profiles.de-risk.train.max_epochs"),
    (("test_fraction: 0.30", "test_fraction: 1.5"), None, "data.test_fraction"),
    (("seed: 42", "seed: 42\nseed: 43"), None, "key 'seed' is written twice"),
    (None, {"LABRAILS_OVERRIDES": json.dumps({"model.hidden": 12.5})}, "override.model.hidden"),
    (None, {"LABRAILS_OVERRIDES": "[1,2]"}, "LABRAILS_OVERRIDES must be a JSON object"),
])
def test_a_bad_value_exits_2_naming_the_key_and_leaves_no_run_directory(experiment, run_in, edit, env, key):
    if edit:
        text = experiment.config_path.read_text()
        assert edit[0] in text
        experiment.config_path.write_text(text.replace(*edit))
    proc = run_in(experiment, "tiny_run.py", "de-risk", env=env, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert key in proc.stderr and "fix:" in proc.stderr and "Traceback" not in proc.stderr
    assert _nothing_written(experiment)


def test_a_key_the_script_reads_but_config_yaml_lacks_exits_2_and_leaves_no_run_directory(experiment, run_in):
    (experiment.root / "reads_lrr.py").write_text(READS_A_MISSING_KEY)
    proc = run_in(experiment, "reads_lrr.py", "de-risk", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "config.yaml" in proc.stderr and "'optim.lrr'" in proc.stderr and "keys under 'optim': lr," in proc.stderr
    assert _nothing_written(experiment), "a typo in a config key is a bad config, not a failed run"
    [row] = Registry(experiment.state).rows().values()  # the attempt itself is kept
    assert row["status"] == "failed" and row["discarded"] is True and row["error"][0] == "MissingConfigKey"


def test_a_plain_start_run_script_reading_a_missing_key_leaves_no_run_directory_either(experiment, run_in):
    (experiment.root / "reads_lrr.py").write_text(READS_IT_WITH_PLAIN_START_RUN)
    proc = run_in(experiment, "reads_lrr.py", "de-risk", check=False)
    assert proc.returncode != 0 and "'optim.lrr'" in proc.stderr
    assert _nothing_written(experiment)
    assert [r["discarded"] for r in Registry(experiment.state).rows().values()] == [True]


def test_without_with_run_a_missing_key_leaves_no_run_directory_and_python_shows_its_traceback(experiment, run_in):
    (experiment.root / "reads_lrr.py").write_text(READS_IT_OUTSIDE_WITH)
    proc = run_in(experiment, "reads_lrr.py", "de-risk", check=False)
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "'optim.lrr'" in proc.stderr
    assert _nothing_written(experiment)
    [row] = Registry(experiment.state).rows().values()
    assert row["status"] == "failed" and row["discarded"] is True


def test_a_missing_key_read_after_a_logged_step_keeps_the_failed_run(experiment, run_in):
    (experiment.root / "reads_lrr.py").write_text(READS_IT_WITH_PLAIN_START_RUN)
    run_in(experiment, "reads_lrr.py", "de-risk", "--log-first", check=False)
    (run,) = experiment.run_dirs()  # it trained: its logs are worth keeping
    info = read_json(run / "run.json")
    assert info["status"] == "failed" and info["error"]["type"] == "MissingConfigKey" and "optim.lrr" in info["error"]["message"]
    assert "discarded" not in Registry(experiment.state).rows()[run.name]


def test_the_budget_counts_from_start_run_and_start_up_is_reported_apart(experiment, run_in):
    (experiment.root / "finishes.py").write_text("import time\ntime.sleep(5.0)  # start-up: imports, data loading\n" + FINISHES)
    run_in(experiment, "finishes.py", "de-risk")
    info = read_json(experiment.run_dirs()[0] / "run.json")
    # The five seconds before start_run are start-up, not the budgeted run (two measures of one process,
    # compared with each other rather than with a fixed limit).
    assert info["startup_s"] >= 5.0 and info["duration_s"] < info["startup_s"]


def test_a_refused_rerun_says_how_to_repeat_it_on_purpose(experiment, run_in):
    (experiment.root / "finishes.py").write_text(FINISHES)
    run_in(experiment, "finishes.py", "de-risk")
    again = run_in(experiment, "finishes.py", "de-risk")
    assert "already completed" in again.stdout and "finishes.py de-risk --force" in again.stdout
    run_in(experiment, "finishes.py", "de-risk", "--force")
    assert len(experiment.run_dirs()) == 2


def test_a_finished_run_leaves_a_summary_true_to_its_files(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk")
    run = experiment.run_dirs()[0]
    summary = read_summary(run)
    assert summary["info"] == read_json(run / "run.json") and summary["metrics"] == read_json(run / "metrics.json")
    assert summary["config"]["optim"]["lr"] == 0.003 and summary["data"]["source"] == "sklearn.datasets.load_wine"
    metrics = read_json(run / "metrics.json")
    (run / "metrics.json").write_text(json.dumps({**metrics, "test_accuracy": 0.5}))
    assert read_summary(run) is None  # an edited run is read from its own files again
