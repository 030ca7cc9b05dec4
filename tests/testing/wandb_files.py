"""Read a W&B offline run (``offline-run-*/run-<id>.wandb``) with wandb's own record definitions.

The file is W&B's transaction log: a 7-byte header (``:W&B``, version) then LevelDB-log blocks of 32 KiB
holding length-prefixed, CRC-checked chunks; each full record is a ``wandb.proto.wandb_internal_pb2.Record``
(the messages `wandb sync` replays). wandb 0.2x+ reads it in its Go core and ships no Python reader, so
the framing is decoded here and every record is parsed by wandb's protobuf classes.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

BLOCK = 32768
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def _records(data: bytes):
    assert data[:4] == b":W&B", "not a W&B transaction log"
    pos, pending = HEADER, b""
    while pos + HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < HEADER:  # block trailer padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + HEADER])
        chunk = data[pos + HEADER:pos + HEADER + length]
        pos += HEADER + length
        if kind == 0 and length == 0:
            pos += BLOCK - pos % BLOCK if pos % BLOCK else 0
            continue
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            pending = chunk
        elif kind == MIDDLE:
            pending += chunk
        elif kind == LAST:
            yield pending + chunk
            pending = b""


def read_offline_run(folder: Path) -> dict:
    """{"run": {run_id, display_name, tags}, "history": {key: [(step, value)]}, "config": {...}, "summary": {...}}."""
    from wandb.proto import wandb_internal_pb2 as pb

    (log,) = Path(folder).glob("*.wandb")
    out: dict = {"run": {}, "history": {}, "config": {}, "summary": {}}
    for raw in _records(log.read_bytes()):
        record = pb.Record()
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            out["run"] = {"run_id": record.run.run_id, "display_name": record.run.display_name, "tags": list(record.run.tags)}
            for item in record.run.config.update:
                out["config"][item.key or "/".join(item.nested_key)] = json.loads(item.value_json)
        elif kind == "history":
            items = {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
            step = items.get("_step", record.history.step.num)
            for key, value in items.items():
                if not key.startswith("_"):
                    out["history"].setdefault(key, []).append((int(step), float(value)))
        elif kind == "summary":
            for item in record.summary.update:
                out["summary"][item.key or "/".join(item.nested_key)] = json.loads(item.value_json)
        elif kind == "config":
            for item in record.config.update:
                out["config"][item.key] = json.loads(item.value_json)
    return out
