"""Fixtures and helpers for the skill pack tests: the skills as data, and the real-client fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The e2e harness (real Claude Code client + loopback model) lives beside the e2e tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from client_fixtures import claude, claude_bin, claude_project  # noqa: E402,F401  (shared with tests/e2e)
from skillpack import SKILLS_DIR, Skill, load_skills  # noqa: E402


@pytest.fixture(scope="session")
def skills() -> list[Skill]:
    found = load_skills(SKILLS_DIR)
    assert found, f"no skills found under {SKILLS_DIR}"
    return found


