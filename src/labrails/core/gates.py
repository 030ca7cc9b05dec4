"""Has a phase produced what it must, so that its checkpoint is worth the human's time?

A phase of spec.yaml may say what it produces (``outputs:``): file globs relative to the experiment
(``split.json``, ``runs/*-de-risk*/review.md``) and completed runs (``{profile: de-risk}``, ``{run: "de-risk*"}``
for a descriptive-name glob). Without ``outputs:`` a phase must have at least one completed run of its own.
Until then its checkpoint does not wait for the human: the agent still has the phase's work to do.

Standard library only: the policy asks this when it explains a pending checkpoint.
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os

# typing.TYPE_CHECKING without importing typing: the hook may reach this module.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from labrails.core.spec import Phase, Spec

RUN_KINDS = ("profile", "run")


def describe(item: Any) -> str:
    """One declared output in words."""
    if isinstance(item, dict):
        kind, value = next(iter(item.items()))
        return f"a completed run of profile '{value}'" if kind == "profile" else f"a completed run named '{value}'"
    return f"a file matching '{item}'"


def required(spec: Spec, phase: Phase) -> list[str]:
    """What ``phase`` must produce before its checkpoint waits for the human, in words."""
    if phase.outputs:
        return [describe(item) for item in phase.outputs]
    return [f"a completed run of phase '{phase.name}'" + (f" ({', '.join(phase.commands)})" if phase.commands else "")]


def missing(spec: Spec, phase: Phase, root: str | os.PathLike | None = None) -> list[str]:
    """The outputs ``phase`` has not produced yet, in words ([] when it produced all of them)."""
    root = os.fspath(root) if root is not None else spec.folder
    runs = _completed_runs(os.path.join(root, "runs"))
    if not phase.outputs:
        from labrails.core.policy import phase_for

        mine = [r for r in runs if getattr(phase_for(spec, _launch_text(r), r.get("profile")), "name", None) == phase.name]
        return [] if mine else required(spec, phase)
    gone = []
    for item in phase.outputs:
        if isinstance(item, dict):
            kind, value = next(iter(item.items()))
            field = "profile" if kind == "profile" else "descriptive_name"
            if not any(fnmatch.fnmatchcase(str(r.get(field) or ""), str(value)) for r in runs):
                gone.append(describe(item))
        elif not glob.glob(os.path.join(glob.escape(root), str(item)), recursive=True):
            gone.append(describe(item))
    return gone


def _launch_text(info: dict) -> str:
    script = os.path.basename(str(info.get("script") or "train.py"))
    return f"{script} {info.get('descriptive_name') or ''}".strip()


def _completed_runs(runs_dir: str) -> list[dict]:
    out = []
    try:
        entries = sorted(os.scandir(runs_dir), key=lambda e: e.name)
    except OSError:
        return out
    for entry in entries:
        try:
            with open(os.path.join(entry.path, "run.json"), encoding="utf-8") as handle:
                info = json.load(handle)
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("status") == "completed":
            out.append(info)
    return out
