"""The command that ``xargs``, ``find -exec`` and ``parallel`` run, with words they add themselves.

Such a command gets arguments labrails cannot read (from standard input, from file names), so when it
may start Python or labrails the guard cannot tell what run it is.
"""

from __future__ import annotations

from labrails.guard.shell.wrappers import skip_options

_XARGS_SHORT = "aEeIiLlnPsd"
_XARGS_LONG = frozenset({"--arg-file", "--eof", "--replace", "--max-lines", "--max-args", "--max-procs",
                         "--max-chars", "--delimiter", "--process-slot-var"})
_PARALLEL_VALUES = frozenset({"-j", "--jobs", "-S", "--sshlogin", "--joblog", "--results", "-a", "--arg-file",
                              "--delay", "--timeout", "--retries", "-I", "--colsep", "-n", "--max-args",
                              "--tmpdir", "--workdir", "--wd", "-P"})


def inner_commands(base: str, core: list[str]) -> list[tuple[list[str], str]]:
    """(argv, where its extra arguments come from) for each command the runner would start."""
    args = core[1:]
    if base == "xargs":
        i = skip_options(args, 0, _XARGS_SHORT, _XARGS_LONG)
        rest = args[i:]
        return [(rest or ["echo"], "read from its input")] if rest else []
    if base == "parallel":
        i = 0
        while i < len(args) and args[i].startswith("-") and args[i] not in ("--", ":::", "::::"):
            i += 2 if args[i] in _PARALLEL_VALUES else 1
        if i < len(args) and args[i] == "--":
            i += 1
        rest = []
        for a in args[i:]:
            if a in (":::", "::::", ":::+", "::::+"):
                break
            rest.append(a)
        words = " ".join(rest).split() if len(rest) == 1 else rest
        return [(words, "taken from its input or its ::: lists")] if words else []
    found = []
    for i, a in enumerate(args):  # find
        if a in ("-exec", "-execdir", "-ok", "-okdir"):
            inner = []
            for b in args[i + 1 :]:
                if b in (";", "\\;", "+"):
                    break
                inner.append(b)
            if inner:
                found.append((inner, "that are the files it finds"))
    return found
