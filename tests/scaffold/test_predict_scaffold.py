"""The LLM-style scaffold (scaffold/predict.py), run as a researcher runs it: copied with its config into a
fresh experiment, de-risked end to end, its answers drilled into, and reviewed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from scaffold_helpers import assert_review_passed, output_of, run_script
from typer.testing import CliRunner

import labrails
from labrails.cli.app import app
from labrails.core.fsutil import read_json

pytestmark = pytest.mark.slow

SCAFFOLD = Path(__file__).resolve().parents[2] / "scaffold"


@pytest.fixture
def wine_llm(tmp_path):
    exp = labrails.new_experiment(tmp_path / "wine-llm", hypothesis="a tiny char LM names the cultivar of >= 85% of test wines",
                                  success=["test_accuracy >= 0.85"], expected_range=(0.7, 0.99),
                                  data_source="sklearn.datasets.load_wine", min_test_size=50)
    shutil.copy(SCAFFOLD / "predict.py", exp.root / "predict.py")
    shutil.copy(SCAFFOLD / "predict_config.yaml", exp.root / "config.yaml")
    return exp


def test_derisk_answers_every_test_wine_and_the_review_reads_the_answers(wine_llm, monkeypatch):
    proc = run_script(wine_llm, "predict.py", "de-risk", timeout=180)
    run = wine_llm.run_dirs()[-1]
    info, metrics, data = read_json(run / "run.json"), read_json(run / "metrics.json"), read_json(run / "data.json")
    assert info["status"] == "completed" and info["profile"] == "de-risk" and info["initial_loss"]["ok"], output_of(proc)
    assert data["source"] == "sklearn.datasets.load_wine" and data["rows"]["test"] == metrics["n_test"] == 54
    assert (run / "checkpoints" / "best.pt").is_file()
    assert_review_passed(run, proc)

    # Three steps from the run's README to the exact prompt and generation behind one answer.
    assert "eval/groups/_index.csv" in (run / "README.txt").read_text()
    worst_group = pd.read_csv(run / "eval" / "groups" / "_index.csv").iloc[0]
    worst_sample = pd.read_csv(run / "eval" / worst_group["path"] / "per_sample.csv").iloc[0]
    one_answer = (run / "eval" / worst_sample["folder"] / "wine-v1.txt").read_text()
    prompt, rest = one_answer.split("=== OUTPUT ===")
    generation, metadata = rest.split("=== METADATA ===")
    assert prompt.startswith("=== INPUT ===\nWine: alcohol=") and "Which cultivar" in prompt
    assert generation.strip() and f"sample_id: {worst_sample['sample_id']}" in metadata and "ground_truth: class_" in metadata

    # Every prompt has its raw generation; the parse failures the review reports are the ones the run saw.
    raw = pd.read_parquet(run / "eval" / "raw_outputs.parquet")
    assert len(raw) == 54 and raw["input_text"].notna().all() and raw["raw_output"].notna().all()
    failures = int((~raw["parse_ok"]).sum())
    assert metrics["test_parse_failures"] == failures == read_json(run / "eval" / "metrics.json")["parse_failures"]
    monkeypatch.chdir(wine_llm.root)
    review = CliRunner().invoke(app, ["review", "latest"])
    assert review.exit_code == 0, review.output
    seen = "0 parse failures in 54 generations" if failures == 0 else f"{failures} of 54 outputs could not be parsed"
    assert f"[parse-failures] {seen}" in review.output
    assert "[distribution] class shares, predicted/true: class_0:" in review.output
