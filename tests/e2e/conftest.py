"""The real-client fixtures (claude_bin, claude_project, claude); they live in testing/client_fixtures.py."""

from testing.client_fixtures import claude, claude_bin, claude_project  # noqa: F401
