"""The guard's cached code version never lets through a full launch that no de-risk run vouches for."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import labrails
from testing.mtimes import settle
from testing.reviews import assert_review_passed
from testing.runs import record_run

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]


def full_launch(script: str, cwd) -> str | None:
    """The guard's reason to refuse ``python SCRIPT full`` (None: it may start)."""
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": str(cwd),
               "tool_input": {"command": f"python {script} full", "run_in_background": True}}
    proc = subprocess.run([sys.executable, "-m", "labrails", "hook", "pretooluse"], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=60, env={**os.environ, "LABRAILS_QUIET": "1"})
    assert proc.returncode != 1, proc.stderr
    if not proc.stdout.strip():
        return None
    decision = json.loads(proc.stdout)["hookSpecificOutput"]
    return decision["permissionDecisionReason"] if decision["permissionDecision"] == "deny" else None


def test_a_second_script_in_a_git_ignored_experiment_needs_its_own_de_risk(tmp_path):
    (tmp_path / ".gitignore").write_text("play/\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run([*GIT, *args], cwd=tmp_path, check=True, capture_output=True)
    root = labrails.new_experiment(tmp_path / "play" / "exp", hypothesis="h", success=["s"]).root
    assert_review_passed(record_run(root, "de-risk"))
    variant = (root / "train.py").read_text().replace("import ", "import os  # a variant\nimport ", 1)
    (root / "train_wide.py").write_text(variant)
    settle(tmp_path)
    assert full_launch("train.py", root) is None
    assert full_launch("train.py", root) is None  # now from the cache
    reason = full_launch("train_wide.py", root)
    assert reason is not None and "[derisk-first]" in reason
