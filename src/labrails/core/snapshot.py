"""What a run needs to be reproduced: the code version (git) and the environment."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

# Bookkeeping files change while an experiment runs; they must not change the code identity.
_NOT_CODE = (
    ":(exclude,glob)**/JOURNAL.md",
    ":(exclude,glob)**/IGNORED_RUNS.md",
    ":(exclude,glob)**/runs.yaml",
    ":(exclude,glob)**/REPORT.md",
    # The config has its own hash in the identity, and the spec is reviewed by the human, not run.
    ":(exclude,glob)**/config.yaml",
    ":(exclude,glob)**/spec.yaml",
    ":(exclude,glob)**/runs/**",
    ":(exclude,glob)**/.labrails/**",
)
CODE_SUFFIXES = (".py", ".sh", ".ipynb", ".pyx", ".cfg", ".toml")
KEY_PACKAGES = ("labrails", "torch", "numpy", "scikit-learn", "pandas", "transformers", "vllm", "jax", "accelerate")


def _git(args: list[str], cwd: Path) -> str | None:
    import subprocess  # only when git must be asked: the guard's cached code version never gets here

    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _git_top(cwd: Path) -> Path | None:
    """The working tree holding ``cwd``: the nearest folder with a .git (a directory, or the file of a
    worktree or submodule), found without spawning git."""
    for folder in (cwd, *cwd.parents):
        if (folder / ".git").exists():
            return folder
    return None


def git_state(cwd: Path) -> dict[str, Any]:
    """Commit, branch and uncommitted diff of the repository holding ``cwd`` (or ``available: False``).

    Two git processes: ``git status --porcelain=v2 --branch`` (commit, branch, untracked files) and
    ``git diff HEAD`` (the uncommitted changes); the guard calls this on every run launch.
    """
    cwd = Path(cwd).resolve()
    top_dir = _git_top(cwd)  # outside any repository, skip spawning git at all
    status = _git(["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--", ".", *_NOT_CODE],
                  cwd) if top_dir is not None else None
    if status is None:
        return {"available": False, "commit": None, "short": "nogit", "dirty": False, "diff": "", "diff_sha256": None}
    commit = branch = None
    listed: list[str] = []
    for entry in status.split("\0"):
        if entry.startswith("# branch.oid "):
            oid = entry[len("# branch.oid "):].strip()
            commit = None if oid == "(initial)" else oid
        elif entry.startswith("# branch.head "):
            head = entry[len("# branch.head "):].strip()
            branch = "HEAD" if head == "(detached)" else head
        elif entry.startswith("? "):
            listed.append(os.path.relpath(top_dir / entry[2:], cwd))  # paths come relative to the top
    top = str(top_dir)
    diff = _git(["diff", "HEAD", "--binary", "--", ".", *_NOT_CODE], top_dir) if commit else None
    if diff is None:
        diff = ""
    untracked = [rel for rel in listed if rel.endswith(CODE_SUFFIXES)]  # split.json or data files are not code
    # A new, uncommitted script is code too: its content joins the diff hash, so it gets its own identity.
    digest = hashlib.sha256(diff.encode())
    for rel in sorted(untracked)[:500]:
        path = cwd / rel
        try:
            if path.is_file() and path.stat().st_size <= 5_000_000:
                digest.update(f"\0untracked:{rel}\0".encode() + path.read_bytes())
        except OSError:
            continue
    dirty = bool(diff or untracked)
    return {
        "available": True,
        "toplevel": top,
        "commit": commit,
        "short": commit[:7] if commit else "nocommit",
        "branch": branch,
        "dirty": dirty,
        "diff": diff,
        "diff_sha256": digest.hexdigest() if dirty else None,
        "untracked": untracked[:200],
    }


def code_version(git: dict[str, Any], script: Path | None = None) -> str:
    """``<short>`` for a clean tree, ``<short>+<hash6>`` when the code differs from the commit.

    The code is the launched script and the local modules it imports (:mod:`labrails.core.codefiles`).
    Those git does not track (an ignored folder, or no repository at all) join the hash by content, so
    editing them makes a new identity; their names are noted in ``git["ignored_code"]`` for git.json.
    """
    from labrails.core.codefiles import local_code_files

    return code_version_of(git, local_code_files(script) if script is not None else [])


def code_version_of(git: dict[str, Any], files: list[str]) -> str:
    """``code_version`` for the code files already listed (the script first), as the guard's cache records them."""
    from labrails.core.codefiles import content_digest

    if not git.get("available"):
        if not files:
            return str(git.get("short"))
        return "nogit+" + content_digest(files, os.path.dirname(files[0]))[:6]
    top = git.get("toplevel") or (os.path.dirname(files[0]) if files else ".")
    outside = _not_tracked(files, top)
    if outside:
        git["ignored_code"] = [os.path.relpath(p, top) for p in outside]
        base = git.get("diff_sha256") or ""
        mixed = hashlib.sha256((base + content_digest(outside, top)).encode()).hexdigest()
        return f"{git['short']}+{mixed[:6]}"
    if git.get("dirty"):
        return f"{git['short']}+{git['diff_sha256'][:6]}"
    return str(git.get("short"))


def _not_tracked(files: list[str], top: str) -> list[str]:
    """The files git ignores or that lie outside the repository (untracked, not-ignored files are already
    in the diff hash)."""
    if not files:
        return []
    inside = [p for p in files if p.startswith(os.path.abspath(top) + os.sep)]
    # check-ignore exits 1 when nothing is ignored, which _git reports as None; tracked files never count.
    names = set((_git(["check-ignore", "--", *inside], Path(top)) or "").splitlines()) if inside else set()
    return [p for p in files if p not in inside or p in names or os.path.relpath(p, top) in names]


_VERSIONS: dict[str, str | None] = {}


def _version(name: str) -> str | None:
    # importlib.metadata (with email and zipfile) costs more than the guard's whole decision; only a run's
    # env.json needs it, never the hook's code version. Read once per process: a sweep starts many runs.
    if name not in _VERSIONS:
        from importlib import metadata

        try:
            _VERSIONS[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            _VERSIONS[name] = None
    return _VERSIONS[name]


def environment() -> dict[str, Any]:
    import platform
    import socket

    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "host": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        "packages": {name: v for name in KEY_PACKAGES if (v := _version(name))},
        "cuda": None,
        "gpus": [],
    }
    torch = sys.modules.get("torch")  # only describe torch if the run already imported it
    if torch is not None:
        try:
            env["cuda"] = torch.version.cuda
            if torch.cuda.is_available():
                env["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        except Exception as exc:  # a broken CUDA setup must not stop the run from being recorded
            env["cuda_error"] = repr(exc)
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        env["cuda_visible_devices"] = visible
    return env
