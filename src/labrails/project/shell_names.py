"""How to call labrails' own tools (``labrails``, ``uv``) from the user's shell, in the commands labrails prints.

Installed into a virtual environment that is not activated, ``labrails`` and ``uv`` are not on the PATH:
a printed ``uv run train.py de-risk`` would fail. They are then printed with their path in that
environment, so every printed command works as pasted.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def shell_name(tool: str) -> str:
    """``tool`` when the PATH finds this environment's copy (or, lacking one, any copy), else its full path."""
    mine = Path(sys.executable).parent / tool
    found = shutil.which(tool)
    if not mine.is_file():
        return tool if found or tool != "labrails" else f"{sys.executable} -m labrails"
    if found and Path(found).resolve() == mine.resolve():
        return tool
    return str(mine)
