"""Human approvals of spec checkpoints (.labrails/approvals.json) and the checkpoints the human wrote.

An approval records the phase, who approved, when, the sha256 of spec.yaml at that moment and the spec's
checkpoints, and is signed (:mod:`labrails.core.signing`). It only counts while the spec is byte-for-byte
unchanged (editing an approved spec voids its approvals) and while its signature holds: a row appended by
a script, edited, or signed with another key counts as absent and is reported by :func:`tampering`. Rows
are appended, never removed, so the history of who approved what stays readable.

:func:`approve` asks :func:`labrails.core.human.require_human` first: only a person at an interactive
terminal, outside any coding agent, who types the phase name, approves.

The checkpoints (phases with ``checkpoint: true``) are recorded, signed, in .labrails/checkpoints.json
when the experiment is made and at every approval; a later spec that drops one or sets it to false is
refused by the policy until the human approves the spec as it now is.
"""

from __future__ import annotations

import os

from labrails.core import signing
from labrails.core.errors import LabrailsError

# typing.TYPE_CHECKING without importing typing: the hook reads approvals on every launch check, with
# os.path alone (pathlib loads only where an approval is written).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

VERSION = 2
CHECKPOINTS_FILE = "checkpoints.json"
_FIX = "approvals come only from the human's terminal: `labrails approve PHASE`"


APPROVALS_FILE = "approvals.json"


def approvals_path(state: Path | str) -> Path:
    from pathlib import Path

    return Path(state) / APPROVALS_FILE


def checkpoints_path(state: Path | str) -> Path:
    from pathlib import Path

    return Path(state) / CHECKPOINTS_FILE


def _read(state: Path | str, name: str, key: str) -> list[dict[str, Any]]:
    return signing.read_rows(os.path.join(state, name), key, what=name, fix=f"restore it from a backup or version control; {_FIX}")


def read_approvals(state: Path | str) -> list[dict[str, Any]]:
    """Every approval row as written, signed or not (see :func:`valid_approvals` for the ones that count)."""
    return _read(state, APPROVALS_FILE, "approvals")


def valid_approvals(state: Path | str, spec_sha256: str) -> dict[str, dict[str, Any]]:
    """Phase -> approval, counting only signed approvals of the spec as it is now."""
    return {a["phase"]: a for a in read_approvals(state)
            if a.get("spec_sha256") == spec_sha256 and not a.get("revoked") and "phase" in a and signing.verify(a)}


def tampering(state: Path | str) -> list[str]:
    """One line per approval or checkpoint record whose signature does not hold (they count as absent)."""
    out = []
    for name, rows in ((approvals_path(state), read_approvals(state)), (checkpoints_path(state), _read(state, CHECKPOINTS_FILE, "records"))):
        for i, row in enumerate(rows):
            if not signing.verify(row):
                label = row.get("phase") or row.get("recorded_at") or f"row {i + 1}"
                out.append(f"{name}: record {label!r} is unsigned or its signature does not match (it counts as absent)")
    return out


def approve(state: Path | str, phase: str, spec_sha256: str, *, known_phases: list[str], checkpoints: list[str] | None = None,
            by: str | None = None, note: str = "", show: str = "") -> dict[str, Any]:
    """Record the human's approval of ``phase``, after they confirm it at their own terminal."""
    if phase not in known_phases:
        raise LabrailsError(f"spec.yaml has no phase '{phase}'", fix=f"phases are: {', '.join(known_phases) or '(none)'}")
    from labrails.core.human import require_human

    require_human(f"approve phase '{phase}'", confirm=phase, show=show)
    return _append_approval(state, phase, spec_sha256, checkpoints=checkpoints, by=by, note=note)


def _append_approval(state, phase, spec_sha256, *, checkpoints, by, note) -> dict[str, Any]:
    import getpass
    import socket
    from pathlib import Path

    from labrails.core.fsutil import locked, write_json
    from labrails.core.runinfo import now_iso

    row = signing.signed_by_human({
        "phase": phase, "by": by or getpass.getuser(), "host": socket.gethostname(), "at": now_iso(),
        "spec_sha256": spec_sha256, "checkpoints": sorted(checkpoints or []), "note": note,
    }, action=f"approve phase '{phase}'")
    with locked(Path(state) / "approvals.lock"):
        rows = read_approvals(state)
        rows.append(row)
        write_json(approvals_path(state), {"version": VERSION, "approvals": rows})
    if checkpoints is not None:
        record_checkpoints(state, checkpoints, spec_sha256=spec_sha256, by=row["by"])
    return row


def record_checkpoints(state: Path | str, checkpoints: list[str], *, spec_sha256: str, by: str) -> dict[str, Any]:
    """Sign and append the spec's checkpoint list (at `labrails new`, and at each approval)."""
    from pathlib import Path

    from labrails.core.fsutil import locked, write_json
    from labrails.core.runinfo import now_iso

    row = signing.signed({"checkpoints": sorted(checkpoints), "spec_sha256": spec_sha256, "by": by, "recorded_at": now_iso()})
    Path(state).mkdir(parents=True, exist_ok=True)
    with locked(Path(state) / "approvals.lock"):
        rows = _read(state, CHECKPOINTS_FILE, "records")
        rows.append(row)
        write_json(checkpoints_path(state), {"version": 1, "records": rows})
    return row


def recorded_checkpoints(state: Path | str) -> list[str] | None:
    """The checkpoints of the newest signed record (None when none was ever recorded)."""
    good = [r for r in _read(state, CHECKPOINTS_FILE, "records") if signing.verify(r)]
    return list(good[-1].get("checkpoints") or []) if good else None
