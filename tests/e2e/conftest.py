"""The real-client fixtures (claude_bin, claude_project, claude) live in client_fixtures.py."""

import sys
from pathlib import Path

# harness, fake_model and client_fixtures are plain modules beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from client_fixtures import claude, claude_bin, claude_project  # noqa: E402,F401
