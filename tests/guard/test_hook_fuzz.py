"""Hostile hook payloads end in a decision: exit 0 (allow, or a JSON deny) or 2, never 1, never a traceback.

Claude Code reads exit 1 or a crash as "go ahead", so a payload that makes the hook crash is a way around
every rule. A few thousand generated payloads (tests/testing/hook_payloads.py) go through the real entry,
in-process; benchmarks/fuzz_hook.py runs 100,000 and times them.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labrails
from testing.hook_payloads import payloads, run_in_process


def assert_decided(code, out: str, err: str) -> None:
    assert code in (0, 2), f"exit {code!r}: {err[-500:]}"
    assert "Traceback" not in err and "Traceback" not in out
    if out:
        decision = json.loads(out)["hookSpecificOutput"]
        assert decision.get("permissionDecision", "deny") == "deny" or "additionalContext" in decision


@pytest.fixture(scope="module")
def experiment_dir(tmp_path_factory):
    return labrails.new_experiment(tmp_path_factory.mktemp("fuzz") / "exp", hypothesis="h", success=["s"]).root


@pytest.mark.parametrize("seed", range(4))
def test_generated_payloads_always_end_in_a_decision(seed, experiment_dir, tmp_path):
    cwd = str(experiment_dir) if seed % 2 else str(tmp_path)
    for event, raw in payloads(seed, 600, cwd):
        assert_decided(*run_in_process(event, raw))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                          lambda children: st.lists(children) | st.dictionaries(st.text(), children), max_leaves=40))
def test_any_json_value_in_any_field_ends_in_a_decision(value, tmp_path):
    for payload in (value, {"tool_name": "Bash", "cwd": str(tmp_path), "tool_input": value},
                    {"tool_name": "Bash", "cwd": value, "tool_input": {"command": "python train.py full"}},
                    {"tool_name": "Write", "cwd": str(tmp_path), "tool_input": {"file_path": value}}):
        assert_decided(*run_in_process("pretooluse", json.dumps(payload).encode()))


@settings(max_examples=300, deadline=None)
@given(command=st.text(max_size=300))
def test_any_command_text_ends_in_a_decision(command):
    payload = {"tool_name": "Bash", "cwd": "/nonexistent/exp", "tool_input": {"command": "python " + command}}
    assert_decided(*run_in_process("pretooluse", json.dumps(payload).encode()))


def test_deeply_nested_json_is_blocked_when_it_mentions_a_launch():
    raw = ('{"tool_name": "Bash", "tool_input": {"command": "python train.py full"}, "x": ' + "[" * 200_000 + "]" * 200_000 + "}")
    code, out, err = run_in_process("pretooluse", raw.encode())
    assert code == 0 and json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny" and "Traceback" not in err
    # The same nesting with nothing that could launch a run or touch protected files is let through.
    code, out, _ = run_in_process("pretooluse", ('{"tool_name": "Bash", "x": ' + "[" * 200_000 + "]" * 200_000 + "}").encode())
    assert code == 0 and out == ""


def test_a_decision_past_its_time_budget_fails_closed(monkeypatch, experiment_dir):
    monkeypatch.setenv("LABRAILS_HOOK_BUDGET_S", "0.05")
    command = "; ".join(f"echo {i} && python train.py de-risk" for i in range(2000))
    payload = {"tool_name": "Bash", "cwd": str(experiment_dir), "tool_input": {"command": command}}
    code, out, _ = run_in_process("pretooluse", json.dumps(payload).encode())
    reason = json.loads(out)["hookSpecificOutput"]["permissionDecisionReason"]
    assert code == 0 and "ran out of time" in reason
