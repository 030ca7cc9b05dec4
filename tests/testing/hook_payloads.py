"""Hostile and malformed hook payloads, for the hook's fuzz test and benchmarks/fuzz_hook.py.

Each payload is (event, raw bytes): deeply nested JSON, huge commands, random bytes, the wrong JSON types
where Claude Code sends objects and strings, random unicode, truncated JSON, and shell text built from the
pieces the parser finds hardest (quotes, substitutions, heredocs, globs, launchers). Generated from a seed,
so a failure can be replayed.
"""

from __future__ import annotations

import json
import random

EVENTS = ("pretooluse",) * 8 + ("posttooluse", "sessionstart", "stop")
TOOLS = ("Bash",) * 6 + ("Write", "Edit", "MultiEdit", "NotebookEdit", "Read", "Grep", "Glob", "WebFetch", "Task")
SHELL_PIECES = (
    "python", "python3", "train.py", "full", "de-risk", "labrails", "approve", "uv run", "nohup", "bash -c", "sh",
    "eval", "xargs", "make", "git", "find . -exec", "{}", "\\;", "$P", "${X}", "$(", ")", "`", "'", '"', "$'\\x41'",
    "<<EOF\n", "\nEOF\n", "<<<", "|", "||", "&&", ";", "&", "(", ")", "{", "}", "*", "?", "[a]", "~", "..", "/",
    ".labrails/approvals.json", "spec.yaml", "> out", ">>", "2>&1", "<(", ">(", "\\\n", "\n", "\t", "#", "=", "-m",
    "-c", "-", "--profile", "--synthetic", "source", ".", "./run.sh", "if", "then", "fi", "for", "do", "done",
    "case", "esac", "in", "function f", "f()", "[[", "]]", "((", "))", "\x00", "\u200b", "é", "\U0001f600",
)
WRONG = (None, 0, -1, 1.5, True, [], {}, [1, 2], {"a": 1}, "", "\x00", "x" * 10)


def _unicode(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.6:
            out.append(chr(rng.randint(32, 126)))
        elif pick < 0.8:
            out.append(chr(rng.randint(0x80, 0x2FFF)))
        elif pick < 0.9:
            out.append(chr(rng.randint(0xE000, 0x10FFFF)))
        else:
            out.append(chr(rng.randint(0, 31)))
    return "".join(out)


def shell_text(rng: random.Random, n: int | None = None) -> str:
    n = rng.randint(1, 40) if n is None else n
    return " ".join(rng.choice(SHELL_PIECES) if rng.random() < 0.85 else _unicode(rng, rng.randint(1, 8)) for _ in range(n))


def _nested(rng: random.Random, depth: int) -> str:
    kind = rng.choice(("list", "dict", "mixed"))
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "dict":
        return '{"a":' * depth + "1" + "}" * depth
    inner = "1"
    for k in range(min(depth, 5000)):
        inner = f'[{inner}]' if k % 2 else f'{{"k":{inner}}}'
    return inner


def payload(rng: random.Random, cwd: str) -> tuple[str, bytes]:
    """One (event, raw stdin) pair."""
    event = rng.choice(EVENTS)
    kind = rng.randrange(10)
    base = {"session_id": "fuzz", "hook_event_name": "PreToolUse", "cwd": cwd, "tool_name": rng.choice(TOOLS),
            "tool_input": {"command": shell_text(rng), "run_in_background": rng.random() < 0.5}}
    if kind == 0:  # deeply nested JSON, on its own or inside the tool input
        depth = rng.choice((50, 1000, 10_000, 100_000, 400_000))
        nested = _nested(rng, depth)
        raw = nested if rng.random() < 0.5 else json.dumps(base)[:-1] + f', "extra": {nested}}}'
        return event, raw.encode()
    if kind == 1:  # huge command (sometimes over the payload cap)
        size = rng.choice((50_000, 100_001, 1_000_000, 4_100_000))
        base["tool_input"]["command"] = (shell_text(rng, 20) + " ") * (size // 200 + 1)
        return event, json.dumps(base).encode()
    if kind == 2:  # random bytes, often not UTF-8
        return event, bytes(rng.randrange(256) for _ in range(rng.randint(0, 4000)))
    if kind == 3:  # the wrong types where Claude Code sends objects and strings
        field = rng.choice(("tool_name", "tool_input", "cwd", "command", "file_path", "run_in_background", "timeout", "payload"))
        value = rng.choice(WRONG)
        if field == "payload":
            return event, json.dumps(value).encode()
        if field in ("command", "run_in_background", "timeout"):
            base["tool_input"][field] = value
        elif field == "file_path":
            base["tool_name"] = rng.choice(("Write", "Edit", "Read"))
            base["tool_input"] = {"file_path": value}
        else:
            base[field] = value
        return event, json.dumps(base).encode()
    if kind == 4:  # random unicode as the whole payload
        return event, _unicode(rng, rng.randint(0, 3000)).encode("utf-8", errors="surrogatepass")
    if kind == 5:  # truncated JSON
        raw = json.dumps(base)
        return event, raw[: rng.randint(0, len(raw))].encode()
    if kind == 6:  # a file tool with an odd path
        base["tool_name"] = rng.choice(("Write", "Edit", "Read", "NotebookEdit", "Grep", "Glob"))
        path = rng.choice((shell_text(rng, 3), "../" * rng.randint(1, 500) + "etc/passwd", "/" + "a/" * 3000,
                           ".labrails/" + _unicode(rng, 20), "~/.config/labrails/signing.key", "\x00", _unicode(rng, 300)))
        base["tool_input"] = {"file_path": path, "pattern": path, "content": _unicode(rng, 100)}
        return event, json.dumps(base, ensure_ascii=rng.random() < 0.5).encode("utf-8", errors="surrogatepass")
    if kind == 7:  # stop / session hooks with odd fields
        base["stop_hook_active"] = rng.choice(WRONG)
        return event, json.dumps(base).encode()
    # plain Bash payloads built from the hardest shell pieces
    base["tool_name"] = "Bash"
    return event, json.dumps(base, ensure_ascii=rng.random() < 0.5).encode("utf-8", errors="surrogatepass")


def payloads(seed: int, count: int, cwd: str):
    rng = random.Random(seed)
    for _ in range(count):
        yield payload(rng, cwd)


def run_in_process(event: str, raw: bytes) -> tuple[object, str, str]:
    """Call the real hook entry (labrails.guard.hook.main) with ``raw`` on stdin; returns (exit code, stdout, stderr).

    An exception escaping main() is returned as the exit code (the test fails on anything but 0 or 2).
    """
    import contextlib
    import io
    import sys

    from labrails.guard.hook import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="strict")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([event])
            except BaseException as exc:  # noqa: BLE001 - reported, not raised: the caller judges it
                code = exc
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()
