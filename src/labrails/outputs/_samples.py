"""Per-sample folders: ``summary.txt`` and one text file per input (prompt, raw output, metadata).

This is the only part of the drill-down that loops over rows in Python, which is why the caller limits
how many samples get a folder on large runs.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from labrails.outputs.names import bucket_of, bucket_width, safe_names

MAX_INPUT_FILES_PER_SAMPLE = 1000
# Columns an LLM run adds (labrails.llm.generate), shown in each input's METADATA when present.
GENERATION_METADATA = ("finish_reason", "truncated", "prompt_tokens", "output_tokens")


def fmt(value: object) -> str:
    if value is None or value is pd.NA:
        return "(missing)"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "(missing)"
        return f"{value:.6g}"
    return str(value)


_ABSENT = object()


def _block(value: object, absent: str) -> str:
    if value is _ABSENT:
        return absent
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    return str(value)


def _outcome(task: str, truth: object, has_truth: bool, parsed: bool, correct: object, error: float) -> str:
    if not parsed:
        return "parse failure"
    if not has_truth:
        return "no ground truth"
    if task == "classification":
        return "correct" if correct is True else f"wrong (expected {fmt(truth)})"
    return f"{error:+.6g}"


def sample_folders(group_dir: str, sample_ids: list, per_folder: int) -> list[str]:
    """Folder (relative to the run directory) for each sample id of one group, bucketed when there are many."""
    names = safe_names(sample_ids)
    if len(sample_ids) <= per_folder:
        return [f"{group_dir}/samples/{n}" for n in names]
    width = bucket_width(len(sample_ids), per_folder)
    return [f"{group_dir}/samples/{bucket_of(s, width)}/{n}" for s, n in zip(sample_ids, names, strict=True)]


def write_sample_files(run_dir: Path, rows: pd.DataFrame, folder_of_row: np.ndarray, task: str) -> int:
    """Write summary.txt and per-input files. ``rows`` are the selected rows, grouped by sample and in
    display order; ``folder_of_row`` gives each row's sample folder. Returns the number of files written."""
    if len(rows) == 0:
        return 0
    root = os.fspath(run_dir)
    cols = {c: rows[c].tolist() for c in rows.columns}
    get = lambda name, i: cols[name][i] if name in cols else _ABSENT  # noqa: E731
    starts = np.flatnonzero(np.r_[True, folder_of_row[1:] != folder_of_row[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    written = 0
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        # Plain strings and open(): pathlib's per-call overhead adds up over tens of thousands of files.
        folder = os.path.join(root, folder_of_row[start])
        os.makedirs(folder, exist_ok=True)
        shown = min(end - start, MAX_INPUT_FILES_PER_SAMPLE)
        file_names = [n + ".txt" for n in safe_names(cols["input_id"][start : start + shown], reserved={"summary"})]
        table = []
        for offset, i in enumerate(range(start, start + shown)):
            truth, has_truth = cols["ground_truth"][i], cols["_has_truth"][i]
            parsed = cols["parse_ok"][i]
            error = get("error", i)
            outcome = _outcome(task, truth, has_truth, parsed, get("correct", i), error)
            lo, hi = get("valid_min", i), get("valid_max", i)
            valid = "not given" if lo is _ABSENT and hi is _ABSENT else f"[{fmt(_opt(lo))}, {fmt(_opt(hi))}]"
            text = (
                "=== INPUT ===\n"
                f"{_block(get('input_text', i), '(no input_text column in the predictions)')}\n\n"
                "=== OUTPUT ===\n"
                f"{_block(get('raw_output', i), '(no raw_output column in the predictions)')}\n\n"
                "=== METADATA ===\n"
                f"sample_id: {cols['sample_id'][i]}\n"
                f"input_id: {cols['input_id'][i]}\n"
                f"group: {cols['group'][i]}\n"
                f"ground_truth: {fmt(truth)}\n"
                f"predicted: {fmt(cols['prediction'][i])}\n"
                + (f"probabilities: {get('probabilities', i)}\n" if "probabilities" in cols else "")
                + f"error: {outcome}\n"
                f"valid_range: {valid}\n"
                f"parse_ok: {parsed}\n"
                f"outlier: {cols['outlier'][i]}\n"
                + "".join(f"{c}: {fmt(cols[c][i])}\n" for c in GENERATION_METADATA if c in cols)
            )
            with open(os.path.join(folder, file_names[offset]), "w", encoding="utf-8") as out:
                out.write(text)
            table.append((str(cols["input_id"][i]), fmt(cols["prediction"][i]), outcome, str(parsed), file_names[offset]))
        written += shown
        with open(os.path.join(folder, "summary.txt"), "w", encoding="utf-8") as out:
            out.write(_summary(cols, start, end, table, task))
        written += 1
    return written


def _opt(value: object) -> object:
    return None if value is _ABSENT else value


def _summary(cols: dict, start: int, end: int, table: list[tuple], task: str) -> str:
    n = end - start
    parsed = cols["parse_ok"][start:end]
    lines = [
        f"sample_id: {cols['sample_id'][start]}",
        f"group: {cols['group'][start]}",
        f"ground_truth: {fmt(cols['ground_truth'][start])}",
        f"inputs: {n}   parse failures: {n - sum(bool(p) for p in parsed)}",
    ]
    if task == "classification":
        correct = [c is True for c in cols["correct"][start:end]]
        lines.append(f"correct: {sum(correct)} of {n}")
    else:
        errors = [e for e in cols["error"][start:end] if not math.isnan(e)]
        if errors:
            mae = sum(abs(e) for e in errors) / len(errors)
            lines.append(f"mae over {len(errors)} scored input(s): {mae:.6g}   mean error (bias): {sum(errors) / len(errors):+.6g}")
    lines.append("")
    header = ("input_id", "predicted", "error" if task == "regression" else "outcome", "parse_ok", "file")
    rows = [header, *table]
    widths = [min(40, max(len(r[c]) for r in rows)) for c in range(len(header))]
    for r in rows:
        lines.append("  ".join(cell[:40].ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    if n > len(table):
        lines.append(f"... {n - len(table)} more input(s) not shown; predictions.parquet has all of them")
    return "\n".join(lines) + "\n"
