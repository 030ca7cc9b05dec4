"""Which files the agent may not change (or, for the signing key, read), compared as real paths.

Protected: an experiment's ``.labrails/`` (registry, approvals, signatures) and each run's ``run.json`` and
``review.json`` (the record and the verdict the library writes), a spec.yaml the human has
approved, and the folder holding labrails' signing key (:func:`key_dir`, the same folder as
``labrails.core.signing.config_dir``; the key is what makes approvals unforgeable). A path is compared
after symlinks are resolved, and a glob or brace pattern after it is expanded against the disk; a
pattern that matches nothing yet but could match a protected name counts as that name.

Programs are sorted by what they may do with the files they are given: :data:`READERS` only read; the
writers :mod:`labrails.guard.shell.writes` understands say which operands they write; anything else
(awk, perl, ruby, node, ed, editors, a Python script) may write whatever it is handed.
"""

from __future__ import annotations

import os

from labrails.guard.vocabulary import STATE_DIR

SPEC_NAMES = ("spec.yaml", "spec.yml")
STATE_FILES = ("approvals.json", "registry.json")
# Programs that only read the files they are given (options that make some of them write are below).
READERS = frozenset("""cat less more head tail grep egrep fgrep zgrep rg ag ack wc ls stat file diff cmp colordiff
    sha256sum sha1sum md5sum shasum b2sum cksum tree du realpath readlink echo printf column cut nl od xxd hexdump
    strings bat batcat fold paste comm basename dirname test [ [[ cd pushd popd true false view jq yq sort uniq sed
    labrails git find tac rev expand unexpand""".split())
# Options that make a reader write: `yq -i`, `sort -o FILE`, `sed -i` (handled by writes), `find -fprint FILE`.
_READER_WRITE_OPTIONS = {
    "yq": ("-i", "--inplace", "--in-place"),
    "jq": ("-i", "--in-place"),
    "sort": ("-o", "--output"),
    "find": ("-fprint", "-fprint0", "-fprintf", "-fls"),
}


def key_dir() -> str:
    """The signing key's folder, as ``labrails.core.signing.config_dir`` finds it (kept equal by a test)."""
    explicit = os.environ.get("LABRAILS_CONFIG_DIR")
    if explicit:
        path = os.path.expanduser(explicit)
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        path = os.path.join(base, "labrails")
    return os.path.realpath(path)


_GLOB_CHARS = frozenset("*?[")
_NOT_IN_PATHS = frozenset(" \t\n\r\0()'\";<>|&=")


def _path_like(word: str) -> bool:
    """Whether a word could be a file name as given (code, sentences and options are not)."""
    return len(word) < 4096 and not (_NOT_IN_PATHS & set(word)) and ("," not in word or "{" in word)


def _brace_expand(word: str, limit: int = 64) -> list[str]:
    start = word.find("{")
    if start < 0:
        return [word]
    depth = 0
    for end in range(start, len(word)):
        if word[end] == "{":
            depth += 1
        elif word[end] == "}":
            depth -= 1
            if depth == 0:
                break
    else:
        return [word]
    body = word[start + 1 : end]
    parts, depth, last = [], 0, 0
    for k, c in enumerate(body):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(body[last:k])
            last = k + 1
    parts.append(body[last:])
    if len(parts) < 2:
        return [word]
    out: list[str] = []
    for part in parts:
        for tail in _brace_expand(word[end + 1 :], limit):
            out.extend(_brace_expand(word[:start] + part + tail, limit))
            if len(out) >= limit:
                return out[:limit]
    return out


def expand(base: str, word: str) -> list[str]:
    """The real paths ``word`` names from folder ``base``: braces and globs expanded, symlinks resolved.

    A glob that matches nothing is kept with each pattern part replaced by the protected name it could
    match (``.l*`` -> ``.labrails``), so that a write through it still counts as a write there.
    """
    if not word or not _path_like(word):
        return []
    out: list[str] = []
    for one in _brace_expand(os.path.expanduser(word))[:64]:
        path = os.path.normpath(os.path.join(base, one))
        if _GLOB_CHARS & set(one):
            import glob

            matches = glob.glob(path)[:256]  # like bash: `*` does not match a leading dot
            if matches:
                out.extend(os.path.realpath(m) for m in matches)
                continue
            path = _could_match(path)
        out.append(os.path.realpath(path))
    return out


def _could_match(path: str) -> str:
    from fnmatch import fnmatchcase

    parts = path.split("/")
    for k, part in enumerate(parts):
        if _GLOB_CHARS & set(part):
            for name in (STATE_DIR, *SPEC_NAMES, *STATE_FILES):
                if (part.startswith(".") or not name.startswith(".")) and fnmatchcase(name, part):
                    parts[k] = name
                    break
    return "/".join(parts)


# A run's own record and verdict: written by the library as the run ends, never by the agent.
RUN_RECORDS = ("run.json", "review.json")


def in_state(path: str) -> bool:
    """Inside an experiment's .labrails/, or a run's run.json/review.json (runs/<run>/ next to .labrails/)."""
    parts = path.split("/")
    if STATE_DIR in parts:
        return True
    return (len(parts) >= 4 and parts[-1] in RUN_RECORDS and parts[-3] == "runs"
            and os.path.isdir("/".join(parts[:-3] + [STATE_DIR])))


def in_key_dir(path: str, keys: str | None = None) -> bool:
    keys = key_dir() if keys is None else keys
    return path == keys or path.startswith(keys.rstrip("/") + "/")


def approved_spec(path: str) -> list[str] | None:
    """The approved phases when ``path`` is an experiment's spec.yaml with approvals, else None."""
    if os.path.basename(path) not in SPEC_NAMES:
        return None
    root = os.path.dirname(path)
    if not os.path.isdir(os.path.join(root, STATE_DIR)):
        return None
    from labrails.core.expview import ExperimentView

    try:
        approved = ExperimentView(root).approvals()
    except Exception:
        approved = {"?": True}  # unreadable approvals: treat the spec as locked
    return sorted(approved) or None


def protected(path: str) -> str | None:
    """What a real path is, if protected: "state", "spec" (approved) or "key"."""
    if in_key_dir(path):
        return "key"
    if in_state(path):
        return "state"
    if approved_spec(path):
        return "spec"
    return None


KEY_FIX = ("That folder holds the key that signs the human's approvals and the run verdicts; the agent never reads "
           "or copies it. Ask the human if something about signing looks wrong.")


def read_tool_reason(tool_input: dict, cwd: str) -> str | None:
    """Why a Read/Grep/Glob call may not go ahead: only the signing key's folder is off limits to them."""
    keys = key_dir()
    for field in ("file_path", "notebook_path", "path", "pattern"):
        value = tool_input.get(field)
        if isinstance(value, str) and value and (field != "pattern" or "/" in value):
            for path in expand(cwd, value):
                if in_key_dir(path, keys):
                    return f"{path} is in labrails' signing-key folder. {KEY_FIX}"
    return None


def program_writes_its_files(base: str, args: list[str]) -> bool:
    """Whether a program may write any file it is given (everything but plain readers)."""
    if base not in READERS:
        return True
    if base in ("sed", "gsed"):
        return any(a.startswith("--in-place") or (a.startswith("-") and not a.startswith("--") and "i" in a[1:]) for a in args)
    return any(a == opt or a.startswith(opt + "=") or (opt.startswith("-") and not opt.startswith("--") and a.startswith(opt) and len(opt) == 2 and base != "find")
               for a in args for opt in _READER_WRITE_OPTIONS.get(base, ()))
