"""The experiment view's cached code version is git's answer whenever git's answer would change."""

from __future__ import annotations

import subprocess

import pytest

import labrails
from labrails.core.expview import ExperimentView, tree_key
from labrails.core.snapshot import code_version, git_state

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]


def git(root, *args):
    subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    exp = labrails.new_experiment(tmp_path / "exp", hypothesis="h", success=["s"])
    (tmp_path / "shared.py").write_text("X = 1\n")
    (tmp_path / ".gitignore").write_text("runs/\n.labrails/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path, exp.root


def cached(root) -> str:
    return ExperimentView(str(root)).code_version(str(root / "train.py"))


def truth(root) -> str:
    return code_version(git_state(root), root / "train.py")


def test_the_cached_version_follows_every_change_git_sees(repo):
    top, root = repo
    steps = [
        lambda: None,
        lambda: (root / "train.py").write_text((root / "train.py").read_text() + "\n# unstaged edit\n"),
        lambda: git(top, "add", "-A"),
        lambda: git(top, "commit", "-q", "-m", "edit"),
        lambda: (root / "helper.py").write_text("Y = 2\n"),  # a new, untracked code file
        lambda: (root / "helper.py").write_text("Y = 3\n"),
        lambda: (top / "shared.py").write_text("X = 2\n"),  # tracked code outside the experiment
        lambda: (root / "helper.py").unlink(),
    ]
    for step in steps:
        step()
        assert cached(root) == truth(root)
        assert (root / ".labrails" / "cache" / "code_version.json").is_file()
        assert cached(root) == truth(root)  # the second read comes from the cache


def test_bookkeeping_files_leave_the_key_alone(repo):
    top, root = repo
    before = tree_key(str(root))
    assert before is not None
    (root / "JOURNAL.md").write_text((root / "JOURNAL.md").read_text() + "\n- a note\n")
    (root / "config.yaml").write_text((root / "config.yaml").read_text() + "\n")
    assert tree_key(str(root)) == before


def test_outside_git_there_is_no_key_and_the_script_hash_is_the_version(tmp_path):
    exp = labrails.new_experiment(tmp_path / "exp", hypothesis="h", success=["s"])
    assert tree_key(str(exp.root)) is None
    assert cached(exp.root).startswith("nogit+")
