"""The conventions people expect of a CLI: --version, shell completion, --json, one -e for the experiment,
"did you mean", helpful help."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from testing.commands import labrails_cli
from testing.runs import derisked_on, record_run

import labrails
from labrails.project.new import TEMPLATES


def labrails_here(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "labrails", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})})


def test_version():
    shown = labrails_here("--version")
    assert shown.returncode == 0 and shown.stdout == f"labrails {labrails.__version__}\n"


def test_the_bash_completion_script_and_the_candidates_it_asks_labrails_for():
    script = labrails_here("completion", "bash")
    assert script.returncode == 0 and "complete " in script.stdout and "labrails" in script.stdout
    assert "_LABRAILS_COMPLETE=complete_bash" in script.stdout  # the variable labrails answers below

    def candidates(line: str) -> list[str]:
        words = line.split(" ")
        asked = labrails_here(env={"_LABRAILS_COMPLETE": "complete_bash", "COMP_WORDS": line,
                                   "COMP_CWORD": str(len(words) - 1)})
        assert asked.returncode == 0, asked.stderr
        return asked.stdout.split()

    assert candidates("labrails rep") == ["report"]
    assert {"runs", "review"} <= set(candidates("labrails r"))
    assert candidates("labrails report ") == ["check"]
    assert "--json" in candidates("labrails runs --")
    assert set(candidates("labrails completion ")) == {"bash", "zsh", "fish", "powershell"}
    for shell in ("zsh", "fish", "powershell"):
        assert "labrails" in labrails_here("completion", shell).stdout


def test_bash_completes_through_the_script_it_sources(tmp_path):
    # `labrails` on the PATH, as an installed console script is
    shim = tmp_path / "bin" / "labrails"
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m labrails \"$@\"\n")
    shim.chmod(0o755)
    typed = ('eval "$(labrails completion bash)"; COMP_WORDS=(labrails report c); COMP_CWORD=2; '
               '_labrails_completion labrails; echo "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "-c", typed], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{shim.parent}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["check"]


def test_runs_json_lists_real_runs_with_their_metrics(experiment):
    derisked_on(experiment, script="tiny_run.py")
    record_run(experiment, "full", script="tiny_run.py", metrics={"test_accuracy": 0.95, "n_test": 58})

    listed = labrails_cli(experiment, "runs", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["profile"], r["status"]) for r in rows] == [("de-risk", "completed"), ("full", "completed")]
    assert rows[1]["metrics"] == {"test_accuracy": 0.95, "n_test": 58} and rows[1]["key_metric"] == "test_accuracy=0.95"
    assert rows[0]["review"] == "passed" and isinstance(rows[0]["duration_s"], float)
    assert all(os.path.isdir(r["path"]) for r in rows)


def test_every_command_names_the_experiment_with_e_only(experiment, tmp_path):
    record_run(experiment, "de-risk", script="tiny_run.py")
    root = experiment.root
    for argv, fix in [(["status", root], f"labrails status -e {root}"),
                      (["runs", root], f"labrails runs -e {root}"),
                      (["analyze", root], f"labrails analyze -e {root}"),
                      (["report", root], f"labrails report -e {root}"),
                      (["report", "check", root], f"labrails report check -e {root}"),
                      (["review", root], f"labrails review -e {root} latest"),
                      (["logs", root], f"labrails logs -e {root} latest"),
                      (["journal", "show", root], f"labrails journal show -e {root}")]:
        refused = labrails_here(*argv, cwd=tmp_path)
        assert refused.returncode == 2, (argv, refused.stderr)
        assert "-e/--experiment" in refused.stderr and f"fix: {fix}" in refused.stderr, refused.stderr
    for argv in (["status"], ["runs"], ["logs", "latest"]):
        assert labrails_here(*argv, "-e", root, cwd=tmp_path).returncode == 0, argv


def test_a_mistyped_profile_gets_the_closest_one(experiment):
    typo = labrails_cli(experiment, "run", "de-risk", "--profile", "ful", "--", sys.executable, "-c", "pass")
    assert typo.returncode == 2 and "unknown profile 'ful'; did you mean 'full'?" in typo.stderr
    named = labrails_cli(experiment, "run", "fulll-lr3", "--", sys.executable, "-c", "pass")
    assert named.returncode == 2 and "does not say which profile to use; did you mean 'full'?" in named.stderr
    assert not experiment.run_dirs()  # neither started a run


def test_hook_help_says_what_the_hook_is_how_to_install_it_and_its_events():
    for flag in ("--help", "-h"):
        shown = labrails_here("hook", flag)
        assert shown.returncode == 0
        assert "Claude Code" in shown.stdout and "labrails init" in shown.stdout
        for event in ("pretooluse", "posttooluse", "sessionstart", "stop"):
            assert f"\n  {event} " in shown.stdout, event
    bare = labrails_here("hook")
    assert bare.returncode == 2 and "labrails init" in bare.stderr

    from typer.testing import CliRunner

    from labrails.cli.app import app

    through_typer = CliRunner().invoke(app, ["hook", "--help"]).output  # the app tests and docs read says the same
    assert "labrails init [DIR]" in through_typer and "\n    stop          when the agent stops" in through_typer


def test_new_help_lists_every_template():
    shown = labrails_here("new", "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())  # as wrapped for any terminal width
    for name, template in TEMPLATES.items():
        assert f"{name} ({template['script']}" in text, name
