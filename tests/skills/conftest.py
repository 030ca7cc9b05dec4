"""Fixtures for the skill pack tests: the skills as data, and the real-client fixtures."""

from __future__ import annotations

import pytest

from skillpack import SKILLS_DIR, Skill, load_skills
from testing.client_fixtures import claude, claude_bin, claude_project  # noqa: F401  (shared with tests/e2e)


@pytest.fixture(scope="session")
def skills() -> list[Skill]:
    found = load_skills(SKILLS_DIR)
    assert found, f"no skills found under {SKILLS_DIR}"
    return found
