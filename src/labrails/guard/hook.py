"""``labrails hook EVENT``: the thin entry Claude Code calls; reads the hook JSON on stdin.

Events: pretooluse (the guard), sessionstart (context), posttooluse (run status), stop (journal nudge).

This runs on every agent tool call, so it imports only os, sys and the guard's vocabulary up front;
json, the engine, and anything that reads experiment files load only when the payload could matter.
It never exits 1 (Claude Code treats 1 as "go ahead"): a block is exit 0 with a JSON deny, and when the
guard itself fails on something that looks like a run launch or a write to protected files, it blocks
(fail closed).
"""

from __future__ import annotations

import os
import sys

from labrails.guard.vocabulary import FILE_TOOLS, RAW_TOKENS, RELEVANT_PATTERN


def _irrelevant(raw: str) -> bool:
    """A payload without any of RAW_TOKENS cannot launch a run or touch labrails' files: it is allowed
    before even `json` is imported. Claude Code writes the payload with JSON.stringify, which escapes only
    quotes, backslashes and control characters, so a token in the command appears verbatim in the raw text."""
    lowered = raw.lower()
    return not any(token in lowered for token in RAW_TOKENS)


def _relevant_command(command: str) -> bool:
    """Second, finer filter on the decoded command: only these go to the parser and engine."""
    import re  # json has imported it by now

    return re.search(RELEVANT_PATTERN, command, re.I) is not None


def _emit(obj) -> None:
    import json

    sys.stdout.write(json.dumps(obj))
    sys.stdout.flush()


def _deny(reason: str) -> int:
    _emit({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": reason}})
    return 0


def _parse(raw: str):
    import json

    return json.loads(raw) if raw.strip() else {}


def pretooluse(payload) -> int:
    tool = payload.get("tool_name")
    tool_input = payload.get("tool_input") or {}
    if tool == "Bash":
        command = tool_input.get("command") if isinstance(tool_input, dict) else None
        if not isinstance(command, str) or (not _relevant_command(command) and ".labrails" not in command):
            return 0
    elif tool not in FILE_TOOLS:
        return 0
    try:
        from labrails.guard.engine import decide

        decision = decide(payload)
    except Exception as exc:  # fail closed on anything that might matter
        return _deny(f"labrails [guard-error]: the guard failed ({type(exc).__name__}: {exc}) while checking this command, so it is "
                     "blocked to be safe. Simplify the command; if it keeps happening, the human can report it with the command text.")
    if decision.allow:
        return 0
    return _deny(decision.reason)


def _context(event: str, text: str) -> int:
    if text:
        _emit({"hookSpecificOutput": {"hookEventName": event, "additionalContext": text}})
    return 0


def sessionstart(payload) -> int:
    from labrails.guard.context import session_context

    return _context("SessionStart", session_context(payload.get("cwd") or os.getcwd()))


def posttooluse(payload) -> int:
    if payload.get("tool_name") != "Bash":
        return 0
    command = (payload.get("tool_input") or {}).get("command") or ""
    if not _relevant_command(command):
        return 0
    from labrails.guard.context import after_run_context

    return _context("PostToolUse", after_run_context(payload))


def stop(payload) -> int:
    if payload.get("stop_hook_active"):
        return 0  # we already asked once; never trap the agent in a loop
    from labrails.guard.context import missing_journal_entry, unchecked_report

    cwd = payload.get("cwd") or os.getcwd()
    reason = missing_journal_entry(cwd) or unchecked_report(cwd)
    if reason:
        _emit({"decision": "block", "reason": reason})
    return 0


EVENTS = {"pretooluse": pretooluse, "sessionstart": sessionstart, "posttooluse": posttooluse, "stop": stop}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    event = (argv[0] if argv else "").lower().replace("-", "").replace("_", "")
    handler = EVENTS.get(event)
    if handler is None:
        sys.stderr.write(f"labrails hook: unknown event {argv[:1]}; use one of: {', '.join(EVENTS)}\n")
        return 2 if event == "" else 0
    raw = sys.stdin.read()
    if event in ("pretooluse", "posttooluse") and _irrelevant(raw):
        return 0
    try:
        payload = _parse(raw)
        if not isinstance(payload, dict):
            payload = {}
    except ValueError:
        if event == "pretooluse":
            return _deny("labrails [guard-error]: the hook input was not valid JSON, so the command is blocked to be safe.")
        return 0
    try:
        return handler(payload)
    except Exception as exc:
        if event == "pretooluse":
            return _deny(f"labrails [guard-error]: {type(exc).__name__}: {exc}; blocked to be safe.")
        sys.stderr.write(f"labrails hook {event}: {type(exc).__name__}: {exc}\n")
        return 0
