"""A real sweep: the digits scaffold, a baseline that logs training dynamics and a cartography filter, 2 seeds each."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from testing.runs import runs_named

from labrails.core.fsutil import read_json
from labrails.sweep import run_sweep

pytest.importorskip("torch")
pytest.importorskip("sklearn")

SUITE = """
    name: carto-short
    profile: full
    seeds: [42, 43]
    configurations:
      - name: baseline
        overrides: {cartography.log_dynamics: true, train.max_epochs: 3}
      - name: filter
        overrides: {cartography.strategy: filter, cartography.dynamics: "runs/*-full-baseline-seed{seed}", train.max_epochs: 3}
"""


@pytest.mark.slow
def test_a_two_by_two_digits_sweep_trains_filters_and_reviews_every_run(tmp_path, monkeypatch):
    import labrails

    monkeypatch.setenv("LABRAILS_QUIET", "1")
    exp = labrails.new_experiment(tmp_path / "digits-carto", template="cartography")
    derisk = subprocess.run([sys.executable, "train.py", "de-risk"], cwd=exp.root, capture_output=True, text=True, timeout=300)
    assert derisk.returncode == 0, derisk.stdout + derisk.stderr
    suite = exp.root / "suites" / "carto-short.yaml"  # suites/ comes with the template
    suite.write_text(textwrap.dedent(SUITE))

    result = run_sweep(suite, max_parallel=2, echo=lambda line: None)

    assert result.exit_code == 0, result.outcomes
    for seed in (42, 43):
        (baseline,) = runs_named(exp, f"full-baseline-seed{seed}")
        (filtered,) = runs_named(exp, f"full-filter-seed{seed}")
        assert (baseline / "logs" / "dynamics.jsonl").is_file()
        # the filter trained on the baseline's most ambiguous third, read from the same seed's baseline
        assert read_json(filtered / "data.json")["rows"]["train"] < read_json(baseline / "data.json")["rows"]["train"]
        (used,) = [line for line in (filtered / "logs" / "train.log").read_text().splitlines() if "data strategy" in line]
        assert baseline.name in used
        for run in (baseline, filtered):
            metrics = read_json(run / "metrics.json")
            assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["epochs_run"] == 3
            assert read_json(run / "run.json")["config_hash"] and (run / "review.json").is_file()
    assert set(run_sweep(suite, echo=lambda line: None).statuses().values()) == {"skipped"}
