"""summary.json: one file per finished run holding what listing and analysis read from it.

A finished run's run.json, metrics.json, config.yaml and data.json are read (and config.yaml parsed as
YAML) once, when the run finishes or the first time an analysis meets it; afterwards one JSON read
replaces four files and a YAML parse. The summary is a cache, never the record: it stores the size and
modification time of each source file and is ignored as soon as any of them differs, so an edited or
re-marked run is read from its own files again. Standard library only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

NAME = "summary.json"
VERSION = 1
SOURCES = ("run.json", "metrics.json", "config.yaml", "data.json")
FINISHED = ("completed", "failed", "crashed")


def _stamp(run_dir: Path) -> dict[str, list[int] | None]:
    out: dict[str, list[int] | None] = {}
    for name in SOURCES:
        try:
            st = os.stat(run_dir / name)
        except OSError:
            out[name] = None
        else:
            out[name] = [st.st_size, st.st_mtime_ns]
    return out


def read_summary(run_dir: Path | str) -> dict[str, Any] | None:
    """The run's summary if it is still true to the run's files, else None."""
    run_dir = Path(run_dir)
    try:
        with open(run_dir / NAME, encoding="utf-8") as fh:
            summary = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or summary.get("version") != VERSION or summary.get("sources") != _stamp(run_dir):
        return None
    return summary


def write_summary(run_dir: Path | str, info: dict[str, Any], *, metrics: Any, config: Any,
                  data: Any = None) -> dict[str, Any] | None:
    """Cache a finished run's facts; a run still going is not summarised (its files will change)."""
    run_dir = Path(run_dir)
    if info.get("status") not in FINISHED:
        return None
    if data is None and (run_dir / "data.json").is_file():
        try:
            with open(run_dir / "data.json", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            data = None
    summary = {"version": VERSION, "sources": _stamp(run_dir), "info": info, "metrics": metrics,
               "config": _plain(config), "data": data}
    # Not fsynced: a summary lost in a crash is rebuilt from the run's files on the next read.
    tmp = run_dir / f".{NAME}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, default=str)
        os.replace(tmp, run_dir / NAME)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return summary


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
