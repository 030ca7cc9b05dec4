"""Every example command of the skill pack runs for real, in an experiment made by real runs, and does what the
table says: its exit code, a line of its output, and whether the hook refuses it.

The examples are every `labrails ...` invocation and every script launch (`uv run train.py full`, `python
sanity_overfit.py`) in a code span or block of a skill or an eval. skilltable.py says how each runs in the
world of skillworld.py; an example missing from the table fails here, so a new example is tried before it ships.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from skillpack import EVALS_DIR, REPO, SKILLS_DIR, Example, examples_in, json_code, load_skills, markdown_code
from skilltable import EXAMPLES, Case
from skillworld import agent_env, build_world

from labrails.guard.engine import decide


def _all_examples() -> dict[str, Example]:
    chunks = []
    for skill in load_skills(SKILLS_DIR):
        for path in skill.files:
            chunks += markdown_code(path)
    if EVALS_DIR.is_dir():
        chunks += [c for path in sorted(EVALS_DIR.rglob("*.json")) for c in json_code(path)]
        chunks += [c for path in sorted(EVALS_DIR.rglob("*.md")) for c in markdown_code(path)]
    found: dict[str, Example] = {}
    for chunk in chunks:
        for example in examples_in(chunk):
            found.setdefault(example.key, example)
    return found


FOUND = _all_examples()


def test_every_example_is_in_the_table():
    missing = {key: ex.source for key, ex in FOUND.items() if key not in EXAMPLES}
    assert not missing, ("examples the table of tests/skills/skilltable.py does not list (add each with how it runs): "
                         + "".join(f"\n  {key!r}: Case(),  # {source}" for key, source in missing.items()))
    stale = sorted(set(EXAMPLES) - set(FOUND))
    assert not stale, f"the table lists examples no skill has any more (remove them): {stale}"


def test_the_extractor_sees_both_kinds_of_example():
    # Guards the extractor: commands with quoted `>=` stay whole, and launches are found inside longer lines.
    assert "labrails new digits-mlp --hypothesis 'a 2-layer MLP reaches at least 95% test accuracy on digits' --success " \
           "'test_accuracy >= 0.95' --metric test_accuracy --direction higher" in FOUND
    assert {"uv run train.py full", "python sanity_overfit.py", "labrails review latest"} <= set(FOUND)
    assert len(FOUND) > 90


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """Made once: about a minute of real runs."""
    return build_world(tmp_path_factory.mktemp("skillworld"))


def _place(case: Case, world, tmp_path):
    """The folder an example runs in: copies for examples that change what other examples read."""
    if case.where == "experiment":
        return world.experiment
    if case.where == "copy":
        return shutil.copytree(world.experiment, tmp_path / world.experiment.name, symlinks=True)
    if case.where == "cartography":
        return world.cartography
    if case.where == "split":
        return shutil.copytree(world.data, tmp_path / "tables")
    if case.where == "tables":
        return shutil.copytree(world.data, tmp_path / "tables", ignore=shutil.ignore_patterns("split.json"))
    if case.where == "scratch":
        return tmp_path
    if case.where == "repo":
        return REPO
    raise AssertionError(f"skilltable: unknown place {case.where!r}")


@pytest.mark.slow
@pytest.mark.parametrize("key", list(FOUND), ids=lambda k: k[:90])
def test_example_runs_as_the_table_says(key, world, tmp_path):
    case = EXAMPLES[key]
    line = (case.run or key).format(**world.names)
    where = f"{FOUND[key].source}: {key}" + (f"\n  run as: {line}" if case.run else "")
    cwd = _place(case, world, tmp_path)

    payload = {"tool_name": "Bash", "cwd": str(cwd), "tool_input": {"command": line, "run_in_background": case.background}}
    decision = decide(payload)
    assert (decision.rule or "") == case.guard, f"the hook {'refused' if decision.rule else 'allowed'} it ({where}): {decision.reason}"

    # A real shell, as the agent's Bash tool: globs expand, quotes and `2>&1` mean what they mean there.
    env = agent_env({"PATH": f"{world.shims}{os.pathsep}{os.environ['PATH']}"})
    proc = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=case.timeout)
    shown = proc.stdout + proc.stderr
    assert "Traceback" not in shown, f"{where}\n{shown}"
    assert proc.returncode == case.code, f"exited {proc.returncode}, the table says {case.code} ({where}):\n{shown[-3000:]}"
    assert case.shows in shown, f"the output lacks {case.shows!r} ({where}):\n{shown[-3000:]}"
