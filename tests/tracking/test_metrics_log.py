"""logs/metrics.jsonl: every record is the JSON of its values, whatever number type a training loop logs."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch

from labrails.tracking.metrics_log import MetricsWriter, read_metrics

VALUES = [0.1, 1 / 3, 1e-300, 1e300, 5e-324, -0.0, 3, 2**70, True, False, float("nan"), float("inf"), float("-inf"),
          np.float64(0.25), np.float32(0.5), np.int64(7), torch.tensor(1.5), torch.tensor(4)]


def test_each_line_is_what_json_dumps_writes_for_the_record(tmp_path):
    writer = MetricsWriter(tmp_path / "metrics.jsonl", started=time.time())
    shapes = [dict(step=1), dict(step=10, epoch=3, split="train"), dict(split='val "held-out" é'), {}]
    for value in VALUES:
        for shape in shapes:
            writer.write('loss/é"x', value, **shape)
    writer.close()

    lines = (tmp_path / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(VALUES) * len(shapes)
    for line in lines:
        record = json.loads(line)
        assert line == json.dumps(record)  # byte for byte the general encoder's output
        assert record["name"] == 'loss/é"x'
    nan_at = next(i for i, v in enumerate(VALUES) if isinstance(v, float) and v != v)
    nan_line = json.loads(lines[nan_at * len(shapes)])
    assert nan_line["value"] == "nan"  # JSON has no NaN: the fact is kept as text


def test_values_read_back_as_logged(tmp_path):
    writer = MetricsWriter(tmp_path / "metrics.jsonl", started=time.time())
    for step, value in enumerate([2.30, 1.1, np.float64(0.7), torch.tensor(0.25)], 1):
        writer.write("loss", value, step=step, epoch=1, split="train")
    writer.close()

    records = list(read_metrics(tmp_path / "metrics.jsonl"))
    assert [r["value"] for r in records] == pytest.approx([2.30, 1.1, 0.7, 0.25])
    assert [r["step"] for r in records] == [1, 2, 3, 4] and {r["split"] for r in records} == {"train"}


def test_a_value_that_is_not_a_number_is_refused(tmp_path):
    writer = MetricsWriter(tmp_path / "metrics.jsonl", started=time.time())
    with pytest.raises(TypeError, match="metric 'loss' must be a number"):
        writer.write("loss", "low")
    writer.close()
