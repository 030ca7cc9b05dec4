"""The LLM-style scaffold (scaffold/predict.py), run as a researcher runs it: `labrails new --template wine-llm`,
de-risked end to end through labrails.llm.generate (a TorchEngine over the character model), its answers
drilled into, and reviewed."""

from __future__ import annotations

import pandas as pd
import pytest
from scaffold_helpers import assert_review_passed, output_of, run_script
from typer.testing import CliRunner

from labrails.cli.app import app
from labrails.core.experiment import Experiment
from labrails.core.fsutil import read_json
from testing.commands import run_script as run_unchecked

pytestmark = pytest.mark.slow


@pytest.fixture
def wine_llm(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = CliRunner().invoke(app, ["new", "wine-llm", "--template", "wine-llm",
                                    "--hypothesis", "a tiny char LM names the cultivar of >= 85% of test wines",
                                    "--success", "test_accuracy >= 0.85"])
    assert made.exit_code == 0, made.output
    return Experiment(tmp_path / "wine-llm")


def test_derisk_answers_every_test_wine_and_the_review_reads_the_answers(wine_llm, monkeypatch):
    proc = run_script(wine_llm, "predict.py", "de-risk", timeout=180)
    run = wine_llm.run_dirs()[-1]
    info, metrics, data = read_json(run / "run.json"), read_json(run / "metrics.json"), read_json(run / "data.json")
    assert info["status"] == "completed" and info["profile"] == "de-risk" and info["initial_loss"]["ok"], output_of(proc)
    assert data["source"] == "sklearn.datasets.load_wine" and data["rows"]["test"] == metrics["n_test"] == 54
    assert (run / "checkpoints" / "best.pt").is_file()
    assert_review_passed(run, proc)

    # labrails.llm.generate answered the test wines: the engine and its settings on record, a progress line
    # per chunk of 32, every raw output with why it ended.
    llm = info["llm"]
    assert llm["engine"] == "torch" and llm["n_prompts"] == 54 and llm["engine_version"]
    assert llm["sampling"]["max_new_tokens"] == 24 and llm["sampling"]["stop"] == ["\n"]
    log = (run / "logs" / "train.log").read_text()
    assert "generated 32/54" in log and "generated 54/54" in log and "parse failures so far" in log

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
    assert set(raw["finish_reason"]) <= {"stop", "length"}
    assert metrics["test_truncation_rate"] == (raw["finish_reason"] == "length").mean()
    failures = int((~raw["parse_ok"]).sum())
    assert metrics["test_parse_failures"] == failures == read_json(run / "eval" / "metrics.json")["parse_failures"]
    monkeypatch.chdir(wine_llm.root)
    review = CliRunner().invoke(app, ["review", "latest"])
    assert review.exit_code == 0, review.output
    seen = "0 parse failures in 54 generations" if failures == 0 else f"{failures} of 54 outputs could not be parsed"
    assert f"[parse-failures] {seen}" in review.output
    assert "[distribution] class shares, predicted/true: class_0:" in review.output
    assert "[llm-truncation]" in review.output and "[llm-labels]" in review.output
    assert "[llm-prompt-length] prompt tokens: min " in review.output


def test_a_generate_setting_out_of_range_stops_the_run_before_training(wine_llm):
    proc = run_unchecked(wine_llm, "predict.py", "de-risk", "--set", "generate.max_new_tokens=0", check=False)
    assert proc.returncode == 2, output_of(proc)
    shown = proc.stdout + proc.stderr
    assert "generate.max_new_tokens is 0" in shown and "config.yaml" in shown and "fix:" in shown
    assert "Traceback" not in shown
    assert not (wine_llm.run_dirs()[-1] / "checkpoints" / "last.pt").exists()
