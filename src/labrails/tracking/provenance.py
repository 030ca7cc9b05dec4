"""Data provenance: where the data came from, its fingerprint, and whether it is synthetic.

A fingerprint is a sha256 over the bytes of arrays (with shape and dtype) or of files, so the same
dataset gives the same fingerprint on every machine and a swapped-in dataset never does.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

SYNTHETIC_SIDECAR = ".synthetic.json"


def fingerprint(*objects: Any) -> str:
    h = hashlib.sha256()
    for obj in objects:
        _feed(h, obj)
    return "sha256:" + h.hexdigest()


def _feed(h: "hashlib._Hash", obj: Any) -> None:
    if isinstance(obj, (str, Path)) and Path(obj).is_file():
        h.update(b"file:")
        with open(obj, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return
    tobytes = getattr(obj, "tobytes", None)
    if callable(tobytes):  # numpy arrays (torch tensors: pass tensor.numpy())
        h.update(f"array:{getattr(obj, 'shape', '')}:{getattr(obj, 'dtype', '')}:".encode())
        contiguous = getattr(obj, "copy", None)
        h.update(obj.tobytes() if getattr(obj, "flags", None) is None or obj.flags.c_contiguous else contiguous(order="C").tobytes())
        return
    if hasattr(obj, "to_numpy") and hasattr(obj, "columns"):  # a pandas DataFrame
        h.update(("df:" + ",".join(map(str, obj.columns))).encode())
        _feed(h, obj.to_numpy())
        return
    h.update(json.dumps(obj, sort_keys=True, default=str).encode())


def mark_synthetic(path: Path | str, *, generator: str, description: str = "") -> Path:
    """Record that ``path`` holds generated data (call this from generate_data.py)."""
    path = Path(path)
    sidecar = path.with_name(path.name + SYNTHETIC_SIDECAR)
    sidecar.write_text(json.dumps({"synthetic": True, "generator": generator, "description": description}, indent=2) + "\n")
    return sidecar


def is_synthetic_file(path: Path | str) -> bool:
    path = Path(path)
    return path.with_name(path.name + SYNTHETIC_SIDECAR).is_file() or "synthetic" in {p.lower() for p in path.parts}


def any_synthetic(files: Iterable[Path | str]) -> list[str]:
    return [str(f) for f in files if is_synthetic_file(f)]


def summarize(objects: Iterable[Any], files: Iterable[Path | str] = (), *, samples: int = 3) -> dict[str, Any]:
    """What a person checks before pinning data: each array's shape, dtype and sha256, the columns, the class
    balance of a label array, and a few sample rows (evenly spaced, not the first N)."""
    arrays, class_counts, rows = [], {}, []
    for obj in objects:
        entry: dict[str, Any] = {"sha256": fingerprint(obj)}
        columns = getattr(obj, "columns", None)
        values = obj.to_numpy() if columns is not None and hasattr(obj, "to_numpy") else obj
        shape = getattr(values, "shape", None)
        if shape is None:
            entry["type"] = type(obj).__name__
            arrays.append(entry)
            continue
        entry.update(shape=list(shape), dtype=str(getattr(values, "dtype", "")))
        if columns is not None:
            entry["columns"] = [str(c) for c in columns]
        if len(shape) == 1 and shape[0] and getattr(values.dtype, "kind", "") in "iub":
            import numpy as np

            labels, counts = np.unique(values, return_counts=True)
            if len(labels) <= 100:
                class_counts = {str(k): int(n) for k, n in zip(labels.tolist(), counts.tolist())}
        elif len(shape) == 2 and shape[0] and not rows:
            picks = sorted({round(i * (shape[0] - 1) / max(samples - 1, 1)) for i in range(samples)})
            for i in picks:
                row = values[i][:8].tolist()
                rows.append({"row": int(i), "values": [round(v, 4) if isinstance(v, float) else v for v in row]})
        arrays.append(entry)
    details = []
    for f in files:
        path = Path(f)
        if path.is_file():
            stat = path.stat()
            from labrails.core.datapin import file_sha256

            details.append({"path": str(path.resolve()), "sha256": file_sha256(path),
                            "bytes": stat.st_size, "mtime": stat.st_mtime})
    return {"arrays": arrays, "class_counts": class_counts, "samples": rows, "files": details}
