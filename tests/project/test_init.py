"""`labrails init`: skills and hooks into a project's .claude/, merged, idempotent, nothing lost."""

from __future__ import annotations

import json

import pytest

from labrails.core.errors import LabrailsError
from labrails.project.init import MARK_START, install_into


def test_init_merges_into_existing_settings_and_claude_md(tmp_path):
    claude = tmp_path / ".claude"
    claude.mkdir()
    mine = {"permissions": {"allow": ["Bash(ls:*)"]}, "hooks": {"PreToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "my-linter"}]}]}}
    (claude / "settings.json").write_text(json.dumps(mine))
    (tmp_path / "CLAUDE.md").write_text("# My project\nUse tabs.\n")
    install_into(tmp_path)
    settings = json.loads((claude / "settings.json").read_text())
    assert settings["permissions"] == mine["permissions"]
    pre = settings["hooks"]["PreToolUse"]
    assert pre[0]["hooks"][0]["command"] == "my-linter" and pre[1]["hooks"][0]["command"].endswith("pretooluse")
    assert {"PostToolUse", "SessionStart", "Stop"} <= set(settings["hooks"])
    text = (tmp_path / "CLAUDE.md").read_text()
    assert text.startswith("# My project\nUse tabs.\n") and "JOURNAL.md" in text and "runs.yaml" in text


def test_init_is_idempotent(tmp_path):
    install_into(tmp_path)
    first = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    lines = install_into(tmp_path)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == first
    assert any("already" in line for line in lines)
    assert (tmp_path / "CLAUDE.md").read_text().count(MARK_START) == 1


def test_init_installs_the_skills(tmp_path):
    install_into(tmp_path)
    skills = [p.parent.name for p in (tmp_path / ".claude" / "skills").glob("*/SKILL.md")]
    assert "experiment-runner" in skills and "ml-experimentation" in skills


def test_init_refuses_to_overwrite_broken_settings(tmp_path):
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text("{oops")
    with pytest.raises(LabrailsError, match="not overwrite"):
        install_into(tmp_path)
    assert (tmp_path / ".claude" / "settings.json").read_text() == "{oops"
