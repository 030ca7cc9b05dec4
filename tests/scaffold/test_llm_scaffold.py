"""The llm template (scaffold/llm.py), run as a researcher runs it: `labrails new --template llm`, de-risk, full.

HF Trainer through labrails.hf trains a small Llama built from its config on VADER's rated words; every held-out
word is then answered through labrails.llm.generate and drilled into; the review reads the answers.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scaffold_helpers import assert_review_passed, output_of, run_script

import labrails
from labrails.core.fsutil import read_json

pytest.importorskip("transformers", reason="transformers not installed: pip install 'labrails[hf]'")
pytest.importorskip("vaderSentiment", reason="the VADER lexicon ships in vaderSentiment: pip install 'labrails[hf]'")
pytestmark = pytest.mark.slow


@pytest.fixture
def sentiment(tmp_path):
    return labrails.new_experiment(tmp_path / "sentiment-llm", template="llm",
                                   hypothesis="a 2-layer LM names the sentiment of >= 90% of unseen rated words",
                                   success=["test_accuracy >= 0.9"])


def test_derisk_then_full_train_generate_drill_down_and_review(sentiment):
    proc = run_script(sentiment, "llm.py", "de-risk", timeout=300)
    derisk = sentiment.run_dirs()[-1]
    info = read_json(derisk / "run.json")
    assert info["status"] == "completed", output_of(proc)  # its budget is the review's to judge, below
    assert info["llm"]["engine"] == "hf" and info["hf"]["batch"]["effective"] == 32
    assert {f["check"] for f in info["preflight"]} >= {"lengths", "effective-batch"}
    assert_review_passed(derisk, proc)

    proc = run_script(sentiment, "llm.py", "full", timeout=900)
    full = sentiment.run_dirs()[-1]
    metrics, info = read_json(full / "metrics.json"), read_json(full / "run.json")
    assert info["profile"] == "full" and metrics["n_test"] == 2166 == info["llm"]["n_prompts"], output_of(proc)
    assert metrics["test_accuracy"] >= 0.9, output_of(proc)
    log = (full / "logs" / "train.log").read_text()
    assert "generated 2166/2166" in log and "parse failures so far" in log
    raw = pd.read_parquet(full / "eval" / "raw_outputs.parquet")
    assert len(raw) == 2166 and raw["input_text"].str.contains(" rated ").all() and raw["finish_reason"].notna().all()
    assert_review_passed(full, proc)
