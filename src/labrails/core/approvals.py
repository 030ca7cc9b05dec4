"""Human approvals of spec checkpoints, kept in .labrails/approvals.json.

An approval records the phase, who approved, when, and the sha256 of spec.yaml at that moment. It only
counts while the spec is byte-for-byte unchanged: editing an approved spec voids its approvals. Rows are
appended, never removed, so the history of who approved what stays readable. The guard stops the agent
from running `labrails approve` or writing to .labrails/; only the human's own terminal can approve.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from pathlib import Path
from typing import Any

from labrails.core.errors import LabrailsError
from labrails.core.fsutil import locked, write_json
from labrails.core.runinfo import now_iso

VERSION = 1


def approvals_path(state: Path) -> Path:
    return Path(state) / "approvals.json"


def read_approvals(state: Path) -> list[dict[str, Any]]:
    path = approvals_path(state)
    if not path.is_file():
        return []
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise LabrailsError(f"approvals file is unreadable ({exc})", path=path, fix="restore it from version control; approvals cannot be recreated by the agent") from None
    return list(data.get("approvals", [])) if isinstance(data, dict) else []


def valid_approvals(state: Path, spec_sha256: str) -> dict[str, dict[str, Any]]:
    """Phase -> approval, counting only approvals of the spec as it is now."""
    return {a["phase"]: a for a in read_approvals(state) if a.get("spec_sha256") == spec_sha256 and not a.get("revoked")}


def approve(state: Path, phase: str, spec_sha256: str, *, known_phases: list[str], by: str | None = None, note: str = "") -> dict[str, Any]:
    if phase not in known_phases:
        raise LabrailsError(f"spec.yaml has no phase '{phase}'", fix=f"phases are: {', '.join(known_phases) or '(none)'}")
    row = {
        "phase": phase,
        "by": by or os.environ.get("LABRAILS_APPROVER") or getpass.getuser(),
        "host": socket.gethostname(),
        "at": now_iso(),
        "spec_sha256": spec_sha256,
        "note": note,
    }
    with locked(Path(state) / "approvals.lock"):
        rows = read_approvals(state)
        rows.append(row)
        write_json(approvals_path(state), {"version": VERSION, "approvals": rows})
    return row
