"""The pinned data: the fingerprint of the real dataset, proposed by a de-risk run and pinned by the human.

A run's ``run.record_data`` writes data.json: the sha256 of what it actually loaded (arrays or files), row
counts, columns, class balance and a few sample rows. ``labrails data show`` presents the newest de-risk
run's record readably; ``labrails data pin`` (human-only, like ``labrails approve``) signs it into
.labrails/data_pin.json. From then on a run of a profile that must use real data whose recorded data
differs from the pin, or that records none before its first logged step, does not train, and the review
blocks it. Files the pin lists that changed afterwards (content or mtime) are named in data.json and the
review. spec.yaml's ``data.fingerprint`` may show the pinned value; the signed record is the anchor.

Before the pin, the one thing that ties a run's data to the experiment is spec.yaml's ``data.source``:
:func:`source_problem` compares it with the source a run recorded, so a loader edited to another dataset
is caught at once (a full run does not train on it; the review blocks it, and warns for de-risk).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from labrails.core import signing
from labrails.core.errors import LabrailsError

PIN_FILE = "data_pin.json"
_FIX = "the human pins the data in their own terminal: `labrails data show`, then `labrails data pin`"


def pin_path(state: Path | str) -> Path:
    return Path(state) / PIN_FILE


def _records(state: Path | str) -> list[dict[str, Any]]:
    return signing.read_rows(pin_path(state), "pins", what="the data pin", fix=f"restore it from a backup; {_FIX}")


def current_pin(state: Path | str) -> dict[str, Any] | None:
    """The newest signed pin, or None when the data was never pinned (unsigned records count as absent)."""
    good = [r for r in _records(state) if signing.verify(r)]
    return good[-1] if good else None


def tampering(state: Path | str) -> list[str]:
    return [f"{pin_path(state)}: pin {r.get('fingerprint')!r} is unsigned or its signature does not match (it counts as absent)"
            for r in _records(state) if not signing.verify(r)]


def file_sha256(path: Path | str) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def changed_files(pin: dict[str, Any], root: Path | str, globs: list[str] | tuple = ()) -> tuple[list[str], list[str]]:
    """(pinned files whose content differs now or cannot be read, files written after the pin with the
    pinned content or in the spec's ``data.paths``), one line each."""
    changed, touched = [], []
    pinned_ts = float(pin.get("pinned_ts") or 0)
    pinned = pin.get("files") or {}
    for rel, sha in sorted(pinned.items()):
        path = Path(root) / rel
        try:
            mtime = path.stat().st_mtime
            now = file_sha256(path)
        except OSError as exc:
            changed.append(f"{rel}: unreadable ({exc.strerror or exc})")
            continue
        if now != sha:
            changed.append(f"{rel}: content differs from the pinned file")
        elif mtime > pinned_ts:
            touched.append(f"{rel}: written after the pin (same content)")
    for pattern in globs:
        for path in sorted(Path(root).glob(pattern)):
            rel = os.path.relpath(path, root)
            if rel not in pinned and path.is_file() and path.stat().st_mtime > pinned_ts:
                touched.append(f"{rel}: written after the pin")
    return changed, touched


_DOTTED = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
_LOADER_PREFIX = re.compile(r"^(load|fetch|get|read|make)_")
_FILE_SUFFIXES = {"csv", "tsv", "txt", "json", "jsonl", "parquet", "arrow", "feather", "npy", "npz", "pt", "pkl",
                  "pickle", "h5", "hdf5", "xlsx", "zip", "gz", "bz2", "xz", "tar", "zst"}


def _loader_name(text: str) -> bool:
    """A dotted Python name (``sklearn.datasets.load_wine``), not a file name (``wine.csv``)."""
    return bool(_DOTTED.match(text)) and text.rsplit(".", 1)[-1] not in _FILE_SUFFIXES


def _dataset_key(source: str) -> str:
    """The dataset a Python loader name means: ``sklearn.datasets.load_wine``, ``load_wine()`` and ``wine`` are
    all ``wine`` (the module path and the verb are spelling, not the data)."""
    last = source.rsplit(".", 1)[-1]
    return _LOADER_PREFIX.sub("", last)


def _path_parts(source: str) -> list[str]:
    return [p for p in re.split(r"[\\/]+", source) if p not in ("", ".")]


def same_source(declared: str, recorded: str) -> bool:
    """Whether spec.yaml's ``data.source`` and the source a run recorded name the same data, allowing for
    harmless spelling differences: case, quotes, a trailing ``()``, the module path of a loader, a file path
    given relative or absolute, a dataset named in a sentence (``the UCI wine data``)."""
    def clean(text: str) -> str:
        return text.strip().strip("'\"` ").lower().removesuffix("()").strip()

    a, b = clean(str(declared)), clean(str(recorded))
    if a == b:
        return True
    if _loader_name(a) and _loader_name(b):
        return _dataset_key(a) == _dataset_key(b)
    if " " not in a and " " not in b and ("/" in a + b or "\\" in a + b):
        pa, pb = _path_parts(a), _path_parts(b)
        short, long = sorted((pa, pb), key=len)
        return bool(short) and long[-len(short):] == short  # hub ids (org/name) and absolute paths end alike
    # A sentence on either side: the other side's dataset must be one of its words.
    sentence, name = (a, b) if " " in a else (b, a)
    dotted = re.findall(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*", sentence)
    words = {_dataset_key(w) for w in dotted} | set(re.findall(r"[a-z0-9_]+", sentence))
    key = _dataset_key(name) if _loader_name(name) else (_path_parts(name) or [name])[-1]
    return key in words


def source_problem(spec_source: Any, recorded_source: Any) -> str | None:
    """Why the data a run recorded is not the data spec.yaml declares (None when it is, or when the spec does not
    say yet: no ``data.source``, or a TODO)."""
    if not spec_source or not recorded_source or str(spec_source).strip().upper().startswith("TODO"):
        return None
    if same_source(str(spec_source), str(recorded_source)):
        return None
    return f"spec.yaml declares data.source {spec_source!r}, but this run recorded {recorded_source!r}"


SOURCE_FIX = ("load the dataset spec.yaml declares (data.source) and record it with run.record_data; if the experiment "
              "really moved to other data, the human changes data.source in spec.yaml first")


def mismatch(record: dict[str, Any] | None, pin: dict[str, Any]) -> str | None:
    """Why the data a run recorded is not the pinned data (None when it is)."""
    if record is None:
        return "the run recorded no data"
    if record.get("fingerprint") != pin.get("fingerprint"):
        return (f"it loaded {record.get('source')} with fingerprint {record.get('fingerprint')}, but the pinned data "
                f"({pin.get('source')}) has {pin.get('fingerprint')}")
    return None


def proposal(root: Path | str, run: str | None = None) -> tuple[str, dict[str, Any]]:
    """(run name, data.json) of ``run``, or of the newest run that recorded real data (de-risk runs first)."""
    runs_dir = Path(root) / "runs"
    if run:
        path = runs_dir / run / "data.json" if not Path(run).is_dir() else Path(run) / "data.json"
        if not path.is_file():
            raise LabrailsError("this run recorded no data (no data.json)", path=path.parent,
                                fix="pick a run that called run.record_data (e.g. the newest de-risk run)")
        return path.parent.name, _read_json(path)
    found = []
    for path in sorted(runs_dir.glob("*/data.json")) if runs_dir.is_dir() else []:
        record = _read_json(path)
        if record.get("synthetic"):
            continue
        found.append((record.get("profile") == "de-risk", path.parent.name, record))
    if not found:
        raise LabrailsError("no run has recorded real data yet", path=runs_dir,
                            fix="run the de-risk profile first (`python train.py de-risk`); its data.json proposes the pin")
    best = max(found, key=lambda t: (t[0], t[1]))
    return best[1], best[2]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise LabrailsError(f"data.json is unreadable ({type(exc).__name__})", path=path,
                            fix="re-run the run that wrote it") from None
    if not isinstance(data, dict):
        raise LabrailsError("data.json is not a record", path=path, fix="re-run the run that wrote it")
    return data


def describe(run: str, record: dict[str, Any], pin: dict[str, Any] | None = None) -> str:
    """The data a run recorded, as a person reads it before pinning."""
    summary = record.get("summary") or {}
    lines = [f"data recorded by run {run}:",
             f"  source       {record.get('source')}",
             f"  fingerprint  {record.get('fingerprint')}",
             f"  synthetic    {'YES' if record.get('synthetic') else 'no'}"]
    declared = record.get("spec_source") or {}
    if declared.get("matches") is False:  # pinning it would anchor the experiment to data its spec does not name
        lines.append(f"  spec.yaml    declares {declared.get('declared')!r}: NOT the data this run loaded")
    for i, arr in enumerate(summary.get("arrays") or []):
        if arr.get("shape") is None:
            lines.append(f"  object {i}     {arr.get('type')} (sha256 {str(arr.get('sha256'))[7:23]}...)")
            continue
        lines.append(f"  array {i}      shape {arr.get('shape')}, dtype {arr.get('dtype')}"
                     + (f", columns {', '.join(map(str, arr['columns'][:12]))}" if arr.get("columns") else ""))
    if summary.get("class_counts"):
        counts = summary["class_counts"]
        total = sum(counts.values()) or 1
        lines.append("  classes      " + ", ".join(f"{k}: {v} ({v / total:.0%})" for k, v in list(counts.items())[:20]))
    for sample in summary.get("samples") or []:
        lines.append(f"  sample row   {sample}")
    for f in record.get("files_detail") or []:
        lines.append(f"  file         {f.get('path')}  sha256 {str(f.get('sha256'))[:16]}...  {f.get('bytes')} bytes")
    if record.get("rows"):
        lines.append(f"  rows used    {record.get('rows')}")
    if pin is not None:
        same = pin.get("fingerprint") == record.get("fingerprint")
        lines.append(f"pinned: {pin.get('fingerprint')} by {pin.get('by')} at {pin.get('pinned_at')} "
                     f"({'the same data' if same else 'DIFFERENT from this run'})")
    else:
        lines.append("pinned: nothing yet (`labrails data pin` signs this record as the real data)")
    return "\n".join(lines)


def pin(root: Path | str, run: str | None = None, *, by: str | None = None) -> dict[str, Any]:
    """Pin the data ``run`` recorded (default: the newest de-risk run's), after the human confirms it."""
    from labrails.core.human import require_human

    root = Path(root)
    state = root / ".labrails"
    name, record = proposal(root, run)
    if record.get("synthetic"):
        raise LabrailsError(f"run {name} recorded synthetic data; only the real dataset can be pinned",
                            path=root / "runs" / name / "data.json", fix="run de-risk on the real data, then pin that")
    require_human("pin this data as the experiment's real dataset", confirm="pin", show=describe(name, record, current_pin(state)))
    return _write_pin(state, root, name, record, by=by)


def _write_pin(state: Path, root: Path, run: str, record: dict[str, Any], *, by: str | None) -> dict[str, Any]:
    import getpass
    import time

    from labrails.core.fsutil import locked, write_json
    from labrails.core.runinfo import now_iso

    files = {}
    for f in record.get("files_detail") or []:
        path = Path(f["path"])
        rel = os.path.relpath(path, root) if path.is_absolute() else str(path)
        files[rel] = file_sha256(root / rel)
    row = signing.signed_by_human({
        "fingerprint": record.get("fingerprint"), "source": record.get("source"), "summary": record.get("summary") or {},
        "files": files, "from_run": run, "by": by or getpass.getuser(), "pinned_at": now_iso(), "pinned_ts": time.time(),
    }, action="pin the data")
    state.mkdir(parents=True, exist_ok=True)
    with locked(state / "approvals.lock"):
        rows = _records(state)
        rows.append(row)
        write_json(pin_path(state), {"version": 1, "pins": rows})
    return row
