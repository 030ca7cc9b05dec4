"""``labrails hook EVENT``: the thin entry Claude Code calls; reads the hook JSON on stdin.

Events: pretooluse (the guard), sessionstart (context), posttooluse (run status), stop (journal nudge).

This runs on every agent tool call, so it imports only os, sys and the guard's vocabulary up front;
json, the engine, and anything that reads experiment files load only when the payload could matter.
It never exits 1 (Claude Code treats 1 as "go ahead"): a block is exit 0 with a JSON deny, and when the
guard itself fails on something that looks like a run launch or a write to protected files, it blocks
(fail closed). Whatever the payload (over 4 MB, binary, deeply nested, the wrong JSON types), every path
ends in a decision, within the time budget of :mod:`labrails.guard.budget`.
"""

from __future__ import annotations

import os
import sys

from labrails.guard.vocabulary import FILE_TOOLS, GIT_COMMANDS, KEY_WORDS, RAW_TOKENS, READ_TOOLS, RELEVANT_PATTERN, STATE_DIR


def _irrelevant(raw: str) -> bool:
    """A payload without any of RAW_TOKENS (and without a possible git alias) cannot launch a run or touch
    labrails' files: it is allowed before even `json` is imported. Claude Code writes the payload with
    JSON.stringify, which escapes only quotes, backslashes and control characters, so a token in the command
    appears verbatim in the raw text."""
    lowered = _without_paths(raw.lower())
    if any(token in lowered for token in RAW_TOKENS):
        return False
    key_dir = os.environ.get("LABRAILS_CONFIG_DIR")
    if key_dir and os.path.basename(key_dir.rstrip("/")).lower() in lowered:
        return False
    return not _git_alias_possible(lowered)


def _without_paths(lowered: str) -> str:
    """The payload without its cwd and transcript path: the project's folder name says nothing about the command."""
    for key in ('"cwd"', '"transcript_path"'):
        at = lowered.find(key)
        if at < 0:
            continue
        start = lowered.find('"', lowered.find(":", at + len(key)) + 1)
        end = start + 1
        while 0 < end < len(lowered) and lowered[end] != '"':
            end += 2 if lowered[end] == "\\" else 1
        if start > 0 and end < len(lowered) and not any(w in lowered[start:end] for w in (STATE_DIR, *KEY_WORDS)):
            lowered = lowered[:at] + lowered[end + 1 :]  # (a cwd inside protected files stays: it matters)
    return lowered


def _git_alias_possible(lowered: str) -> bool:
    """Whether some `git WORD` in the text names something other than one of git's own commands."""
    start = lowered.find("git ")
    while start >= 0:
        words = lowered[start + 4 : start + 200].split()
        i = 0
        while i < len(words) and words[i].startswith("-"):
            i += 2 if words[i] in ("-c", "-C", "--git-dir", "--work-tree") else 1
        word = words[i].strip('"\\;&|)') if i < len(words) else ""
        if word and word not in GIT_COMMANDS:
            return True
        start = lowered.find("git ", start + 4)
    return False


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
    if not isinstance(tool, str):
        return 0  # no tool the guard judges
    if tool == "Bash":
        command = tool_input.get("command") if isinstance(tool_input, dict) else None
        if not isinstance(command, str) or (not _relevant_command(command) and ".labrails" not in command):
            return 0
    elif tool in READ_TOOLS:
        # Only the signing key's folder is off limits to the read tools: a cheap check, without the engine.
        from labrails.guard.protected import read_tool_reason

        reason = read_tool_reason(tool_input, _cwd(payload)) if isinstance(tool_input, dict) else None
        return _deny(f"labrails [signing-key]: {reason}") if reason else 0
    elif tool not in FILE_TOOLS:
        return 0
    try:
        from labrails.guard.engine import decide

        decision = decide(payload)
    except (Exception, RecursionError, MemoryError) as exc:  # fail closed on anything that might matter
        return _deny(f"labrails [guard-error]: the guard failed ({type(exc).__name__}: {str(exc)[:200]}) while checking this command, "
                     "so it is blocked to be safe. Simplify the command; if it keeps happening, the human can report it with the command text.")
    if decision.allow:
        return 0
    return _deny(decision.reason)


def _context(event: str, text: str) -> int:
    if text:
        _emit({"hookSpecificOutput": {"hookEventName": event, "additionalContext": text}})
    return 0


def _cwd(payload) -> str:
    cwd = payload.get("cwd")
    return cwd if isinstance(cwd, str) and cwd and "\0" not in cwd else os.getcwd()


def sessionstart(payload) -> int:
    from labrails.guard.context import session_context

    return _context("SessionStart", session_context(_cwd(payload)))


def posttooluse(payload) -> int:
    tool_input = payload.get("tool_input")
    if payload.get("tool_name") != "Bash" or not isinstance(tool_input, dict):
        return 0
    command = tool_input.get("command")
    if not isinstance(command, str) or not _relevant_command(command):
        return 0
    from labrails.guard.context import after_run_context

    return _context("PostToolUse", after_run_context(payload))


def stop(payload) -> int:
    if payload.get("stop_hook_active"):
        return 0  # we already asked once; never trap the agent in a loop
    from labrails.guard.context import missing_journal_entry, unchecked_report

    cwd = _cwd(payload)
    reason = missing_journal_entry(cwd) or unchecked_report(cwd)
    if reason:
        _emit({"decision": "block", "reason": reason})
    return 0


EVENTS = {"pretooluse": pretooluse, "sessionstart": sessionstart, "posttooluse": posttooluse, "stop": stop}

# A payload larger than this is decided from its raw text alone: nothing Claude Code sends for a tool
# call comes near it, and parsing it would not fit the time budget.
MAX_PAYLOAD_BYTES = 4_000_000


def _read_stdin() -> str:
    """At most MAX_PAYLOAD_BYTES + 1 of stdin, as text whatever bytes it holds."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # an in-process caller gave a text stream
        return sys.stdin.read(MAX_PAYLOAD_BYTES + 1)
    return stream.read(MAX_PAYLOAD_BYTES + 1).decode("utf-8", errors="replace")


def _may_matter(raw: str) -> bool:
    """Whether raw text could launch a run or touch protected files: the fallback when it cannot be judged."""
    import re

    from labrails.guard.vocabulary import MAY_LAUNCH_PATTERN, PROTECTED_WORDS

    lowered = raw.lower()
    return any(word in lowered for word in PROTECTED_WORDS) or re.search(MAY_LAUNCH_PATTERN, raw[:MAX_PAYLOAD_BYTES], re.I) is not None


def _undecided(event: str, raw: str | None, why: str) -> int:
    """The decision when the payload could not be judged: block what may matter, let the rest through."""
    if event != "pretooluse":
        return 0
    if raw is not None and not _may_matter(raw):
        return 0
    return _deny(f"labrails [guard-error]: {why}, and it may launch a run or touch protected files, so it is blocked "
                 "to be safe. Write the command more simply (one plain command per line).")


def main(argv=None) -> int:
    """The hook entry. Every path ends in a decision: exit 0 (with a JSON deny when blocking), or exit 2 with
    the reason on stderr when even writing that JSON failed. Never 1, never a traceback."""
    event, raw = "", None
    try:
        argv = list(sys.argv[1:] if argv is None else argv)
        event = (str(argv[0]) if argv else "").lower().replace("-", "").replace("_", "")
        handler = EVENTS.get(event)
        if handler is None:
            sys.stderr.write(f"labrails hook: unknown event {argv[:1]}; use one of: {', '.join(EVENTS)}\n")
            return 2 if event == "" else 0
        raw = _read_stdin()
        if event in ("pretooluse", "posttooluse") and _irrelevant(raw):
            return 0
        if len(raw) > MAX_PAYLOAD_BYTES:
            return _undecided(event, raw, "the hook input is too large to judge")
        import gc

        from labrails.guard.budget import Budget, BudgetExceeded

        # The decision (its imports above all) allocates thousands of objects and frees almost all of them
        # by reference counting; the cycle collector's passes over them are pure cost in a process this short.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            with Budget():
                return _handle(event, handler, raw)
        except BudgetExceeded:
            return _undecided(event, raw, "the guard ran out of time judging this command")
        finally:
            if gc_was_on:
                gc.enable()
    except BaseException as exc:  # noqa: BLE001 - the hook must end in a decision whatever happened
        try:
            return _undecided(event, raw, f"the guard failed ({type(exc).__name__})")
        except BaseException:  # noqa: BLE001 - even the fallback failed (no memory, closed stdout): exit 2 blocks
            if event != "pretooluse":
                return 0
            try:
                sys.stderr.write("labrails [guard-error]: the guard failed; blocked to be safe.\n")
            except BaseException:  # noqa: BLE001
                pass
            return 2


def run(argv=None) -> None:
    """The process entry (the plugin's script, `labrails init`'s command, `labrails hook`): :func:`main`, then its
    exit status straight to the OS. The answer is written and flushed by then, and tearing down every module the
    decision loaded would add a tenth to the hook's time on each launch check; in-process callers use main."""
    code = main(argv)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - main flushed its answer already; nothing is left to lose
        pass
    os._exit(code)


def _handle(event: str, handler, raw: str) -> int:
    try:
        payload = _parse(raw)
    except (ValueError, RecursionError, MemoryError):
        return _undecided(event, raw, "the hook input was not valid JSON")
    if not isinstance(payload, dict):
        payload = {}
    try:
        return handler(payload)
    except (Exception, RecursionError, MemoryError) as exc:
        if event == "pretooluse":
            return _undecided(event, raw, f"the guard failed ({type(exc).__name__}: {str(exc)[:200]})")
        sys.stderr.write(f"labrails hook {event}: {type(exc).__name__}: {str(exc)[:200]}\n")
        return 0
