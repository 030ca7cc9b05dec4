"""Programs that run a string as shell code: ``bash -c``, ``eval``, ``sbatch --wrap``, ``watch``, ``tmux``.

The parser reads such a string as one more command line, so a launch hidden inside it is still seen.
"""

from __future__ import annotations

from labrails.guard.shell.command import SHELLS, basename
from labrails.guard.shell.wrappers import short_width


def shell_invocation(core: list[str]) -> tuple[str, str | None]:
    """How a shell is invoked: ("c", code), ("stdin", None) or ("file", None)."""
    args = core[1:]
    i = 0
    has_c = False
    reads_stdin = False
    while i < len(args):
        a = args[i]
        if a in ("-", "--"):
            i += 1
            break
        if a in ("--rcfile", "--init-file"):
            i += 2
            continue
        if a.startswith("--"):
            i += 1
            continue
        if a[:1] in ("-", "+") and len(a) > 1:
            letters = a[1:]
            has_c = has_c or "c" in letters
            reads_stdin = reads_stdin or "s" in letters
            # -o/-O take the option name as the next word.
            i += 2 if letters[-1] in "oO" else 1
            continue
        break
    rest = args[i:]
    if has_c:
        return ("c", rest[0]) if rest else ("file", None)
    if reads_stdin or not rest:
        return "stdin", None
    return "file", None


_TMUX_VALUE_OPTS = {
    "new-session": "cefFnstxy",
    "new": "cefFnstxy",
    "new-window": "cefFnt",
    "neww": "cefFnt",
    "split-window": "cefFlpt",
    "splitw": "cefFlpt",
    "respawn-pane": "cet",
    "respawnp": "cet",
    "respawn-window": "cet",
    "respawnw": "cet",
    "run-shell": "dt",
    "run": "dt",
    "send-keys": "tN",
    "send": "tN",
}
_TMUX_KEYS = frozenset({"Enter", "C-m", "KPEnter", "C-j"})


def shell_strings(core: list[str]) -> list[tuple[str, str]]:
    base = basename(core[0])
    args = core[1:]
    if base in SHELLS:
        mode, code = shell_invocation(core)
        return [(f"{base} -c", code)] if mode == "c" and code is not None else []
    if base == "eval":
        return [("eval", " ".join(args))] if args else []
    if base == "sbatch":
        for i, a in enumerate(args):
            if a.startswith("--wrap="):
                return [("sbatch --wrap", a[len("--wrap=") :])]
            if a == "--wrap" and i + 1 < len(args):
                return [("sbatch --wrap", args[i + 1])]
        return []
    if base == "watch":
        i = 0
        use_exec = False
        while i < len(args) and args[i].startswith("-") and args[i] != "-":
            a = args[i]
            if a == "--":
                i += 1
                break
            if a in ("-x", "--exec"):
                use_exec = True
            i += 2 if a in ("-n", "--interval", "-q", "--equexit") else 1
        rest = args[i:]
        if not rest:
            return []
        if use_exec:
            import shlex  # only for `watch -x`; kept off the hook's import path

            return [("watch", shlex.join(rest))]
        return [("watch", " ".join(rest))]
    if base == "tmux":
        return _tmux_strings(args)
    return []


def _tmux_strings(args: list[str]) -> list[tuple[str, str]]:
    i = 0
    # Global options; -c runs a shell command directly, like `sh -c`.
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a == "-c" and i + 1 < len(args):
            return [("tmux", args[i + 1])]
        i += 2 if a in ("-L", "-S", "-f", "-T") else 1
    out: list[tuple[str, str]] = []
    # tmux chains commands with a lone ";" argument.
    chunks: list[list[str]] = [[]]
    for a in args[i:]:
        if a in (";", "\\;"):
            chunks.append([])
        else:
            chunks[-1].append(a)
    for chunk in chunks:
        if not chunk or chunk[0] not in _TMUX_VALUE_OPTS:
            continue
        sub, rest = chunk[0], chunk[1:]
        values = _TMUX_VALUE_OPTS[sub]
        j = 0
        literal = False
        tmux_command = False
        while j < len(rest) and rest[j].startswith("-") and len(rest[j]) > 1:
            a = rest[j]
            if a == "--":
                j += 1
                break
            literal = literal or (sub in ("send-keys", "send") and "l" in a)
            tmux_command = tmux_command or (sub in ("run-shell", "run") and "C" in a)
            j += short_width(a, values)
        words = rest[j:]
        if tmux_command or not words:
            continue
        if sub in ("send-keys", "send"):
            if not literal:
                words = [w for w in words if w not in _TMUX_KEYS]
            if not words:
                continue
            out.append(("tmux send-keys", " ".join(words)))
        else:
            out.append(("tmux", " ".join(words)))
    return out
