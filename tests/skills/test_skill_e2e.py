"""The real Claude Code client, with this repository as a plugin, lists every skill and loads its body.

One client run (plugin_dir = the repository root): the request it sends lists each skill as
`- labrails:NAME: description`, and a scripted Skill tool call for each returns that skill's body.
Skipped, with the reason, when the client is not installed (.ci/install_claude.sh installs it).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
from skillpack import REPO
from testing.fake_model import bash
from testing.fake_model import skill as skill_call

pytestmark = pytest.mark.e2e


def _marker(body: str) -> str:
    """A line of the body that the model can only have seen if the body was delivered."""
    for line in body.splitlines():
        line = line.strip()
        if len(line) > 60 and not line.startswith(("#", "|", "-", "`")):
            return line
    raise AssertionError("no distinctive line in the body")


def test_client_lists_and_loads_every_skill(claude, claude_project, skills):
    names = [f"labrails:{s.name}" for s in skills]
    run = claude(claude_project, "run an experiment on the digits dataset", [[skill_call(n)] for n in names],
                 plugin_dir=REPO, timeout=240)
    run.check()

    listing = run.server.system_text() + "\n" + run.server.all_text()
    for s, name in zip(skills, names):
        assert run.server.skill_listed(name), f"{name} is not listed; listing:\n{listing[-4000:]}"
        assert s.description in listing, f"{name}: the description reached the model cut or changed"

    results = run.tool_results()
    assert len(results) == len(names), run.describe()
    for s, name, result in zip(skills, names, results):
        assert not result.is_error, f"{name}: {result.full_text[:500]}"
        assert name in result.content, result.content
        assert _marker(s.body) in result.full_text, f"{name}: the body did not come back:\n{result.full_text[:1500]}"
    assert run.server.turns_consumed == len(names)


# --------------------------------------------------------------------------- a newcomer's first experiment
def _section_code(body: str, heading: str) -> list[str]:
    """The shell lines of the code blocks under a `## ...` heading of a SKILL.md body."""
    part = body.split(heading, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", part, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


def _offline(line: str) -> str:
    # `uv run` resolves the script's dependencies from the network; the skill allows `python` in an
    # environment that already has them, which is what this offline test has.
    return line.replace("uv run ", "python ")


@pytest.mark.slow
def test_the_digits_walkthrough_runs_as_written(claude, claude_project, skills, tmp_path):
    """Run the experiment-runner skill's own commands through the real client with the plugin's hooks.

    Nothing the skill tells a newcomer to run may be blocked, and the one thing it warns about (a full run
    in the foreground) must be.
    """
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    runner = next(s for s in skills if s.name == "experiment-runner")
    create = _section_code(runner.body, "## 3. Create the experiment")
    derisk = _section_code(runner.body, "## 5. Start simple")
    full = _section_code(runner.body, "## 6. Full run, in the background")
    assert create[0].startswith("labrails new digits-mlp") and create[1] == "cd digits-mlp"
    journal = re.search(r"`(labrails journal add [^`]*--run latest)`", runner.body).group(1)

    exp = claude_project / "digits-mlp"
    # The client's Bash tool keeps its working directory between calls, as the skill assumes.
    turns = [
        [skill_call("labrails:experiment-runner")],
        [bash(create[0])],
        [bash(f"{create[1]} && {create[2]}")],
        [bash(_offline(derisk[0]))],
        [bash(derisk[1])],
        [bash(journal)],
        [bash("python train.py full")],          # what the skill says not to do
        [bash(_offline(full[0]))],
    ]
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "LABRAILS_QUIET": "1"}
    run = claude(claude_project, "run an experiment on the digits dataset", turns, plugin_dir=REPO,
                 timeout=420, extra_env=env)
    run.check()

    results = run.tool_results()
    assert len(results) == len(turns), run.describe()
    skill_r, new_r, status_r, derisk_r, review_r, journal_r, foreground_r, background_r = results
    for name, r in [("labrails new", new_r), ("status", status_r), ("de-risk", derisk_r), ("review", review_r),
                    ("journal", journal_r), ("background full", background_r)]:
        assert not r.is_error, f"{name} failed or was blocked:\n{r.content[:2000]}"
    assert foreground_r.is_error and "labrails [foreground-run]" in foreground_r.content, foreground_r.content
    assert "passed" in review_r.content

    # The background full run finishes on its own; wait for it, then check what the skill promised.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = [p for p in exp.glob("runs/*-full/run.json") if json.loads(p.read_text()).get("status") != "running"]
        if done:
            break
        time.sleep(2)
    else:
        pytest.fail("the background full run did not finish")
    info = json.loads(done[0].read_text())
    assert info["status"] == "completed", info.get("error")
    assert json.loads((done[0].parent / "metrics.json").read_text())["test_accuracy"] > 0.9
    assert "[NOTE]" in (exp / "JOURNAL.md").read_text()
