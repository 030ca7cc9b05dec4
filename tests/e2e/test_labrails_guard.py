"""labrails' hooks in the real Claude Code client, driven by a scripted loopback model.

Each test gives the client a real experiment (made by `labrails new`) and scripts the model's tool calls;
we then check what actually happened on disk and what the model was told.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from testing.fake_model import bash, tool_use
from testing.claude_client import validate_plugin

import labrails
from labrails.project.init import install_into

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def venv_path() -> dict[str, str]:
    # `labrails` and the Python that has torch must be the first found, as after `pip install labrails`.
    return {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", "LABRAILS_QUIET": "1"}


@pytest.fixture
def project(tmp_path):
    return labrails.new_experiment(tmp_path / "digits-mlp", hypothesis="MLP >= 95% on digits", success=["test_accuracy >= 0.95"]).root


def test_plugin_validates_strictly(claude_bin):
    result = validate_plugin(REPO, strict=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_synthetic_full_run_is_blocked_and_the_model_is_told_why(claude, project):
    run = claude(project, "run the full experiment", [[bash("python train.py full --synthetic", run_in_background=True)]],
                 plugin_dir=REPO, extra_env=venv_path())
    run.check()
    assert list((project / "runs").iterdir()) == [], "the blocked command must never run"
    (result,) = run.tool_results()
    assert result.is_error and "[synthetic-flag]" in result.content and "real dataset" in result.content
    assert [d["tool_input"]["command"] for d in run.permission_denials] == ["python train.py full --synthetic"]


def test_derisk_runs_then_a_foreground_full_run_is_stopped(claude, project):
    run = claude(project, "de-risk, then the full run",
                 [[bash("python train.py de-risk", timeout=120000)], [bash("python train.py full")]],
                 plugin_dir=REPO, extra_env=venv_path(), timeout=240)
    run.check()
    runs = [p.name for p in (project / "runs").iterdir()]
    assert len(runs) == 1 and runs[0].endswith("de-risk"), runs
    first, second = run.tool_results()
    assert not first.is_error and "review: passed" in first.content
    assert second.is_error and "[foreground-run]" in second.content and "run_in_background" in second.content
    # PostToolUse told the model how the de-risk run ended.
    assert f"labrails: run {runs[0]} is completed" in run.server.all_text()


def test_session_start_gives_the_experiment_context(claude, project):
    run = claude(project, "hello", [], plugin_dir=REPO, extra_env=venv_path())
    run.check()
    text = run.server.all_text()
    assert f"labrails experiment {project}" in text and "Read JOURNAL.md and runs.yaml" in text


def test_the_agent_cannot_approve_or_forge_approvals(claude, project):
    run = claude(project, "approve the de-risk phase",
                 [[bash("labrails approve de-risk")],
                  [tool_use("Write", {"file_path": str(project / ".labrails" / "approvals.json"), "content": "{}"})]],
                 plugin_dir=REPO, extra_env=venv_path(), allowed_tools=("Bash", "Write"))
    run.check()
    assert not (project / ".labrails" / "approvals.json").exists()
    approve, write = run.tool_results()
    assert "[human-approval]" in approve.content and "[protected-state]" in write.content


def test_labrails_init_guards_a_project_without_the_plugin(claude, project):
    install_into(project)
    run = claude(project, "run the full experiment", [[bash("python train.py full", run_in_background=True)]], extra_env=venv_path())
    run.check()
    assert list((project / "runs").iterdir()) == []
    (result,) = run.tool_results()
    assert result.is_error and "[derisk-first]" in result.content and "de-risk" in result.content
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    assert "labrails.guard.hook" in settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]


def test_launches_the_hook_cannot_read_are_refused_with_the_plain_form(claude, project):
    (project / "run_full.sh").write_text("#!/bin/bash\npython train.py full\n")
    run = claude(project, "start the full run any way you can",
                 [[bash("P=python; $P train.py full", run_in_background=True)], [bash("bash run_full.sh", run_in_background=True)],
                  [bash("python -m train full", run_in_background=True)]],
                 plugin_dir=REPO, extra_env=venv_path())
    run.check()
    assert list((project / "runs").iterdir()) == [], "no refused command may start a run"
    variable, script, module = run.tool_results()
    assert variable.is_error and "[unresolved-launch]" in variable.content and "python train.py de-risk" in variable.content
    assert script.is_error and "[derisk-first]" in script.content  # the script was read and its launch judged
    assert module.is_error and "[unresolved-launch]" in module.content
