"""Where things are: the repository, the test fixtures, the scaffold."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
SCAFFOLD = REPO / "scaffold"
TINY_SCRIPT = FIXTURES / "tiny_run.py"
