"""`labrails hook EVENT` as Claude Code calls it: JSON on stdin, a decision on stdout, never exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from labrails.guard.hook import _irrelevant, _relevant_command
from labrails.guard.rules import MAY_LAUNCH
from labrails.guard.vocabulary import LAUNCHERS


def hook(event: str, payload, *, raw: str | None = None, env=None):
    proc = subprocess.run([sys.executable, "-m", "labrails", "hook", event], input=raw if raw is not None else json.dumps(payload),
                          capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    assert proc.returncode != 1, "exit 1 would let the agent through"
    return proc


def bash(command: str, cwd, **tool_input):
    return {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": str(cwd), "tool_input": {"command": command, **tool_input}}


def test_unrelated_commands_pass_silently(tmp_path):
    proc = hook("pretooluse", bash("ls -la && git status", tmp_path))
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_a_block_is_a_json_deny_with_the_reason(experiment):
    proc = hook("pretooluse", bash("python tiny_run.py full", experiment.root, run_in_background=True))
    decision = json.loads(proc.stdout)["hookSpecificOutput"]
    assert decision["hookEventName"] == "PreToolUse" and decision["permissionDecision"] == "deny"
    assert "[derisk-first]" in decision["permissionDecisionReason"] and "de-risk" in decision["permissionDecisionReason"]


def test_invalid_json_fails_closed_when_it_could_matter(tmp_path):
    proc = hook("pretooluse", None, raw='{"tool_name": "Bash", "tool_input": {"command": "python train.py full"')
    assert json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    # Nothing in it could launch a run or touch labrails' files: the prefilter lets it through untouched.
    assert hook("pretooluse", None, raw="{not json").stdout == ""


def test_a_crashing_engine_fails_closed_on_launches_only(experiment):
    # An unreadable registry makes the engine raise while checking a run launch.
    (experiment.state / "registry.json").write_text("{broken")
    proc = hook("pretooluse", bash("python tiny_run.py full", experiment.root, run_in_background=True))
    reason = json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert "guard-error" in reason
    assert hook("pretooluse", bash("ls", experiment.root)).stdout == ""


def test_unknown_event_is_not_a_block(tmp_path):
    proc = hook("teatime", {})
    assert proc.returncode == 0 and "unknown event" in proc.stderr


def test_session_start_brings_todos_checkpoints_and_ignored_runs(experiment, run_in):
    from labrails.core.journal import add_entry, ignore_run

    run_in(experiment, "tiny_run.py", "de-risk")
    add_entry(experiment, "check the lr schedule", tag="TODO")
    ignore_run(experiment, experiment.run_dirs()[0].name, "superseded")
    proc = hook("sessionstart", {"hook_event_name": "SessionStart", "cwd": str(experiment.root)})
    context = json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "check the lr schedule" in context and "superseded" in context and "JOURNAL.md" in context


def test_session_start_finds_experiments_below_the_project(experiment):
    proc = hook("sessionstart", {"hook_event_name": "SessionStart", "cwd": str(experiment.root.parent)})
    assert str(experiment.root) in json.loads(proc.stdout)["hookSpecificOutput"]["additionalContext"]


def test_post_tool_use_reports_the_run_and_its_review(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk")
    from labrails.review import review_run

    review_run(experiment.run_dirs()[-1])
    payload = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "cwd": str(experiment.root),
               "tool_input": {"command": "python tiny_run.py de-risk"}, "tool_response": {}}
    context = json.loads(hook("posttooluse", payload).stdout)["hookSpecificOutput"]["additionalContext"]
    assert "completed" in context and "review: passed" in context and "journal add" in context


def test_stop_asks_once_for_a_journal_entry(experiment, run_in):
    run_in(experiment, "tiny_run.py", "de-risk")
    payload = {"hook_event_name": "Stop", "cwd": str(experiment.root), "stop_hook_active": False}
    first = json.loads(hook("stop", payload).stdout)
    assert first["decision"] == "block" and "labrails journal add" in first["reason"]
    assert hook("stop", {**payload, "stop_hook_active": True}).stdout == ""  # never loops
    from labrails.core.journal import add_entry

    add_entry(experiment, "de-risk fine", tag="NOTE", now=datetime.now() + timedelta(seconds=2))
    assert hook("stop", payload).stdout == ""


def test_hook_path_imports_no_heavy_modules(experiment):
    code = ("import sys, io, json; sys.argv=['labrails','hook','pretooluse']; "
            f"sys.stdin=io.StringIO(json.dumps({{'tool_name':'Bash','cwd':{str(experiment.root)!r},'tool_input':{{'command':'python tiny_run.py full','run_in_background':True}}}})); "
            "from labrails.__main__ import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy=[m for m in ('pandas','torch','matplotlib','numpy','typer','jinja2','loguru') if m in sys.modules]\n"
            "sys.stderr.write('HEAVY=' + ','.join(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY=" in proc.stderr and proc.stderr.split("HEAVY=")[-1].strip() == ""


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_every_launcher_in_the_vocabulary_reaches_the_engine(launcher):
    command = f"{launcher} train full"
    assert not _irrelevant(json.dumps({"tool_name": "Bash", "tool_input": {"command": command}}))
    assert _relevant_command(command) and MAY_LAUNCH.search(command)


def test_short_launcher_names_must_stand_alone():
    assert not _relevant_command("cat uvicorn.log") and not MAY_LAUNCH.search("cat uvicorn.log")


def test_launchers_that_run_a_file_by_name_are_in_the_vocabulary():
    from labrails.guard.shell.launches import _DISTRIBUTED

    assert {name.split()[0] for name in _DISTRIBUTED} <= set(LAUNCHERS)


def test_importing_the_hook_loads_nothing_it_does_not_need():
    def modules(statement: str) -> set[str]:
        code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
        return set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())

    added = modules("from labrails.guard.hook import main") - modules("pass")
    assert not added & {"json", "re", "typing", "pathlib", "dataclasses", "labrails.guard.engine"}


def test_the_command_labrails_init_installs_answers_as_labrails_hook_does(experiment):
    from labrails.project.init import HOOK_ENTRY

    def entry(*args: str, payload=None):
        return subprocess.run([sys.executable, "-c", HOOK_ENTRY, *args], input=json.dumps(payload) if payload else "",
                              capture_output=True, text=True, timeout=60)

    proc = entry("pretooluse", payload=bash("python tiny_run.py full", experiment.root, run_in_background=True))
    assert proc.returncode == 0
    assert "[derisk-first]" in json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert entry("pretooluse", payload=bash("ls", experiment.root)).stdout == ""
    no_event = entry()
    assert no_event.returncode == 2 and "unknown event" in no_event.stderr
