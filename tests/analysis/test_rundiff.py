"""`labrails diff RUN_A RUN_B` and its library function: two real runs side by side."""

from __future__ import annotations

import json
import subprocess

from testing.commands import labrails_cli
from testing.experiments import tiny_experiment
from testing.runs import derisked_on, record_run

from labrails.analysis.rundiff import ABSENT, compare_runs, format_diff

GIT = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]


def test_a_de_risk_and_a_full_run_differ_in_profile_values_and_metrics(experiment):
    derisk = derisked_on(experiment, script="tiny_run.py")
    full = record_run(experiment, "full", script="tiny_run.py", metrics={"test_accuracy": 0.95, "n_test": 58})

    diff = compare_runs(derisk, full)

    config = {key: (a, b) for key, a, b in diff.config.differing}
    assert config["profile"] == ("de-risk", "full")
    assert "seed" not in config  # shared values are compared, and listed only with --all
    assert not diff.environment.differing  # same machine, same packages
    assert ("test_accuracy", 0.93, 0.95) in diff.metrics.rows
    text = format_diff(diff)
    assert "profile" in text and "+0.02" in text and "(same commit and same uncommitted changes)" in text
    assert "seed" in format_diff(diff, all_keys=True) and "seed" not in text


def test_the_cli_resolves_run_names_and_latest_and_prints_json(experiment):
    derisked_on(experiment, script="tiny_run.py")
    record_run(experiment, "full", script="tiny_run.py")

    shown = labrails_cli(experiment, "diff", "de-risk", "latest")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("A: ") and "-de-risk\nB: " in shown.stdout and shown.stdout.split("\n")[1].endswith("-full")
    data = json.loads(labrails_cli(experiment, "diff", "de-risk", "full", "--json").stdout)
    assert {"config", "code", "environment", "metrics", "code_diff"} <= set(data)
    assert any(row["key"] == "profile" and not row["same"] for row in data["config"])
    missing = labrails_cli(experiment, "diff", "de-risk", "nope")
    assert missing.returncode == 2 and "no run matches 'nope'" in missing.stderr


def test_uncommitted_changes_between_two_runs_show_as_a_diff_of_their_patches(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    exp = tiny_experiment(repo / "exp")
    subprocess.run([*GIT, "add", "."], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "init"], cwd=repo, check=True)
    clean = record_run(exp, "de-risk", script="tiny_run.py")
    (exp.root / "tiny_run.py").write_text((exp.root / "tiny_run.py").read_text() + "LR_WARMUP = 100\n")
    dirty = record_run(exp, "de-risk-warmup", script="tiny_run.py")

    diff = compare_runs(clean, dirty)

    code = {key: (a, b) for key, a, b in diff.code.rows}
    assert code["uncommitted changes"] == (False, True)
    assert code["git commit"][0] == code["git commit"][1] is not None
    assert "+LR_WARMUP = 100" in diff.code_diff  # the line the second run added, in the diff of the patches


def test_a_key_only_one_run_has_is_shown_as_absent(experiment):
    first = record_run(experiment, "de-risk", script="tiny_run.py", metrics={"test_accuracy": 0.9})
    second = record_run(experiment, "de-risk-more", script="tiny_run.py", metrics={"test_accuracy": 0.9, "test_f1": 0.8},
                        force=True)

    assert ("test_f1", ABSENT, 0.8) in compare_runs(first, second).metrics.differing
