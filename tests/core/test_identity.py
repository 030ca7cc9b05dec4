"""A run's identity follows what actually runs: config, command-line arguments, and the code itself."""

from __future__ import annotations

import subprocess

from labrails.core.fsutil import read_json
from labrails.core.identity import normalize_args, run_identity
from labrails.core.snapshot import code_version, git_state


def test_argument_order_does_not_matter_but_values_do():
    a = run_identity("c" * 64, "abc1234", ["main.py", "--lr", "0.1", "--epochs", "2", "--cuda"])
    b = run_identity("c" * 64, "abc1234", ["main.py", "--cuda", "--epochs=2", "--lr", "0.1"])
    c = run_identity("c" * 64, "abc1234", ["main.py", "--lr", "0.1", "--epochs", "1", "--cuda"])
    assert a == b != c
    assert run_identity("c" * 64, "abc1234") == "cccccccc_abc1234"  # no arguments: the config hash as before
    assert normalize_args(["x.py", "--shift", "-1"]) == [["x.py"], [["--shift", "-1"]]]


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_edits_inside_a_git_ignored_experiment_change_the_code_version(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("quickstart/\n")
    _git(tmp_path, "add", ".gitignore")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    exp = tmp_path / "quickstart"
    exp.mkdir()
    (exp / "train.py").write_text("import model\n")
    (exp / "model.py").write_text("ACT = 'nn.ReLU()'\n")
    (exp / "unrelated.py").write_text("x = 1\n")
    git = git_state(exp)
    before = code_version(git, exp / "train.py")
    assert git["ignored_code"] == ["quickstart/train.py", "quickstart/model.py"]
    (exp / "unrelated.py").write_text("x = 2\n")  # not imported by the script: not its code
    assert code_version(git_state(exp), exp / "train.py") == before
    (exp / "model.py").write_text("ACT = 'nn.Tanh()'\n")
    after = code_version(git_state(exp), exp / "train.py")
    assert after != before and after.startswith(git["short"] + "+")


def test_a_git_ignored_scaffold_run_sees_its_own_edit(tmp_path, run_in):
    from testing.experiments import tiny_experiment

    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("quickstart/\n")
    exp = tiny_experiment(tmp_path / "quickstart" / "exp")
    run_in(exp, "tiny_run.py", "de-risk")
    script = exp.root / "tiny_run.py"
    script.write_text(script.read_text().replace("loss = 2.3 / step", "loss = 2.2 / step"))
    again = run_in(exp, "tiny_run.py", "de-risk")
    assert "already completed" not in again.stdout
    infos = [read_json(d / "run.json") for d in exp.run_dirs()]
    assert len({i["identity"] for i in infos}) == 2
    assert read_json(exp.run_dirs()[-1] / "git.json")["ignored_code"] == ["quickstart/exp/tiny_run.py"]
