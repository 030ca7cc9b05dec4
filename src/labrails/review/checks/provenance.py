"""Provenance checks: the data a run used, and whether the records that vouch for it are genuine.

- ``data``: synthetic data outside the profiles the spec allows it in; a run that must use the real data
  but recorded none, recorded data other than the pinned data (or than the de-risk run that vouched for
  it), or read pinned files that changed after the pin: blockers. Files written after the pin: warnings;
  a full run in an experiment whose data was never pinned: a note (`labrails status` says it too).
- ``data-source``: the source a run recorded is not spec.yaml's ``data.source`` (allowing for spelling: see
  :func:`labrails.core.datapin.same_source`): a blocker for a run that must use the real data, a warning for
  de-risk, whose pass would otherwise vouch for full runs on the wrong data.
- ``tampering``: approvals, checkpoint records, the data pin or registry verdicts whose signatures do not
  hold count as absent; the review names each file, as a blocker, so nobody reads a number built on them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labrails.review.finding import Finding
from labrails.review.registry import check

if TYPE_CHECKING:
    from labrails.review.context import Context


def _needs_real_data(ctx: Context) -> bool:
    from labrails.core.policy import real_data_profile

    return real_data_profile(ctx.info.get("profile"), ctx.spec)


@check("data")
def _data(ctx: Context) -> list[Finding]:
    profile = ctx.info.get("profile")
    real = _needs_real_data(ctx)
    if ctx.data is None:
        if real and ctx.info.get("status") in ("completed", "running"):
            return [Finding("data", "blocker", f"this {profile} run never recorded its data (no data.json), so nothing says "
                            "it trained on the real dataset; load it through run.record_data", "data.json")]
        return []
    data, out = ctx.data, []
    if data.get("synthetic") and real:
        return [Finding("data", "blocker", f"synthetic data in a '{profile}' run ({data.get('source')})", "data.json")]
    if data.get("synthetic"):
        return [Finding("data", "note", "this run used synthetic data (allowed for its profile); its numbers say nothing about the real data", "data.json")]
    pin, expected = data.get("pin"), data.get("expected")
    if real and pin and not pin.get("matches"):
        out.append(Finding("data", "blocker", f"the run's data ({data.get('source')}, {data.get('fingerprint')}) is not the pinned "
                           f"data ({pin.get('fingerprint')}, pinned by {pin.get('by')} at {pin.get('pinned_at')})", "data.json"))
    if real and expected and not expected.get("matches"):
        out.append(Finding("data", "blocker", f"the run's data ({data.get('fingerprint')}) differs from what {expected.get('from')} "
                           f"loaded ({expected.get('fingerprint')})", "data.json"))
    for line in data.get("changed_since_pin") or []:
        out.append(Finding("data", "blocker" if real else "warning", f"pinned data changed after the pin: {line}", "data.json"))
    for line in data.get("after_pin") or []:
        out.append(Finding("data", "warning", f"a data file was written after the pin: {line}", "data.json"))
    if real and not pin and ctx.experiment_root is not None:
        out.append(Finding("data", "note", "the experiment's data is not pinned yet: the human checks it with "
                           "`labrails data show` and pins it with `labrails data pin`", "data.json"))
    return out


@check("data-source")
def _data_source(ctx: Context) -> list[Finding]:
    from labrails.core.datapin import SOURCE_FIX, source_problem

    if ctx.data is None or ctx.data.get("synthetic") or ctx.spec is None:
        return []
    problem = source_problem((ctx.spec.raw.get("data") or {}).get("source"), ctx.data.get("source"))
    if problem is None:
        return []
    severity = "blocker" if _needs_real_data(ctx) else "warning"
    return [Finding("data-source", severity, f"{problem}: {SOURCE_FIX}", "data.json")]


@check("tampering")
def _tampering(ctx: Context) -> list[Finding]:
    if ctx.experiment_root is None:
        return []
    from labrails.core.policy import tampering

    return [Finding("tampering", "blocker", f"{line}; labrails treats it as absent", ".labrails/")
            for line in tampering(ctx.experiment_root)]
