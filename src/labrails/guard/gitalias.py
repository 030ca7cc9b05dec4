"""git aliases: ``git NAME`` may run ``alias.NAME`` from a config file, and ``!...`` aliases are shell commands.

Read from the files git reads (the repository's config, the global and XDG ones, the system one), without
spawning git: this runs in the hook, on every ``git`` command that names something other than a git command.
"""

from __future__ import annotations

import os

_VALUE_OPTIONS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--exec-path"})


def git_subcommand(core: list[str]) -> tuple[str | None, int, dict[str, str]]:
    """The subcommand word of a git argv, its index, and aliases given inline with ``-c alias.NAME=VALUE``."""
    inline: dict[str, str] = {}
    i = 1
    while i < len(core) and core[i].startswith("-"):
        a = core[i]
        if a == "-c" and i + 1 < len(core):
            key, _, value = core[i + 1].partition("=")
            if key.lower().startswith("alias."):
                inline[key[6:]] = value
        i += 2 if a in _VALUE_OPTIONS else 1
    if i >= len(core):
        return None, i, inline
    return core[i], i, inline


def _config_files(cwd: str) -> list[str]:
    files = []
    here = os.path.abspath(cwd)
    for _ in range(64):
        dot_git = os.path.join(here, ".git")
        if os.path.isdir(dot_git):
            files.append(os.path.join(dot_git, "config"))
            break
        if os.path.isfile(dot_git):  # a worktree or submodule: "gitdir: PATH"
            try:
                with open(dot_git, encoding="utf-8", errors="replace") as fh:
                    line = fh.read(4096).strip()
            except OSError:
                break
            if line.startswith("gitdir:"):
                gitdir = os.path.join(here, line[7:].strip())
                files.append(os.path.join(gitdir, "config"))
                try:
                    with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as fh:
                        files.append(os.path.join(gitdir, fh.read().strip(), "config"))
                except OSError:
                    pass
            break
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    home = os.path.expanduser("~")
    files.append(os.environ.get("GIT_CONFIG_GLOBAL") or os.path.join(home, ".gitconfig"))
    files.append(os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "git", "config"))
    files.append("/etc/gitconfig")
    return files


def _alias_in(path: str, name: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(1_000_000)
    except OSError:
        return None
    section = ""
    found = None
    for raw in text.replace("\\\n", "").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line[1:].split("]", 1)[0].strip().lower()
            continue
        if section != "alias":
            continue
        key, eq, value = line.partition("=")
        if eq and key.strip().lower() == name.lower():
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            found = value  # the last definition wins, as in git
    return found


def alias_of(cwd: str, name: str) -> str | None:
    """The alias ``name`` as git would expand it from ``cwd`` (the repository's config wins), or None."""
    for path in _config_files(cwd):
        value = _alias_in(path, name)
        if value is not None:
            return value
    return None
