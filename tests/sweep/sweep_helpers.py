"""Helpers the sweep tests share (fixtures are in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys


def sweep_cli(exp, *args, env=None, timeout=120):
    """`labrails sweep ARGS` in the experiment, as a researcher types it."""
    full_env = {**os.environ, "LABRAILS_QUIET": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "labrails", "sweep", *map(str, args)], cwd=exp.root, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def runs_named(exp, run_name):
    return [d for d in exp.run_dirs() if d.name.endswith("-" + run_name)]
