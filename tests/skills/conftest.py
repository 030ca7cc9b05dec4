"""Fixtures and helpers for the skill pack tests: the skills as data, and the real-client fixtures."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SKILLS_DIR = REPO / "skills"
EVALS_DIR = REPO / "evals"

# The e2e harness (real Claude Code client + loopback model) lives beside the e2e tests.
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ClaudeRun, find_claude, missing_reason, run_claude  # noqa: E402
from skillpack import Skill, load_skills  # noqa: E402


@pytest.fixture(scope="session")
def skills() -> list[Skill]:
    found = load_skills(SKILLS_DIR)
    assert found, f"no skills found under {SKILLS_DIR}"
    return found


@pytest.fixture(scope="session")
def claude_bin() -> str:
    """Path of the Claude Code executable; skips the test (with the reason) when there is none."""
    path = find_claude()
    if path is None:
        pytest.skip(missing_reason())
    return path


@pytest.fixture
def claude(claude_bin: str, tmp_path: Path) -> Callable[..., ClaudeRun]:
    """``claude(project_dir, prompt, turns, **run_claude_kwargs)`` with a fresh HOME per call."""
    counter = itertools.count()

    def _run(project_dir: Path, prompt: str, turns: Any = (), **kwargs: Any) -> ClaudeRun:
        kwargs.setdefault("claude_bin", claude_bin)
        kwargs.setdefault("home", tmp_path / f"home{next(counter)}")
        return run_claude(project_dir, prompt, turns, **kwargs)

    return _run


@pytest.fixture
def claude_project(tmp_path: Path) -> Path:
    """An empty folder to run the client in (its working directory)."""
    project = tmp_path / "project"
    project.mkdir()
    return project
