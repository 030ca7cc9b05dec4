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
# Claude Code's tools that only read: judged for one thing, reading the signing key's folder.
READ_TOOLS = frozenset({"Read", "Grep", "Glob", "NotebookRead"})
# labrails' own state: the folder and the files in it that only labrails writes.
STATE_DIR = ".labrails"
STATE_MARKERS = (STATE_DIR, "approvals.json", "registry.json")
SPEC_MARKER = "spec.y"  # spec.yaml or spec.yml
# What a command that may touch the state or the spec mentions; loose on purpose ("approvals" also
# catches approvals.* globs).
# A run's record and verdict (runs/<run>/run.json, review.json) are protected too.
RUN_RECORD_WORDS = ("run.json", "review.json")
STATE_WORDS = ("approvals", "registry.json", SPEC_MARKER, *RUN_RECORD_WORDS)
# Where the signing key lives, as a command may spell it (see labrails.core.signing.config_dir).
KEY_WORDS = ("signing", ".config", "labrails_config_dir", "xdg_config_home")
# A raw payload mentioning one of these may touch protected files.
PROTECTED_WORDS = (STATE_DIR, *STATE_WORDS, *KEY_WORDS)
# Shell that can hide a launch from a plain reading of the words: expansions and substitutions, globs,
# eval, a nested shell or sourced script, a file run by path, programs that run other programs
# (xargs, find -exec, parallel, make). Commands with these are parsed even when no launcher is named.
HIDING_PATTERNS = (r"\$", "`", r"[*?\[{]", r"\beval\b", r"\bexec", r"\bsh\b", r"\.sh\b", r"(ba|z|da|k)sh\b",
                   r"\bsource\b", r"(^|[\s;&|(])\.\s", r"\bxargs\b", r"\bparallel\b", r"-ok(dir)?\b", r"\bmake\b",
                   r"\./", r"\bln\b", r"\bapprove\b", r"\bpin\b")
# Lower-case substrings that make a raw payload worth decoding for the same reasons.
# ("{" is left out: every JSON payload has one.)
# Shells are spelled out around their name, since every Bash payload says "Bash" as its tool name.
_SHELL_TOKENS = (".sh", "sh ", "sh\\", "sh;", "sh|", "sh)", "sh<", "sh&", "|sh", "| sh", "|bash", "| bash", "|zsh", "| zsh",
                 "|dash", "| dash", "|ksh", "| ksh")
# "approve" and " pin": a renamed copy of labrails on PATH is still told to approve or pin.
HIDING_TOKENS = ("$", "`", "*", "?", "[", *_SHELL_TOKENS, "source", "eval", "exec", "xargs", "parallel", "-ok", "make",
                 "./", "ln ", "approve", " pin")
# git's own commands; `git <anything else>` may be an alias that runs a shell command.
GIT_COMMANDS = frozenset("""add am annotate apply archive bisect blame branch bundle cat-file check-attr check-ignore
    check-mailmap check-ref-format checkout checkout-index cherry cherry-pick citool clean clone column commit
    commit-graph commit-tree config count-objects credential describe diff diff-files diff-index diff-tree
    difftool fetch fetch-pack filter-branch fmt-merge-msg for-each-ref format-patch fsck gc get-tar-commit-id gitk
    grep gui hash-object help init instaweb interpret-trailers log ls-files ls-remote ls-tree mailinfo mailsplit
    maintenance merge merge-base merge-file merge-tree mergetool mktag mktree mv name-rev notes pack-objects
    prune pull push range-diff read-tree rebase reflog remote repack replace request-pull rerere reset restore
    rev-list rev-parse revert rm send-email shortlog show show-branch show-ref sparse-checkout stage stash status
    submodule switch symbolic-ref tag update-index update-ref var verify-commit verify-pack verify-tag version
    whatchanged worktree write-tree lfs""".split())


def _word_pattern(word: str) -> str:
    escaped = "".join("\\" + c if c in ".^$*+?{}[]\\|()" else c for c in word)
    return rf"\b{escaped}\b" if len(word) < 4 else escaped


# Lower-case substrings of the raw hook payload; without any of them (and without a git alias) the
# payload is allowed unread.
RAW_TOKENS = (*LAUNCHERS, LABRAILS, PYTHON_SUFFIX, *STATE_WORDS, *KEY_WORDS, *HIDING_TOKENS)
# A command matching this (case-insensitive) may start a run: when it cannot be parsed, it is blocked.
MAY_LAUNCH_PATTERN = "|".join([*(_word_pattern(w) for w in LAUNCHERS), LABRAILS, r"\.py\b"])
# A command matching this (case-insensitive) goes to the parser and the engine; the rest is allowed.
RELEVANT_PATTERN = "|".join([MAY_LAUNCH_PATTERN, *(_word_pattern(w) for w in (*STATE_WORDS, *KEY_WORDS)),
                             *HIDING_PATTERNS, r"\bgit\b"])
