"""The guard's cached code version is the one git and the code scan would give, for every script."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import labrails
from labrails.core import codecache, snapshot
from labrails.core.codecache import tree_key
from labrails.core.expview import ExperimentView
from labrails.core.snapshot import code_version, git_state
from testing.mtimes import settle

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]


def git(root, *args):
    subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


def truth(root, script) -> str:
    return code_version(git_state(root), script)


def fresh(root, script) -> str:
    """A new view, as each hook process makes one."""
    return ExperimentView(str(root)).code_version(str(script))


def cached(root, script) -> str | None:
    return ExperimentView(str(root)).cached_code_version(str(script))


@pytest.fixture
def ignored(tmp_path):
    """An experiment inside a git-ignored folder, with two scripts sharing a module."""
    (tmp_path / ".gitignore").write_text("play/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "start")
    exp = labrails.new_experiment(tmp_path / "play" / "exp", hypothesis="h", success=["s"])
    (exp.root / "a.py").write_text("import model\nprint('a')\n")
    (exp.root / "b.py").write_text("import model\nprint('b')\n")
    (exp.root / "model.py").write_text("ACT = 'relu'\n")
    settle(tmp_path)
    return tmp_path, exp.root


def test_two_scripts_get_their_own_versions(ignored):
    _, root = ignored
    a, b = root / "a.py", root / "b.py"
    assert truth(root, a) != truth(root, b)
    assert fresh(root, a) == truth(root, a)
    assert cached(root, a) == truth(root, a)
    assert cached(root, b) is None  # never computed: not a's version
    assert fresh(root, b) == truth(root, b)
    assert cached(root, a) == truth(root, a) and cached(root, b) == truth(root, b)


def test_an_edited_ignored_module_misses_the_cache_even_for_a_script_outside_the_experiment(ignored):
    top, root = ignored
    outside = top / "play" / "scripts"
    outside.mkdir()
    shutil.copy(root / "a.py", outside / "a.py")
    (outside / "model.py").write_text("ACT = 'relu'\n")
    settle(top)
    script = outside / "a.py"
    before = fresh(root, script)
    assert cached(root, script) == before == truth(root, script)
    (outside / "model.py").write_text("ACT = 'tanh'\n")
    assert cached(root, script) is None
    assert fresh(root, script) == truth(root, script) != before
    (outside / "model.py").unlink()
    assert cached(root, script) is None
    assert fresh(root, script) == truth(root, script)


def test_a_module_that_appears_next_to_the_script_misses_the_cache(ignored):
    top, root = ignored
    (root / "a.py").write_text("import extra\n")
    settle(top)
    before = fresh(root, root / "a.py")
    assert cached(root, root / "a.py") == before
    (root / "extra.py").write_text("X = 1\n")  # `import extra` now runs this file
    assert cached(root, root / "a.py") is None
    assert fresh(root, root / "a.py") == truth(root, root / "a.py") != before


def test_files_written_this_instant_are_not_trusted_to_the_cache(ignored):
    top, root = ignored
    (root / "model.py").write_text("ACT = 'gelu'\n")
    assert fresh(root, root / "a.py") == truth(root, root / "a.py")
    assert cached(root, root / "a.py") is None  # a same-size edit in the same clock tick would go unseen
    settle(top)
    assert fresh(root, root / "a.py") == cached(root, root / "a.py") == truth(root, root / "a.py")


@pytest.fixture
def repo(tmp_path):
    exp = labrails.new_experiment(tmp_path / "exp", hypothesis="h", success=["s"])
    (tmp_path / "shared.py").write_text("X = 1\n")
    (tmp_path / ".gitignore").write_text("runs/\n.labrails/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "start")
    settle(tmp_path)
    return tmp_path, exp.root


def test_an_index_rewritten_with_nothing_changed_keeps_the_cache(repo):
    top, root = repo
    script = root / "train.py"
    version = fresh(root, script)
    assert cached(root, script) == version
    # git refreshes the stat data of files it saw as racily clean and writes the index anew
    git(top, "update-index", "--really-refresh")
    index = top / ".git" / "index"
    shutil.copy(index, top / "index.copy")
    os.replace(top / "index.copy", index)
    git(top, "status")
    assert cached(root, script) == version == truth(root, script)
    git(top, "rm", "-q", "--cached", "shared.py")  # a change to what git tracks is not nothing
    assert cached(root, script) is None
    assert fresh(root, script) == truth(root, script) != version


def test_the_cached_version_follows_every_change_git_sees(repo):
    top, root = repo
    script = root / "train.py"
    steps = [
        lambda: None,
        lambda: script.write_text(script.read_text() + "\n# unstaged edit\n"),
        lambda: git(top, "add", "-A"),
        lambda: git(top, "commit", "-q", "-m", "edit"),
        lambda: (root / "utils.py").write_text("Y = 2\n"),  # a new, untracked code file
        lambda: (root / "utils.py").write_text("Y = 3\n"),
        lambda: (top / "shared.py").write_text("X = 2\n"),  # tracked code outside the experiment
        lambda: (root / "utils.py").unlink(),
        lambda: (top / ".gitignore").write_text("runs/\n.labrails/\nexp/train.py\n"),
        lambda: os.chmod(top / "shared.py", 0o755),
    ]
    for step in steps:
        step()
        settle(top)
        assert fresh(root, script) == truth(root, script)
        assert cached(root, script) == truth(root, script)


def test_bookkeeping_files_leave_the_key_alone(repo):
    top, root = repo
    before = tree_key(str(root))
    assert before is not None
    (root / "JOURNAL.md").write_text((root / "JOURNAL.md").read_text() + "\n- a note\n")
    (root / "config.yaml").write_text((root / "config.yaml").read_text() + "\n")
    assert tree_key(str(root))[0] == before[0]


def test_outside_git_the_code_scan_is_cached_on_the_files_stat(tmp_path):
    exp = labrails.new_experiment(tmp_path / "exp", hypothesis="h", success=["s"])
    script = exp.root / "train.py"
    script.write_text("import model\n")
    (exp.root / "model.py").write_text("N = 1\n")
    settle(tmp_path)
    version = fresh(exp.root, script)
    assert version.startswith("nogit+") and version == truth(exp.root, script)
    assert cached(exp.root, script) == version
    (exp.root / "model.py").write_text("N = 2\n")
    assert cached(exp.root, script) is None
    settle(tmp_path)
    assert fresh(exp.root, script) == cached(exp.root, script) == truth(exp.root, script) != version


def test_the_key_leaves_out_the_same_bookkeeping_files_as_the_code_version():
    excluded = {p.removeprefix(":(exclude,glob)**/") for p in snapshot._NOT_CODE}
    dirs = {p.removesuffix("/**") for p in excluded if p.endswith("/**")}
    assert dirs == set(codecache._NOT_CODE_DIRS)
    assert excluded - {d + "/**" for d in dirs} == set(codecache._NOT_CODE_NAMES)


def test_a_version_made_while_git_could_not_answer_is_not_cached(repo, tmp_path, monkeypatch):
    top, root = repo
    script = root / "train.py"
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "nowhere"))  # git fails: "not a git repository"
    assert fresh(root, script).startswith("nogit")
    assert cached(root, script) is None
    monkeypatch.undo()
    assert fresh(root, script) == cached(root, script) == truth(root, script)
