"""May this run start? The rules every way of starting a run obeys (the guard, `labrails sweep`).

1. Checkpoints. A run belongs to the first phase of spec.yaml whose command patterns match it. It may
   start only when every earlier phase marked ``checkpoint: true`` has been approved by the human for
   the spec as it is now (editing an approved spec voids its approvals): :func:`pending_checkpoints`.
2. De-risk first. A run of any profile other than ``de-risk`` (in an experiment that has a de-risk
   profile) may start only when a de-risk run vouches for it: same code version, same config.yaml,
   completed, within its ``budget_seconds``, and its review passed: :func:`derisk_blocker`.

Rules about what a run is launched with (synthetic data, an identical run already completed, a long
run in the foreground) judge the launch rather than the experiment; they are guard rules,
:mod:`labrails.guard.rules`. A new "may this run start?" rule belongs here, as one more function
returning the reason it may not (or None), called by the guard and by the sweep planner.
"""

from __future__ import annotations

import json
import os

from labrails.core.expview import ExperimentView

# typing.TYPE_CHECKING without importing typing, which the hook path avoids.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from labrails.core.spec import Phase, Spec

DERISK = "de-risk"


def pending_checkpoints(spec: Spec, phase: Phase, approved: dict) -> list[str]:
    """Names of the checkpoints before ``phase`` that ``approved`` (phase -> approval) lacks, in order."""
    return [p.name for p in spec.earlier_checkpoints(phase) if p.name not in approved]


def derisk_blocker(exp: ExperimentView, script: str, profile: str | None) -> str | None:
    """Why a ``profile`` run of ``script`` may not start yet (None when a de-risk run vouches for it).

    A de-risk run vouches when it ran on the same code version and the same config.yaml, completed
    within its budget, and passed its review. Used by the guard and by `labrails sweep`.
    """
    if profile in (None, DERISK) or DERISK not in exp.profiles:
        return None
    version = exp.code_version(script)
    config_sha = exp.config_sha()
    candidates = [r for r in exp.registry_rows.values() if r.get("profile") == DERISK]
    same = [r for r in candidates if r.get("code_version") == version and r.get("config_file_sha256") == config_sha]
    done = [r for r in same if r.get("status") == "completed"]
    fix = f"Run `{os.path.basename(script)} de-risk` first (under a minute), read its review, then launch this run."
    if not done:
        if candidates and not same:
            return ("the code or config.yaml changed since the last de-risk run, so it no longer vouches for this "
                    f"{profile} run. {fix}")
        failed = [r for r in same if r.get("status") in ("failed", "crashed")]
        if failed:
            return f"the de-risk run {failed[-1]['run']} on this code and config {failed[-1]['status']}; fix it and re-run de-risk before a {profile} run."
        return f"no de-risk run of this experiment has completed on the current code and config. {fix}"
    latest = max(done, key=lambda r: r.get("started_ts") or 0)
    budget, took = latest.get("budget_seconds"), latest.get("duration_s")
    if budget and took and float(took) > float(budget):
        return (f"the de-risk run {latest['run']} took {float(took):.0f} s, over its {float(budget):.0f} s budget; "
                "shrink the de-risk profile until it fits, then re-run it.")
    review_path = exp.path("runs", latest["run"], "review.json")
    if not os.path.isfile(review_path):
        return (f"the de-risk run {latest['run']} has not been reviewed. Run `labrails review {latest['run']}`, "
                "fix any blockers, then launch this run.")
    try:
        with open(review_path, encoding="utf-8") as fh:
            review = json.load(fh)
    except (OSError, ValueError):
        review = {"passed": False, "headline": "review.json is unreadable"}
    if not review.get("passed"):
        return (f"the de-risk run {latest['run']} did not pass its review ({review.get('headline')}). "
                f"Read runs/{latest['run']}/review.md, fix the blockers and re-run de-risk.")
    return None


def derisk_blocker_for(experiment_root: str, script: str, profile: str | None) -> str | None:
    """:func:`derisk_blocker` for an experiment given by its folder (the sweep planner's entry)."""
    return derisk_blocker(ExperimentView(str(experiment_root)), str(script), profile)
