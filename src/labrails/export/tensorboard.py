"""Runs as TensorBoard event files: every logged value as a scalar at its step, params and tags as text.

``labrails export tensorboard`` writes ``<experiment>/exports/tensorboard/<run>/`` (or under ``--to``);
``tensorboard --logdir exports/tensorboard`` shows them. Exporting a run again replaces its folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from labrails.export.source import ExportedRun


def _text_value(tag: str, text: str):
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.compat.proto.types_pb2 import DT_STRING

    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    tensor = TensorProto(dtype=DT_STRING, string_val=[text.encode()],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary.Value(tag=tag, metadata=metadata, tensor=tensor)


def _table(rows: dict) -> str:
    return "| key | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows.items())


def export_run(run: ExportedRun, destination: str | None) -> str:
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    root = Path(destination) if destination else run.dir.parent.parent / "exports" / "tensorboard"
    out = root / run.name
    if out.exists():
        shutil.rmtree(out)  # ours: written by the previous export of this run
    out.mkdir(parents=True)
    writer = EventFileWriter(str(out))
    try:
        for name, points in sorted(run.series.items()):
            for step, value, seconds in points:
                summary = Summary(value=[Summary.Value(tag=name, simple_value=value)])
                writer.add_event(Event(wall_time=run.started + seconds, step=step, summary=summary))
        texts = {"labrails/tags": _table(run.tags), "labrails/params": _table(run.params),
                 "labrails/final_metrics": _table(run.final)}
        for tag, text in texts.items():
            writer.add_event(Event(wall_time=run.started, step=0, summary=Summary(value=[_text_value(tag, text)])))
    finally:
        writer.close()
    artifacts = out / "artifacts"
    artifacts.mkdir()
    for path in run.artifacts():
        target = artifacts / path.relative_to(run.dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return f"{run.name} -> {out} ({sum(len(p) for p in run.series.values())} values)"
