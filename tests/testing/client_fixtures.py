"""Fixtures for tests that drive the real Claude Code CLI (see claude_client.py); conftests import them."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from testing.claude_client import find_claude, missing_reason, run_claude

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from testing.claude_client import ClaudeRun


@pytest.fixture(scope="session")
def claude_bin() -> str:
    """Path of the Claude Code executable; skips the test when there is none."""
    path = find_claude()
    if path is None:
        pytest.skip(missing_reason())
    return path


@pytest.fixture
def claude_project(tmp_path: Path) -> Path:
    """An empty folder to run the client in (its working directory)."""
    project = tmp_path / "project"
    project.mkdir()
    return project


@pytest.fixture
def claude(claude_bin: str, tmp_path: Path) -> Callable[..., ClaudeRun]:
    """``claude(project_dir, prompt, turns, **run_claude_kwargs) -> ClaudeRun``.

    Like claude_client.run_claude with the found executable, and a fresh HOME under
    tmp_path per call, kept after the test so transcripts can be inspected.
    """
    counter = itertools.count()

    def _run(project_dir: Path, prompt: str, turns: Any = (), **kwargs: Any) -> ClaudeRun:
        kwargs.setdefault("claude_bin", claude_bin)
        kwargs.setdefault("home", tmp_path / f"home{next(counter)}")
        return run_claude(project_dir, prompt, turns, **kwargs)

    return _run
