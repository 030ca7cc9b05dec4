"""Helpers the scaffold tests share: run a scaffold script as a researcher does, and say why a review failed."""

from __future__ import annotations

import os
import subprocess
import sys

from labrails.core.fsutil import read_json


def run_script(exp, script, *args, env=None, timeout=240):
    """`python SCRIPT ARGS` in the experiment; a non-zero exit fails with everything the script printed."""
    full_env = {**os.environ, "LABRAILS_QUIET": "1", **(env or {})}
    proc = subprocess.run([sys.executable, script, *args], cwd=exp.root, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"`{script} {' '.join(args)}` exited {proc.returncode}\n{output_of(proc)}"
    return proc


def output_of(proc) -> str:
    return f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def review_failure(review, proc=None) -> str:
    """The headline and every finding of a review, then the script's output: what a failed check needs."""
    findings = "\n".join(f"  [{f['severity']}] {f['check']}: {f['message']}" for f in review["findings"])
    text = f"review: {review['headline']}\nfindings:\n{findings or '  (none)'}"
    return text if proc is None else f"{text}\n{output_of(proc)}"


def assert_review_passed(run_dir, proc=None):
    review = read_json(run_dir / "review.json")
    assert review["passed"], review_failure(review, proc)
    return review
