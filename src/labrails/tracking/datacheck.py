"""Does a run's recorded data match spec.yaml's data.source, and the data the human pinned (or the de-risk run
that vouches for it)?

Called by ``Run.record_data``; a run that must use real data and does not is failed before its first step, with
the rule that refused it: ``data-source`` (the spec names other data) or ``data-pin`` (other data than pinned).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labrails.core.policy import Refusal

if TYPE_CHECKING:
    from labrails.tracking.run import Run

PIN_FIX = ("load the pinned dataset through run.record_data before training; if the data legitimately changed, the "
           "human re-pins it (`labrails data show`, `labrails data pin`)")


def needs_real_data(run: Run) -> bool:
    """Whether this run's profile must train on the real (pinned) data."""
    from labrails.core.policy import real_data_profile

    return real_data_profile(run.profile, run.spec)


def compare_with_pin(run: Run, record: dict[str, Any]) -> str | None:
    """Note in ``record`` how its data compares with the pinned data (or the vouching de-risk run's), and
    return why a run that must use real data may not train on it (None when it may)."""
    from labrails.core import datapin

    pin = datapin.current_pin(run.experiment.state)
    expected = run.info.get("expected_data") or {}
    if pin is not None:
        record["pin"] = {"fingerprint": pin.get("fingerprint"), "pinned_at": pin.get("pinned_at"), "by": pin.get("by"),
                         "matches": record["fingerprint"] == pin.get("fingerprint")}
        pinned_ts = float(pin.get("pinned_ts") or 0)
        globs = ((run.spec.raw.get("data") or {}).get("paths") or []) if run.spec is not None else []
        changed, touched = datapin.changed_files(pin, run.experiment.root, globs)
        touched += [f"{f['path']}: written after the pin" for f in record["files_detail"] if f.get("mtime", 0) > pinned_ts]
        record["changed_since_pin"], record["after_pin"] = changed, sorted(set(touched))
    elif expected.get("fingerprint"):
        record["expected"] = {**expected, "matches": record["fingerprint"] == expected["fingerprint"]}
    if not needs_real_data(run):
        return None
    if pin is not None:
        why = datapin.mismatch(record, pin)
        if why:
            return why
        if record["changed_since_pin"]:
            return "pinned data files changed after the pin: " + "; ".join(record["changed_since_pin"])
        return None
    if expected.get("fingerprint") and record["fingerprint"] != expected["fingerprint"]:
        return (f"it loaded {record['source']} with fingerprint {record['fingerprint']}, but {expected['from']}, which "
                f"vouches for this run, loaded {expected['fingerprint']}")
    return None


def spec_source(run: Run) -> Any:
    """spec.yaml's ``data.source`` (None without a spec)."""
    return ((run.spec.raw.get("data") or {}).get("source")) if run.spec is not None else None


def data_refusal(run: Run, record: dict[str, Any]) -> Refusal | None:
    """The rule that stops this run training on the data in ``record`` (None when it may). Notes in ``record``
    how its source compares with spec.yaml's, for the review."""
    from labrails.core.datapin import SOURCE_FIX, source_problem

    declared = spec_source(run)
    wrong_source = None if record.get("synthetic") else source_problem(declared, record.get("source"))
    if declared and not str(declared).strip().upper().startswith("TODO"):
        record["spec_source"] = {"declared": declared, "matches": wrong_source is None}
    pin_problem = compare_with_pin(run, record)
    if wrong_source and needs_real_data(run):
        return Refusal("data-source", wrong_source, SOURCE_FIX)
    return Refusal("data-pin", pin_problem, PIN_FIX) if pin_problem else None
