"""The guard's checks on protected files: labrails' state, approved specs and the signing key.

Each check has the signature of a rule (see :mod:`labrails.guard.rules`, where they are listed in order).
Paths are compared as real paths (:mod:`labrails.guard.protected`): a symlink, a glob, ``..`` or a ``cd``
reach the same file, and so the same answer.
"""

from __future__ import annotations

import os

from labrails.guard.follow import core_of, where
from labrails.guard.protected import (
    KEY_FIX,
    SPEC_NAMES,
    approved_spec,
    expand,
    in_key_dir,
    in_state,
    key_dir,
    program_writes_its_files,
)
from labrails.guard.shell.command import basename
from labrails.guard.vocabulary import SPEC_MARKER, STATE_DIR, STATE_WORDS

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.guard.engine import Request, Written
    from labrails.guard.shell.command import SimpleCommand
    from labrails.guard.shell.launches import Launch

_STATE_FIX = "Use the labrails commands (`labrails status`, `labrails runs`); approvals come only from the human's terminal."
_KEY_FIX = KEY_FIX
# Programs whose writes writes.py reads operand by operand: the written-path rules judge them.
_WRITES_KNOWN = frozenset("""tee cp mv install rsync scp touch rm rmdir unlink truncate shred mkdir chmod chown chgrp
    dd curl wget""".split())
# Listing the key's parent folder is harmless; anything else given it may copy the key with it.
_LISTERS = frozenset({"ls", "cd", "pushd", "du", "stat", "tree", "test", "[", "realpath", "readlink", "dirname", "basename"})
_KEY_CODE = ("signing.key", "labrails.core.signing", "load_key(", "key_path(")


# --------------------------------------------------------------------------- paths written
def writes_state(written: Written, request: Request) -> str | None:
    if written.path is None:
        code = written.inline_code
        if STATE_DIR in code or SPEC_MARKER in code:
            return "inline Python that labrails cannot parse mentions .labrails/ or spec.yaml; the agent may not write there."
        return None
    if in_state(written.path):
        return (f"{written.path} is labrails' own state (registry, approvals, a run's record or verdict); it is never edited "
                f"by hand or by the agent. {_STATE_FIX}")
    if written.expanded and any(word in request.command for word in (STATE_DIR, *STATE_WORDS)):
        return (f"this command writes to `{written.spelled}`, which bash expands, and it mentions labrails' state; "
                f"labrails cannot tell whether it writes there, so it is blocked. {_STATE_FIX}")
    return None


def writes_key(written: Written, _: Request) -> str | None:
    if written.path is not None and in_key_dir(written.path):
        return f"{written.path} is in labrails' signing-key folder. {_KEY_FIX}"
    return None


def writes_approved_spec(written: Written, request: Request) -> str | None:
    target = written.path
    if target is None:
        return None
    approved = approved_spec(target)
    if approved is None and written.expanded and SPEC_MARKER in request.command:
        return (f"this command writes to `{written.spelled}`, which bash expands, and it names a spec; labrails cannot tell "
                "whether it changes an approved spec.yaml, so it is blocked. Write the path plainly.")
    if approved:
        return (f"{target} has been approved by the human ({', '.join(approved)}); the agent may not change it. "
                "Describe the change you need and ask the human to edit and re-approve it.")
    return None


# --------------------------------------------------------------------------- what a command is handed
def _mentions(cmd: SimpleCommand, request: Request) -> list[tuple[str, str, str]]:
    """(word, real path, kind) for each argument of ``cmd`` that names a protected file; kind is
    "state", "spec", "key" or "key-parent". Read once per command and kept in the request's memo."""
    key = ("mentions", id(cmd))
    if key in request.memo:
        return request.memo[key]
    found: list[tuple[str, str, str]] = []
    core, _, _ = core_of(cmd)
    keys = key_dir()
    key_parent = os.path.dirname(keys)
    base = where(request.cwd, cmd)
    words = [w for w in core[1:65] if w]
    words += [w.split("=", 1)[1] for w in words if w.startswith("-") and "=" in w]
    words += [target for op, target in cmd.redirects if op.lstrip("0123456789").startswith("<")]
    for word in words:
        if STATE_DIR in word and not word.startswith("-"):
            found.append((word, word, "state"))
        if keys in word or "signing.key" in word:
            found.append((word, word, "key"))
        if word.startswith("-") and "=" not in word:
            continue
        for path in expand(base, word)[:16]:
            if in_key_dir(path, keys):
                found.append((word, path, "key"))
            elif path == key_parent:
                found.append((word, path, "key-parent"))
            elif in_state(path):
                found.append((word, path, "state"))
            elif os.path.basename(path) in SPEC_NAMES and approved_spec(path):
                found.append((word, path, "spec"))
    request.memo[key] = found
    return found


def key_mentioned(cmd: SimpleCommand, request: Request) -> str | None:
    hits = _mentions(cmd, request)
    if not hits:
        return None
    program = basename(core_of(cmd)[0][0]) if cmd.argv else ""
    for word, _, kind in hits:
        if kind == "key" or (kind == "key-parent" and program not in _LISTERS):
            return f"`{program}` is given `{word}`, which reaches labrails' signing-key folder ({key_dir()}). {_KEY_FIX}"
    return None


def _unknown_writer(cmd: SimpleCommand, request: Request, kinds: tuple[str, ...]) -> tuple[str, str, str] | None:
    core = core_of(cmd)[0]
    if not core:
        return None
    program = basename(core[0])
    hits = [h for h in _mentions(cmd, request) if h[2] in kinds]
    if program in ("xargs", "parallel") and not hits:
        # Their files come from the rest of the line (`ls .labrails/* | xargs sed -i ...`).
        hits = [h for other in request.commands if other is not cmd for h in _mentions(other, request) if h[2] in kinds]
    if not hits:
        return None
    if program == "ln":
        return program, hits[0][0], "links to it (a later write through the link would land there)"
    if program in _WRITES_KNOWN:
        return None  # its written operands are judged one by one by the path rules
    if program in ("sed", "gsed"):
        script_hits = [h for h in hits if h[0] in _sed_scripts(core[1:])]
        return (program, script_hits[0][0], "has a sed script that names it") if script_hits else None
    if program in ("xargs", "parallel", "find"):
        from labrails.guard.runners import inner_commands

        for inner, _ in inner_commands(program, core):
            if inner and program_writes_its_files(basename(inner[0]), inner[1:]):
                return program, hits[0][0], f"hands it to `{basename(inner[0])}`, which may write it"
        if not program_writes_its_files(program, core[1:]):
            return None
    elif not program_writes_its_files(program, core[1:]) or _json_tool_reading(core):
        return None
    return program, hits[0][0], "may write the files it is given"


def _json_tool_reading(core: list[str]) -> bool:
    """`python -m json.tool FILE` pretty-prints; only a second operand would be written."""
    return len(core) == 4 and core[1:3] == ["-m", "json.tool"]


def _sed_scripts(args: list[str]) -> list[str]:
    scripts, operands, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a in ("-e", "--expression") and i + 1 < len(args):
            scripts.append(args[i + 1])
            i += 2
            continue
        if a.startswith("--expression="):
            scripts.append(a.split("=", 1)[1])
        elif not a.startswith("-"):
            operands.append(a)
        i += 1
    return scripts or operands[:1]


def unknown_writer_state(cmd: SimpleCommand, request: Request) -> str | None:
    hit = _unknown_writer(cmd, request, ("state",))
    if hit is None:
        return None
    program, word, how = hit
    return (f"`{program}` is given `{word}`, inside labrails' state (.labrails/), and {how}. The agent may read that state "
            f"with cat, grep, jq or `labrails status`, never change it. {_STATE_FIX}")


def unknown_writer_spec(cmd: SimpleCommand, request: Request) -> str | None:
    hit = _unknown_writer(cmd, request, ("spec",))
    if hit is None:
        return None
    program, word, how = hit
    return (f"`{program}` is given `{word}`, a spec.yaml the human approved, and {how}. Read it with cat or grep; "
            "to change it, describe the change and ask the human to edit and re-approve it.")


def code_reads_key(launch: Launch, request: Request) -> str | None:
    from labrails.guard.rules import code_of

    code = code_of(launch, request)
    if code and (any(marker in code for marker in _KEY_CODE) or key_dir() in code):
        return f"this Python reads labrails' signing key or its folder. {_KEY_FIX}"
    return None
