"""Does a run's recorded data match the data the human pinned (or the de-risk run that vouches for it)?

Called by ``Run.record_data``; a run that must use real data and does not is failed before its first step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labrails.tracking.run import Run


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
