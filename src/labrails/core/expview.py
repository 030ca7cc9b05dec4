"""A cheap, read-only view of one experiment's state: config, spec, approvals, registry, code version.

Every file is read at most once per view, and YAML comes through the JSON cache of
:mod:`labrails.core.yamlcache`. The guard builds a view for every agent command aimed at an experiment,
so each reader imports what it reads with (pathlib, the YAML cache, the spec parser, git) when first
called: together they cost as much as the rest of a decision, and most decisions need one or two.
"""

from __future__ import annotations

import json
import os

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from labrails.core.spec import Spec


def find_experiment_root(start: str) -> str | None:
    """The nearest folder at or above ``start`` with a .labrails/ or both spec.yaml and config.yaml."""
    here = os.path.abspath(start)
    while True:
        if os.path.isdir(os.path.join(here, ".labrails")) or (
            os.path.isfile(os.path.join(here, "spec.yaml")) and os.path.isfile(os.path.join(here, "config.yaml"))
        ):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


class ExperimentView:
    """What the guard (and the policy) need to know about one experiment, read lazily and once."""

    def __init__(self, root: str):
        self.root = root
        self.state = os.path.join(root, ".labrails")
        self._config = self._spec = self._registry = None
        self._spec_loaded = self._config_loaded = False
        self._code_version = None

    def path(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    @property
    def config_path(self) -> Path:
        from pathlib import Path

        return Path(self.path("config.yaml"))

    @property
    def config_data(self) -> Any:
        if not self._config_loaded:
            self._config_loaded = True
            from labrails.core.yamlcache import load_yaml_cached

            path = self.path("config.yaml")
            self._config = load_yaml_cached(path, self.state) if os.path.isfile(path) else None
        return self._config

    @property
    def profiles(self) -> list[str]:
        data = self.config_data
        return list((data or {}).get("profiles") or {}) if isinstance(data, dict) else []

    @property
    def spec(self) -> Spec | None:
        if not self._spec_loaded:
            self._spec_loaded = True
            path = self.path("spec.yaml")
            if os.path.isfile(path):
                from labrails.core.spec import parse_spec, sha256_of
                from labrails.core.yamlcache import load_yaml_cached

                raw = load_yaml_cached(path, self.state)
                self._spec = parse_spec(raw if isinstance(raw, dict) else {}, path, sha256_of(path))
        return self._spec

    def approvals(self) -> dict:
        spec = self.spec
        if spec is None:
            return {}
        from labrails.core.approvals import valid_approvals

        return valid_approvals(self.state, spec.sha256)

    @property
    def registry_rows(self) -> dict:
        """Every registry row (name -> row), in start order; read-only (works on a read-only experiment).

        A registry that cannot be read raises a LabrailsError saying how to rebuild it (the guard fails closed).
        """
        if self._registry is None:
            from labrails.core.registry import read_rows

            self._registry = read_rows(self.state)
        return self._registry

    def registry_find(self, **columns: str) -> list[dict]:
        """The rows whose ``identity``/``status``/``profile``/``run`` equal the values given: one indexed
        query, so its cost does not grow with the number of runs (``registry_rows`` reads them all)."""
        if self._registry is not None:
            return [r for r in self._registry.values() if all(r.get(k) == v for k, v in columns.items())]
        from labrails.core.registry import read_rows

        bad = set(columns) - {"identity", "status", "profile", "run"}
        if bad:
            raise ValueError(f"not a registry column: {sorted(bad)}")
        where = " AND ".join(f"{k} = ?" for k in columns)
        return list(read_rows(self.state, where, tuple(columns.values())).values())

    def code_version(self, script: str) -> str:
        """``labrails.core.snapshot.code_version`` for this experiment, without spawning git when nothing changed.

        git's answer is cached in .labrails/cache/ under a key that changes whenever it could: the HEAD
        commit, the index file, the size and mtime of every tracked file that counts as code, and of every
        code file under the experiment that git does not track. Outside git, or when the key cannot be
        read cheaply, git (or the script's hash) is asked as before.
        """
        if self._code_version is None:
            key = tree_key(self.root)
            cache = os.path.join(self.state, "cache", "code_version.json")
            if key is not None:
                try:
                    with open(cache, encoding="utf-8") as fh:
                        cached = json.load(fh)
                    if cached.get("key") == key and isinstance(cached.get("version"), str):
                        self._code_version = cached["version"]
                        return self._code_version
                except (OSError, ValueError, AttributeError):
                    pass
            from pathlib import Path

            from labrails.core.snapshot import code_version, git_state

            self._code_version = code_version(git_state(Path(self.root)), Path(script))
            if key is not None and os.path.isdir(self.state):
                try:
                    os.makedirs(os.path.dirname(cache), exist_ok=True)
                    tmp = f"{cache}.{os.getpid()}.tmp"
                    with open(tmp, "w", encoding="utf-8") as fh:
                        json.dump({"key": key, "version": self._code_version}, fh)
                    os.replace(tmp, cache)
                except OSError:
                    pass  # a cache that cannot be written only costs speed
        return self._code_version

    def config_sha(self) -> str:
        from labrails.core.digest import sha256

        with open(self.path("config.yaml"), "rb") as fh:
            return sha256(fh.read()).hexdigest()


# --------------------------------------------------------------------------- the code version's cache key
# Files that do not count as code (mirrors snapshot._NOT_CODE) and the suffixes of untracked code files.
_NOT_CODE_NAMES = frozenset({"JOURNAL.md", "IGNORED_RUNS.md", "runs.yaml", "REPORT.md", "config.yaml", "spec.yaml"})
_NOT_CODE_DIRS = frozenset({"runs", ".labrails"})
_CODE_SUFFIXES = (".py", ".sh", ".ipynb", ".pyx", ".cfg", ".toml")
_SKIP_WALK = frozenset({"runs", ".labrails", ".git", "__pycache__", "node_modules", ".venv", "venv"})
_MAX_FILES = 20_000


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


def tree_key(root: str) -> str | None:
    """A key that changes whenever ``snapshot.code_version`` of the experiment at ``root`` may change; None
    outside git or when it cannot be read (then git is asked)."""
    try:
        dirs = _git_dirs(root)
        if dirs is None:
            return None
        top, gitdir, common = dirs
        parts = [_head(gitdir, common) or ""]
        index = os.path.join(gitdir, "index")
        st = os.stat(index)
        parts.append(f"index:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
        tracked = _index_paths(index)
        if tracked is None or len(tracked) > _MAX_FILES:
            return None
        for rel in tracked:
            if _counts_as_code(rel):
                try:
                    st = os.lstat(os.path.join(top, rel))
                    parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
                except OSError:
                    parts.append(f"{rel}:gone")
        known = set(tracked)
        rel_root = os.path.relpath(os.path.abspath(root), top)
        seen = 0
        for folder, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_WALK)
            for name in sorted(files):
                seen += 1
                if seen > _MAX_FILES:
                    return None
                if name.endswith(_CODE_SUFFIXES):
                    rel = os.path.normpath(os.path.join(rel_root, os.path.relpath(os.path.join(folder, name), root)))
                    if rel not in known:
                        st = os.lstat(os.path.join(folder, name))
                        parts.append(f"?{rel}:{st.st_size}:{st.st_mtime_ns}")
    except (OSError, ValueError, IndexError, UnicodeError):
        return None
    from labrails.core.digest import sha256

    return sha256("\n".join(parts).encode("utf-8", errors="surrogateescape")).hexdigest()
