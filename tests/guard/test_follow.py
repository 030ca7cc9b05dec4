"""What the hook reads beyond a command's words: Makefile recipes, git aliases, inline Python."""

from __future__ import annotations

from labrails.guard.gitalias import alias_of, git_subcommand
from labrails.guard.inline_runs import inline_runs
from labrails.guard.makefile import make_invocation, recipes

MAKEFILE = """\
PY ?= python
ARGS := --seed 1
.PHONY: all full test
all: test

full: derisk
\t@$(PY) train.py $@ $(ARGS)

derisk:
\t-$(PY) train.py de-risk
test:
\tpytest -q
"""


def test_make_runs_the_target_and_its_prerequisites_with_variables_expanded():
    assert recipes(MAKEFILE, ["full"]) == ([("derisk", "python train.py de-risk"), ("full", "python train.py full --seed 1")], None)
    assert recipes(MAKEFILE, []) == ([("test", "pytest -q")], None)  # all -> its prerequisite test has the recipe
    assert recipes(MAKEFILE, ["nope"])[1] == "the Makefile has no target 'nope'"
    assert "pattern rule" in recipes("%:\n\tpython train.py $@\n", ["full"])[1]


def test_make_options():
    assert make_invocation(["-C", "exp", "-j", "4", "full", "PY=python3"]) == ("exp", None, ["full"])
    assert make_invocation(["-fbuild.mk", "--directory=sub", "a", "b"]) == ("sub", "build.mk", ["a", "b"])


def test_git_aliases_from_the_repository_config(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text('[core]\n\tbare = false\n[alias]\n\tst = status\n\tfull = "!python train.py full"\n')
    assert alias_of(str(tmp_path), "full") == "!python train.py full"
    assert alias_of(str(tmp_path), "st") == "status"
    assert git_subcommand(["git", "-c", "alias.x=!ls", "-C", ".", "x", "y"]) == ("x", 5, {"x": "!ls"})


def test_inline_python_that_runs_local_code_or_processes():
    local = {"train": "/exp/train.py"}.get
    assert "imports train" in inline_runs("import train", local).opaque
    assert "imports from train" in inline_runs("from train import main\nmain()", local).opaque
    assert "runpy" in inline_runs("import runpy\nrunpy.run_path('train.py')", local).opaque
    assert "start_run" in inline_runs("import labrails\nlabrails.start_run('full')", local).opaque
    assert "cannot read" in inline_runs("import subprocess, sys\nsubprocess.run([sys.executable, 'x.py'])", local).opaque
    assert inline_runs("import os\nos.system('python train.py full')", local).shell == ["python train.py full"]
    clean = inline_runs("import json, glob\nprint([json.load(open(p)) for p in glob.glob('runs/*/m.json')])", local)
    assert clean.opaque is None and clean.shell == []
