"""Commands labrails prints work as pasted: with a virtual environment not activated, its tools are printed
with their path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent  # this environment's bin/: labrails and uv (a dependency) are installed here


def labrails_with_path(path: str, *args, cwd):
    return subprocess.run([sys.executable, "-m", "labrails", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PATH": path, "LABRAILS_QUIET": "1"})


def test_new_prints_uv_and_labrails_as_the_shell_will_find_them(tmp_path):
    assert (BIN / "uv").is_file() and (BIN / "labrails").is_file()
    outside = labrails_with_path("/usr/bin:/bin", "new", "not-activated", cwd=tmp_path)
    assert outside.returncode == 0, outside.stderr
    assert f"cd not-activated && {BIN / 'uv'} run train.py de-risk" in outside.stdout
    assert f"({BIN / 'labrails'} status lists them)" in outside.stdout

    activated = labrails_with_path(f"{BIN}:/usr/bin:/bin", "new", "activated", cwd=tmp_path)
    assert "cd activated && uv run train.py de-risk" in activated.stdout and "(labrails status" in activated.stdout
