"""Where the shipped folders (templates/, scaffold/, skills/, hooks/) live.

In a wheel they are packaged under ``labrails/_data``; in a source checkout (editable install) they are
the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # core/ -> labrails/


def data_root() -> Path:
    packaged = _PACKAGE / "_data"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent.parent  # src/labrails -> repository root


def resource(*parts: str) -> Path:
    path = data_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"labrails resource {'/'.join(parts)} is missing from {data_root()}; reinstall labrails"
        )
    return path


def source_checkout() -> Path | None:
    """The repository root when labrails runs from a source checkout, else None."""
    root = _PACKAGE.parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "scaffold").is_dir() else None
