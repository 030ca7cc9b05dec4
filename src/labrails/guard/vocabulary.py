"""The words the guard listens for: launchers, labrails' own name, the file tools, the state markers.

To add a launcher, add it here: the hook's two prefilters and the engine's "may this launch a run?"
pattern are all built from these lists (and if it takes options before the program it runs, teach
:mod:`labrails.guard.shell.wrappers` to peel it). Plain tuples and strings only: the hook imports this
before anything else, so it must not import even ``re``.
"""

from __future__ import annotations

LABRAILS = "labrails"
# Programs that start Python themselves or start the program named after them. Any word containing
# one of these (``python3``, ``ipython``) counts; names shorter than four letters must stand alone,
# since they hide inside too many other words.
LAUNCHERS = ("python", "uv", "pixi", "torchrun", "accelerate", "poetry", "conda", "pipenv", "hatch", "srun",
             "deepspeed", "mpirun")
PYTHON_SUFFIX = ".py"
# Claude Code's tools that write a file named in their input.
FILE_TOOLS = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit"})
# labrails' own state: the folder and the files in it that only labrails writes.
STATE_DIR = ".labrails"
STATE_MARKERS = (STATE_DIR, "approvals.json", "registry.json")
SPEC_MARKER = "spec.y"  # spec.yaml or spec.yml
# What a command that may touch the state or the spec mentions; loose on purpose ("approvals" also
# catches approvals.* globs).
STATE_WORDS = ("approvals", "registry.json", SPEC_MARKER)
# Shell that can hide a launch from a plain reading of the words (command substitution, eval, a nested
# shell, sourcing a script): commands with these are parsed even when no launcher is named.
HIDING_PATTERNS = (r"\$\(", "`", r"\beval\b", r"\bexec\b", r"\b(ba|z|da)?sh\b", r"\bsource\b", r"\bxargs\b")


def _word_pattern(word: str) -> str:
    escaped = "".join("\\" + c if c in ".^$*+?{}[]\\|()" else c for c in word)
    return rf"\b{escaped}\b" if len(word) < 4 else escaped


# Lower-case substrings of the raw hook payload; without any of them the payload is allowed unread.
RAW_TOKENS = (*LAUNCHERS, LABRAILS, PYTHON_SUFFIX, *STATE_WORDS)
# A command matching this (case-insensitive) may start a run: when it cannot be parsed, it is blocked.
MAY_LAUNCH_PATTERN = "|".join([*(_word_pattern(w) for w in LAUNCHERS), LABRAILS, r"\.py\b"])
# A command matching this (case-insensitive) goes to the parser and the engine; the rest is allowed.
RELEVANT_PATTERN = "|".join([MAY_LAUNCH_PATTERN, *(_word_pattern(w) for w in STATE_WORDS), *HIDING_PATTERNS])
