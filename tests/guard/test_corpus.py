"""The guard's regression corpus: every case in tests/guard_cases/*.yaml must get its expected decision.

A case is data: the tool call (a Bash command, or a file tool with a path), the experiment state it runs
against, optional files to add, and the expected decision and rule. See tests/guard_cases/README.md.
The states are written from files (states.py); one slow test at the end builds one by real training.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import labrails
from labrails.guard.engine import decide
from states import StateCache, new_digits_experiment
from testing.commands import run_script
from testing.runs import record_run

CASES_DIR = Path(__file__).resolve().parents[1] / "guard_cases"
CATEGORIES = ("must_block", "must_allow", "bypass", "edge")


def load_cases():
    cases = []
    for category in CATEGORIES:
        for case in yaml.safe_load((CASES_DIR / f"{category}.yaml").read_text()) or []:
            case["category"] = category
            cases.append(case)
    return cases


CASES = load_cases()


@pytest.fixture(scope="session")
def states(tmp_path_factory):
    return StateCache(tmp_path_factory.mktemp("guard-states"))


def _placeholders(text: str) -> str:
    """``@KEYDIR@`` stands for the signing key's folder (the test session points it at a temporary one)."""
    from labrails.core.signing import config_dir

    return text.replace("@KEYDIR@", str(config_dir()))


def payload_for(case, root: Path) -> dict:
    cwd = root / case.get("cwd", "exp")
    tool = case.get("tool", "Bash")
    tool_input = dict(case.get("input") or {})
    if tool == "Bash":
        tool_input["command"] = _placeholders(case["command"])
    else:
        file = _placeholders(case["file"])
        tool_input.setdefault("file_path", str(root / file) if not os.path.isabs(file) else file)
    return {"session_id": "corpus", "cwd": str(cwd), "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": tool_input,
            "permission_mode": "default", "tool_use_id": "toolu_corpus"}


def prepare(case, states, tmp_path) -> Path:
    root = states.copy(case.get("state", "fresh"), tmp_path / "sandbox")
    for rel, text in (case.get("files") or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if text.startswith("#!"):
            path.chmod(0o755)
    for rel, target in (case.get("links") or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / rel)
    for rel, (old, new) in (case.get("edit") or {}).items():
        path = root / rel
        assert old in path.read_text(), f"case {case['id']}: '{old}' not in {rel}"
        path.write_text(path.read_text().replace(old, new))
    return root


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, states, tmp_path):
    root = prepare(case, states, tmp_path)
    decision = decide(payload_for(case, root))
    expected = case["expect"]
    got = "allow" if decision.allow else "deny"
    assert got == expected, f"{case['id']} ({case['category']}): expected {expected}, got {decision}"
    if expected == "deny":
        assert decision.rule == case["rule"], f"{case['id']}: expected rule {case['rule']}, got {decision}"
        assert len(decision.reason) < 600 and decision.reason.rstrip().endswith((".", ")", "`")), decision.reason


def test_corpus_shape():
    assert len(CASES) >= 80
    allows = sum(c["expect"] == "allow" for c in CASES)
    assert allows > len(CASES) - allows, "a guard that blocks ordinary work is as broken as one that lets everything through"
    assert len({c["id"] for c in CASES}) == len(CASES)
    for category in CATEGORIES:
        assert any(c["category"] == category for c in CASES), category


WIRE_CASES = [c for c in CASES if c.get("wire")]


@pytest.mark.parametrize("case", WIRE_CASES, ids=[c["id"] for c in WIRE_CASES])
def test_case_through_the_real_hook_process(case, states, tmp_path):
    """The same decision, through `python -m labrails hook pretooluse` as Claude Code calls it."""
    root = prepare(case, states, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "labrails", "hook", "pretooluse"], input=json.dumps(payload_for(case, root)),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr  # never 1: Claude Code reads 1 as "go ahead"
    if case["expect"] == "allow":
        assert proc.stdout == ""
    else:
        out = json.loads(proc.stdout)["hookSpecificOutput"]
        assert out["permissionDecision"] == "deny" and f"[{case['rule']}]" in out["permissionDecisionReason"]


@pytest.mark.slow
def test_a_real_derisk_run_opens_the_full_launch(tmp_path):
    """The scaffold's own de-risk run, trained for real, vouches for the full run, as the file-built states assume."""
    root = new_digits_experiment(tmp_path)
    full = {"id": "full", "command": "python train.py full", "input": {"run_in_background": True}}
    assert decide(payload_for(full, tmp_path)).rule == "derisk-first"
    run_script(labrails.find_experiment(root), "train.py", "de-risk", timeout=300)
    decision = decide(payload_for(full, tmp_path))
    assert decision.allow, decision
    # A run written from files has the identity of the real one (same config hash, same code version).
    with pytest.raises(labrails.RunAlreadyCompleted):
        record_run(root, "de-risk")
