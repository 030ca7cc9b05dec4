"""Proves the e2e harness: the real client, a tiny plugin, the scripted model.

The e2e tests skip when the Claude Code CLI is absent; the FakeModel tests at
the bottom need no client and always run.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from testing.fake_model import FakeModel, bash, skill, text, tool_use
from testing.claude_client import python_command, validate_plugin, write_plugin, write_skill

PLUGIN = "tiny-guard"
SKILL = "demo-skill"
SKILL_DESCRIPTION = "Demo skill of the harness tests; listing marker QUOKKA-31."
SKILL_BODY = "# Demo skill\n\nBody marker PLATYPUS-77: follow these steps."
REASON = "tiny-guard: blocked.txt is off limits"

# Blocks any Bash command that mentions blocked.txt, either way a PreToolUse
# hook can: exit 2 with the reason on stderr, or exit 0 with a JSON decision.
GUARD = f"""\
import json
import sys

event = json.load(sys.stdin)
command = (event.get("tool_input") or {{}}).get("command", "")
if "blocked.txt" in command:
    if "--json" in sys.argv:
        print(json.dumps({{"hookSpecificOutput": {{
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": {REASON!r},
        }}}}))
        sys.exit(0)
    print({REASON!r}, file=sys.stderr)
    sys.exit(2)
"""


def guard_hooks(command: str) -> dict:
    return {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": command}]}]}


def make_tiny_plugin(root: Path, style: str = "exit2") -> Path:
    flag = " --json" if style == "json" else ""
    return write_plugin(
        root,
        PLUGIN,
        hooks=guard_hooks(python_command("${CLAUDE_PLUGIN_ROOT}/hooks/guard.py") + flag),
        skills={SKILL: (SKILL_DESCRIPTION, SKILL_BODY)},
        files={"hooks/guard.py": GUARD},
    )


@pytest.fixture
def tiny_plugin(tmp_path: Path) -> Path:
    return make_tiny_plugin(tmp_path / "plugin")


# -- against the real client ----------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("style", ["exit2", "json"])
def test_hook_blocks_bash_command(claude, claude_project, tmp_path, style):
    plugin = make_tiny_plugin(tmp_path / "plugin", style)
    run = claude(claude_project, "create blocked.txt", [[bash("touch blocked.txt")]], plugin_dir=plugin)
    run.check()

    assert not (claude_project / "blocked.txt").exists(), run.describe()
    (sent,) = run.server.tool_uses()
    # The request after the blocked call carries the hook's verdict.
    main = run.server.main_requests()
    assert len(main) == 2, run.describe()
    (result,) = run.tool_results()
    assert result.tool_use_id == sent["id"]
    assert result.is_error
    assert REASON in result.content
    assert any(b.get("type") == "tool_result" for b in main[1].messages[-1]["content"])

    assert run.permission_denials == [
        {"tool_name": "Bash", "tool_use_id": sent["id"], "tool_input": {"command": "touch blocked.txt"}}
    ]
    assert run.result_text == "done"
    assert run.result["is_error"] is False


@pytest.mark.e2e
def test_allowed_bash_command_runs(claude, claude_project, tiny_plugin):
    run = claude(claude_project, "create allowed.txt", [[bash("touch allowed.txt")]], plugin_dir=tiny_plugin)
    run.check()

    assert (claude_project / "allowed.txt").exists(), run.describe()
    (result,) = run.tool_results()
    assert not result.is_error, result
    assert run.permission_denials == []


@pytest.mark.e2e
def test_plugin_skill_is_listed_to_the_model(claude, claude_project, tiny_plugin):
    run = claude(claude_project, "hello", [], plugin_dir=tiny_plugin)
    run.check()

    # Plugin skills are namespaced by the plugin's name.
    assert run.server.skill_listed(f"{PLUGIN}:{SKILL}"), run.server.system_text()[-3000:]
    assert SKILL_DESCRIPTION in run.server.system_text()
    assert run.server.turns_consumed == 0 and run.result_text == "done"


@pytest.mark.e2e
def test_skill_tool_returns_skill_body(claude, claude_project, tiny_plugin):
    name = f"{PLUGIN}:{SKILL}"
    run = claude(claude_project, "use the demo skill", [[skill(name)]], plugin_dir=tiny_plugin)
    run.check()

    schema = run.server.tool_schema("Skill")["input_schema"]
    assert "skill" in schema["properties"] and schema.get("required") == ["skill"], schema
    (result,) = run.tool_results()
    assert not result.is_error, result
    # The tool_result only acknowledges; the body rides along in the same message.
    assert name in result.content
    assert "PLATYPUS-77" in result.full_text, result


@pytest.mark.e2e
def test_project_skill_and_settings_hook(claude, claude_project):
    # What a project-level install looks like: .claude/settings.json hooks and
    # .claude/skills, no plugin.
    claude_dir = claude_project / ".claude"
    write_skill(claude_dir / "skills", "proj-skill", "Project skill, marker WOMBAT-5.", "Project body.")
    (claude_dir / "guard.py").write_text(GUARD)
    settings = {"hooks": guard_hooks(python_command("$CLAUDE_PROJECT_DIR/.claude/guard.py"))}
    (claude_dir / "settings.json").write_text(json.dumps(settings))

    run = claude(claude_project, "go", [[bash("touch blocked.txt")], [bash("touch ok.txt")]])
    run.check()

    assert run.server.skill_listed("proj-skill")
    blocked, allowed = run.tool_results()
    assert blocked.is_error and REASON in blocked.content
    assert not allowed.is_error
    assert not (claude_project / "blocked.txt").exists()
    assert (claude_project / "ok.txt").exists()


@pytest.mark.e2e
def test_plugin_validates_strict(claude_bin, tiny_plugin):
    report = validate_plugin(tiny_plugin, strict=True, claude_bin=claude_bin)
    assert report.returncode == 0, report.stdout + report.stderr

    provides = validate_plugin(tiny_plugin, json_report=True, claude_bin=claude_bin).json["provides"]
    assert provides["skills"] == [f"{PLUGIN}:{SKILL}"]
    assert [h["event"] for h in provides["hooks"]] == ["PreToolUse"]


@pytest.mark.e2e
def test_plugin_validate_strict_fails_on_warning(claude_bin, tmp_path):
    # A manifest without author only warns; --strict must turn that into a failure,
    # or the passing check above proves nothing.
    plugin = write_plugin(tmp_path / "bare", "bare")
    manifest = plugin / ".claude-plugin" / "plugin.json"
    data = json.loads(manifest.read_text())
    del data["author"]
    manifest.write_text(json.dumps(data))
    assert validate_plugin(plugin, strict=True, claude_bin=claude_bin).returncode != 0


# -- the fake model alone (no client needed) --------------------------------------------------


def _post(server: FakeModel, body: dict, path: str = "/v1/messages") -> tuple[str, str]:
    req = urllib.request.Request(
        server.base_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers["Content-Type"], resp.read().decode()


def _sse(raw: str) -> list[tuple[str, dict]]:
    events = []
    for chunk in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in chunk.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


MAIN = {"model": "m", "max_tokens": 100, "tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "x"}]}


def test_fake_model_streams_tool_use():
    with FakeModel([[text("thinking aloud"), tool_use("Bash", {"command": "ls -la"})]]) as server:
        content_type, raw = _post(server, dict(MAIN, stream=True))
    assert content_type == "text/event-stream"
    events = _sse(raw)
    names = [e for e, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert all(event == data["type"] for event, data in events)
    starts = [d["content_block"] for e, d in events if e == "content_block_start"]
    assert starts[0] == {"type": "text", "text": ""}
    assert starts[1]["type"] == "tool_use" and starts[1]["name"] == "Bash" and starts[1]["input"] == {}
    partial = "".join(d["delta"]["partial_json"] for e, d in events if e == "content_block_delta" and d["index"] == 1)
    assert json.loads(partial) == {"command": "ls -la"}
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    assert "output_tokens" in events[-2][1]["usage"]


def test_fake_model_side_requests_do_not_consume_script():
    with FakeModel(["first", "second"]) as server:
        _, side = _post(server, {"model": "haiku", "max_tokens": 1, "messages": [{"role": "user", "content": "q"}]})
        _, first = _post(server, MAIN)
        _, tokens = _post(server, MAIN, "/v1/messages/count_tokens")
        _, second = _post(server, MAIN)
        _, after = _post(server, MAIN)
    assert json.loads(side)["content"] == [{"type": "text", "text": "ok"}]
    assert json.loads(first)["content"][0]["text"] == "first"
    assert json.loads(first)["stop_reason"] == "end_turn"
    assert json.loads(tokens) == {"input_tokens": 10}
    assert json.loads(second)["content"][0]["text"] == "second"
    assert json.loads(after)["content"][0]["text"] == "done"
    assert [r.kind for r in server.requests] == ["side", "main", "count_tokens", "main", "main"]


def test_fake_model_collects_tool_results_once():
    history = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [tool_use("Skill", {"skill": "p:s"}, id="toolu_1")]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Launching skill: p:s"},
                {"type": "text", "text": "skill body"},
            ],
        },
    ]
    with FakeModel() as server:
        _post(server, dict(MAIN, messages=history))
        _post(server, dict(MAIN, messages=history + [{"role": "assistant", "content": "k"}]))
    (result,) = server.tool_results()
    assert result.as_dict() == {
        "tool_use_id": "toolu_1",
        "content": "Launching skill: p:s",
        "is_error": False,
        "attached": "skill body",
    }
    assert result["is_error"] is False
