"""The guard's cache of code versions: no git process and no parse of the script when nothing changed.

``labrails.core.snapshot.code_version`` depends on the git commit, on every code file git tracks or
would list as untracked, and on the launched script and the local modules it imports, whatever git
thinks of them (ignored, untracked, outside the repository, or no repository at all). A cache entry
holds the version for one script under two checks, both re-read on every lookup:

- the tree key: HEAD, the stat of the tracked code files, and the stat of every code file under the
  experiment and the script's folder that git does not track (every code file there, outside git);
- the stat (mtime_ns, size) of each file the version was computed from.

The index file's own stat stays out of the key: git rewrites the index while it refreshes, with nothing
changed. A file whose mtime is within ``RACY_NS`` of the computation may still change without changing
its stat (a filesystem's clock ticks coarsely), so such an entry is not stored: in doubt, recompute.
"""

from __future__ import annotations

import json
import os
import time

# Younger files may be rewritten within the same clock tick and size; 2 s covers coarse filesystem clocks.
RACY_NS = 2_000_000_000
_MAX_SCRIPTS = 64
# Files that do not count as code (mirrors snapshot._NOT_CODE) and the suffixes of untracked code files.
_NOT_CODE_NAMES = frozenset({"JOURNAL.md", "IGNORED_RUNS.md", "runs.yaml", "REPORT.md", "config.yaml", "spec.yaml"})
_NOT_CODE_DIRS = frozenset({"runs", ".labrails"})
_CODE_SUFFIXES = (".py", ".sh", ".ipynb", ".pyx", ".cfg", ".toml")
# Only folders git never lists as code are skipped: a venv git does not ignore is code to git too.
_SKIP_WALK = frozenset({"runs", ".labrails", ".git", "__pycache__"})
_MAX_FILES = 20_000


def cache_path(state: str) -> str:
    return os.path.join(state, "cache", "code_version.json")


def lookup(root: str, script: str, state: str | None = None) -> str | None:
    """The cached code version of ``script`` in the experiment at ``root``, or None when it must be computed."""
    script = os.path.abspath(script)
    key = tree_key(root, script)
    if key is None:
        return None
    return _entry_version(_read(cache_path(state or os.path.join(root, ".labrails"))), key[0], script)


def code_version(root: str, script: str, state: str | None = None) -> str:
    """``snapshot.code_version`` of ``script`` for the experiment at ``root``, from the cache when it holds."""
    state = state or os.path.join(root, ".labrails")
    script = os.path.abspath(script)
    started = time.time_ns()
    key = tree_key(root, script)  # before the computation: a later edit then misses next time
    cached = _read(cache_path(state)) if key is not None else None
    if key is not None:
        version = _entry_version(cached, key[0], script)
        if version is not None:
            return version
    from pathlib import Path

    from labrails.core.codefiles import local_code_files
    from labrails.core.snapshot import code_version_of, git_state

    files = local_code_files(script)
    stats = [_stat(p) for p in files]  # before the contents are read, for the same reason
    git = git_state(Path(root))
    version = code_version_of(git, files)
    # Inside a repository whose git did not answer (missing, broken, timed out), the version is a stand-in.
    answered = git.get("available") or _git_dirs(root) is None
    fresh = answered and key is not None and key[1] < started - RACY_NS and all(
        st is not None and st[0] < started - RACY_NS for st in stats)
    if fresh and os.path.isdir(state):
        scripts = cached.get("scripts") if isinstance(cached, dict) and cached.get("key") == key[0] else None
        scripts = dict(scripts) if isinstance(scripts, dict) and len(scripts) < _MAX_SCRIPTS else {}
        scripts[script] = {"files": [[p, *st] for p, st in zip(files, stats)], "version": version}
        _write(cache_path(state), {"key": key[0], "scripts": scripts})
    return version


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _content(path: str) -> str:
    """A small file's text (ignore rules: read whole, so a same-size rewrite in the same clock tick shows)."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            return fh.read(1_000_000)
    except OSError:
        return "<none>"


def _read(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write(path: str, data: dict) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs speed


def _entry_version(cached: dict | None, key: str, script: str) -> str | None:
    """The entry's version when the key matches and each file it was computed from has the same stat."""
    if not cached or cached.get("key") != key:
        return None
    scripts = cached.get("scripts")
    entry = scripts.get(script) if isinstance(scripts, dict) else None
    if not (isinstance(entry, dict) and isinstance(entry.get("version"), str) and isinstance(entry.get("files"), list)):
        return None
    for item in entry["files"]:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)):
            return None
        if _stat(item[0]) != (item[1], item[2]):
            return None  # edited or vanished
    if not entry["files"] and os.path.exists(script):
        return None  # the script appeared since
    return entry["version"]


def _counts_as_code(rel: str) -> bool:
    parts = rel.split("/")
    return parts[-1] not in _NOT_CODE_NAMES and not any(p in _NOT_CODE_DIRS for p in parts[:-1])


def _git_dirs(start: str) -> tuple[str, str, str] | None:
    """(worktree top, git dir, common git dir) of the repository holding ``start``."""
    here = os.path.abspath(start)
    while True:
        dot = os.path.join(here, ".git")
        if os.path.isdir(dot):
            return here, dot, dot
        if os.path.isfile(dot):
            with open(dot, encoding="utf-8") as fh:
                line = fh.read(4096).strip()
            if not line.startswith("gitdir:"):
                return None
            gitdir = os.path.normpath(os.path.join(here, line[7:].strip()))
            common = gitdir
            if os.path.isfile(os.path.join(gitdir, "commondir")):
                with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as fh:
                    common = os.path.normpath(os.path.join(gitdir, fh.read().strip()))
            return here, gitdir, common
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _head(gitdir: str, common: str) -> str | None:
    with open(os.path.join(gitdir, "HEAD"), encoding="utf-8") as fh:
        head = fh.read(4096).strip()
    if not head.startswith("ref:"):
        return head
    ref = head[4:].strip()
    for folder in (gitdir, common):
        try:
            with open(os.path.join(folder, ref), encoding="utf-8") as fh:
                return fh.read(100).strip()
        except OSError:
            continue
    try:
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as fh:
            for line in fh:
                if line.rstrip().endswith(" " + ref):
                    return line.split(" ", 1)[0]
    except OSError:
        pass
    return "unborn:" + ref


def _index_paths(path: str) -> list[str] | None:
    """The paths git's index tracks (versions 2 to 4), or None for anything unusual (split or sparse index)."""
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 12 or data[:4] != b"DIRC":
        return None
    version, count = int.from_bytes(data[4:8], "big"), int.from_bytes(data[8:12], "big")
    if version not in (2, 3, 4):
        return None
    pos, prev, out = 12, b"", []
    for _ in range(count):
        flags = int.from_bytes(data[pos + 60 : pos + 62], "big")
        p = pos + 62
        if version >= 3 and flags & 0x4000:
            p += 2
        if version == 4:
            byte = data[p]
            p += 1
            strip = byte & 127
            while byte & 128:
                byte = data[p]
                p += 1
                strip = ((strip + 1) << 7) + (byte & 127)
            end = data.index(b"\0", p)
            name = prev[: len(prev) - strip] + data[p:end]
            pos = end + 1
        else:
            end = data.index(b"\0", p)
            name = data[p:end]
            pos += (p - pos + len(name) + 8) & ~7
        prev = name
        out.append(name.decode("utf-8", errors="surrogateescape"))
    while pos + 8 <= len(data) - 20:  # extensions, then the checksum
        signature = data[pos : pos + 4]
        if signature in (b"link", b"sdir"):
            return None
        pos += 8 + int.from_bytes(data[pos + 4 : pos + 8], "big")
    return out


def tree_key(root: str, script: str | None = None) -> tuple[str, int] | None:
    """(a key that changes whenever ``snapshot.code_version`` may change apart from the script's own files,
    the newest mtime_ns it read); None when it cannot be read cheaply (then git is asked)."""
    parts: list[str] = []
    newest = 0
    try:
        dirs = _git_dirs(root)
        known: set[str] = set()
        if dirs is None:
            top = os.path.abspath(root)
            parts.append("nogit")
        else:
            top, gitdir, common = dirs
            parts.append(_head(gitdir, common) or "")
            tracked = _index_paths(os.path.join(gitdir, "index"))
            if tracked is None or len(tracked) > _MAX_FILES:
                return None
            for rel in tracked:
                if _counts_as_code(rel):
                    try:
                        st = os.lstat(os.path.join(top, rel))
                    except OSError:
                        parts.append(f"{rel}:gone")
                        continue
                    if st.st_mode & 0o170000 == 0o040000:
                        return None  # a submodule: its commit moves without its folder's stat changing
                    newest = max(newest, st.st_mtime_ns)
                    parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}:{st.st_mode}")
            known = set(tracked)
            # What git ignores decides what it lists as untracked and what counts as ignored code; ignore
            # files are read rather than stat'ed, so a fresh `git init` leaves the cache usable at once.
            ignores = [os.path.join(common, "info", "exclude")]
            here = os.path.abspath(root)
            while here.startswith(top):
                ignores.append(os.path.join(here, ".gitignore"))
                if here == top:
                    break
                here = os.path.dirname(here)
            for path in ignores:
                parts.append(f"!{path}:{_content(path)!r}")
        folders = [os.path.abspath(root)]
        if script is not None:
            folder = os.path.dirname(os.path.abspath(script))
            if not (folder + os.sep).startswith(folders[0] + os.sep):
                folders.append(folder)  # a copy of the script outside the experiment imports from its own folder
        seen = 0
        for base in folders:
            for folder, subdirs, files in os.walk(base):
                subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_WALK)
                for name in sorted(files):
                    seen += 1
                    if seen > _MAX_FILES:
                        return None
                    if name == ".gitignore":
                        parts.append(f"!{os.path.join(folder, name)}:{_content(os.path.join(folder, name))!r}")
                    elif name.endswith(_CODE_SUFFIXES):
                        path = os.path.join(folder, name)
                        rel = os.path.relpath(path, top).replace(os.sep, "/")
                        if rel not in known:
                            st = os.lstat(path)
                            newest = max(newest, st.st_mtime_ns)
                            parts.append(f"?{rel}:{st.st_size}:{st.st_mtime_ns}")
    except (OSError, ValueError, IndexError, UnicodeError):
        return None
    from labrails.core.digest import sha256

    return sha256("\n".join(parts).encode("utf-8", errors="surrogateescape")).hexdigest(), newest
